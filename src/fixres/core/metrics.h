#pragma once
/// Top-k accuracy counting on raw score rows, torch-free (used by evaluate-softmax in the CLI and
/// by the LibTorch engines on CPU copies of their logits).
///
/// Ranking rule: a label's rank is the number of scores strictly greater than its score plus the
/// number of equal scores at a lower index, i.e. its position in a stable descending sort. Top-1
/// thus agrees with numpy.argmax (first index wins ties).

#include <cstdint>
#include <string>

namespace fixres::engine {

struct TopkCounts {
  std::int64_t images = 0;
  std::int64_t top1 = 0;  ///< images whose label ranks first
  std::int64_t top5 = 0;  ///< images whose label ranks among the first five

  double top1_percent() const { return images ? 100.0 * static_cast<double>(top1) / static_cast<double>(images) : 0.0; }
  double top5_percent() const { return images ? 100.0 * static_cast<double>(top5) / static_cast<double>(images) : 0.0; }
  TopkCounts& operator+=(const TopkCounts& other) {
    images += other.images;
    top1 += other.top1;
    top5 += other.top5;
    return *this;
  }
};

/// Rank (0 = best) of column `label` in one row of `cols` scores. Scores must not be NaN.
template <typename T>
std::int64_t label_rank(const T* row, std::int64_t cols, std::int64_t label) {
  const T target = row[label];
  std::int64_t rank = 0;
  for (std::int64_t j = 0; j < cols; ++j) {
    rank += (row[j] > target) || (row[j] == target && j < label);
  }
  return rank;
}

/// Counts top-1/top-5 hits over `rows` rows of `cols` scores (row-major) with int64 labels.
/// Throws std::invalid_argument when a label is outside [0, cols) or a score is NaN, naming the
/// row (the CLI adds the file names).
TopkCounts count_topk(const float* scores, std::int64_t rows, std::int64_t cols, const std::int64_t* labels);
TopkCounts count_topk(const double* scores, std::int64_t rows, std::int64_t cols, const std::int64_t* labels);

/// "Top-1: 79.00  Top-5: 94.60  (50000 images)"
std::string format_topk(const TopkCounts& counts);

}  // namespace fixres::engine
