#include "fixres/engine/metrics.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace fixres::engine {
namespace {

template <typename T>
TopkCounts count_topk_impl(const T* scores, std::int64_t rows, std::int64_t cols, const std::int64_t* labels) {
  TopkCounts counts;
  for (std::int64_t i = 0; i < rows; ++i) {
    const T* row = scores + i * cols;
    const std::int64_t label = labels[i];
    if (label < 0 || label >= cols) {
      throw std::invalid_argument("label " + std::to_string(label) + " of row " + std::to_string(i) +
                                  " is outside [0, " + std::to_string(cols) + ")");
    }
    // One pass: the rank and the NaN check together (NaN compares false everywhere).
    const T target = row[label];
    std::int64_t rank = 0;
    bool nan = std::isnan(target);
    for (std::int64_t j = 0; j < cols; ++j) {
      const T v = row[j];
      nan |= (v != v);
      rank += (v > target) || (v == target && j < label);
    }
    if (nan) throw std::invalid_argument("row " + std::to_string(i) + " contains NaN scores");
    counts.top1 += rank < 1;
    counts.top5 += rank < 5;
  }
  counts.images = rows;
  return counts;
}

}  // namespace

TopkCounts count_topk(const float* scores, std::int64_t rows, std::int64_t cols, const std::int64_t* labels) {
  return count_topk_impl(scores, rows, cols, labels);
}

TopkCounts count_topk(const double* scores, std::int64_t rows, std::int64_t cols, const std::int64_t* labels) {
  return count_topk_impl(scores, rows, cols, labels);
}

std::string format_topk(const TopkCounts& counts) {
  char line[128];
  std::snprintf(line, sizeof line, "Top-1: %.2f  Top-5: %.2f  (%lld images)", counts.top1_percent(),
                counts.top5_percent(), static_cast<long long>(counts.images));
  return line;
}

}  // namespace fixres::engine
