#pragma once
/// `fixres sweep` (new): which test resolution suits a network best, and how much a cheap
/// batch-norm recalibration at each resolution recovers (engine/bn_recalibration.h). For every
/// size S: top-1/top-5 through FixRes's test transform at S with the stored statistics, then
/// (with a calibration folder) after recalibrating the adapted batch-norm layers on K unlabeled
/// images at S; the stored statistics are restored before the next size. Torch-free declarations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fixres/core/inference_config.h"
#include "fixres/core/metrics.h"
#include "fixres/core/model_config.h"
#include "fixres/core/reporter.h"

namespace fixres::engine {

struct SweepConfig {
  ModelConfig model;
  InferenceDataConfig data;
  std::vector<int> sizes;          ///< test sizes, evaluated in this order
  std::string calibrate_path;      ///< ImageFolder of calibration images (labels unused); empty: none
  std::int64_t calibrate_images = 0;  ///< K (required with calibrate_path)
};

struct SweepRow {
  int size = 0;
  TopkCounts plain;
  std::optional<TopkCounts> calibrated;  ///< after recalibration (when asked for)
  double seconds = 0.0;                  ///< evaluation(s) and recalibration at this size
};

struct SweepResult {
  std::string architecture;
  std::vector<SweepRow> rows;       ///< in config.sizes order
  int best_size = 0;                ///< highest plain top-1 (the smaller size on ties)
  std::optional<int> best_calibrated_size;  ///< highest top-1 after recalibration
  std::int64_t dataset_size = 0;
  std::int64_t calibration_images = 0;      ///< images each recalibration used
  std::vector<std::string> calibrated_layers;
  std::string normalization;
  std::string test_transform;  ///< the test protocol used, and why
  std::vector<SkippedImageReport> skipped;  ///< of the evaluated dataset
  bool is_main = true;
  int world_size = 1;
};

/// Throws std::invalid_argument for an empty/invalid size list (not positive, too small for the
/// architecture, duplicated) or a calibration folder without K, else as evaluate().
SweepResult sweep(const SweepConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
