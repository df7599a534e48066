#include "fixres/core/metrics.h"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fixres::engine {
namespace {

template <typename T>
TopkCounts count_rows(const T* scores, std::int64_t begin, std::int64_t end, std::int64_t cols,
                      const std::int64_t* labels) {
  TopkCounts counts;
  for (std::int64_t i = begin; i < end; ++i) {
    const T* row = scores + i * cols;
    const std::int64_t label = labels[i];
    if (label < 0 || label >= cols) {
      throw std::invalid_argument("label " + std::to_string(label) + " of row " + std::to_string(i) +
                                  " is outside [0, " + std::to_string(cols) + ")");
    }
    // Branch-free counting that the compiler vectorises: before the label's index ties count
    // against it, after it only strictly greater scores do. NaN compares false everywhere, so
    // it is detected separately (v != v).
    const T target = row[label];
    std::int64_t rank = 0;
    std::int64_t nans = (target != target);
    for (std::int64_t j = 0; j < label; ++j) {
      rank += row[j] >= target;
      nans += row[j] != row[j];
    }
    for (std::int64_t j = label + 1; j < cols; ++j) {
      rank += row[j] > target;
      nans += row[j] != row[j];
    }
    const bool nan = nans != 0;
    if (nan) throw std::invalid_argument("row " + std::to_string(i) + " contains NaN scores");
    counts.top1 += rank < 1;
    counts.top5 += rank < 5;
  }
  counts.images = end - begin;
  return counts;
}

/// Rows split into contiguous chunks over the machine's cores; the error of the lowest row wins,
/// so a report does not depend on thread timing.
template <typename T>
TopkCounts count_topk_impl(const T* scores, std::int64_t rows, std::int64_t cols, const std::int64_t* labels) {
  const std::int64_t min_rows_per_thread = 2048;
  const std::int64_t threads = std::max<std::int64_t>(
      1, std::min<std::int64_t>(std::thread::hardware_concurrency(), rows / min_rows_per_thread));
  std::vector<TopkCounts> partial(static_cast<std::size_t>(threads));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  auto work = [&](std::int64_t t) {
    const std::int64_t begin = rows * t / threads;
    const std::int64_t end = rows * (t + 1) / threads;
    try {
      partial[static_cast<std::size_t>(t)] = count_rows(scores, begin, end, cols, labels);
    } catch (...) {
      errors[static_cast<std::size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (std::int64_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& thread : pool) thread.join();
  TopkCounts total;
  for (std::size_t t = 0; t < partial.size(); ++t) {
    if (errors[t]) std::rethrow_exception(errors[t]);
    total += partial[t];
  }
  return total;
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
