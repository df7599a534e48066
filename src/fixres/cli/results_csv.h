#pragma once
/// `--results-file FILE.csv` of evaluate and sweep: one row per (model, size, crop-pct) with timm's
/// validate.py columns (model, top1, top1_err, top5, top5_err, param_count in millions, img_size,
/// crop_pct, interpolation) and ours (weights, resize_mode, resize_size, images, images_per_second).
/// A file that exists gets the rows appended (its header must be this one), so that a loop of runs
/// builds one table; the file is rewritten atomically.

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/core/inference_config.h"

namespace fixres::cli {

struct ResultsRow {
  std::string model;           ///< the registry row
  double top1 = 0.0;           ///< percent
  double top5 = 0.0;
  std::int64_t parameters = 0;
  int img_size = 0;
  data::TestProtocol protocol;
  std::string weights;
  std::int64_t images = 0;
  double images_per_second = 0.0;
};

/// A row of `model` with the counts of one test size and protocol; the caller adds the rest.
ResultsRow results_row(const std::string& model, const engine::TopkCounts& counts, int img_size,
                       const data::TestProtocol& protocol);

/// The row of an inference report.
ResultsRow results_row(const engine::InferenceRunReport& report, const std::string& weights);

/// Appends `rows` to `path` (creating it with the header). No-op when `path` is empty. Throws
/// std::runtime_error naming the file when it exists with another header.
void append_results_csv(const std::string& path, const std::vector<ResultsRow>& rows);

}  // namespace fixres::cli
