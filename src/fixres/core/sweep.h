#pragma once
/// `fixres sweep` (new): which test resolution suits a network best, and how much a cheap
/// batch-norm recalibration at each resolution recovers (engine/bn_recalibration.h). For every
/// size S: top-1/top-5 through FixRes's test transform at S with the stored statistics, then
/// (with a calibration folder) after recalibrating the adapted batch-norm layers on K unlabeled
/// images at S; the stored statistics are restored before the next size. Torch-free declarations.

#include <cstddef>
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
  /// --crop-pcts: the grid's second axis, each in (0, 1] (every size at each); empty: the test
  /// protocol's own only.
  std::vector<double> crop_pcts;
  /// --budget IMG_PER_S: name the most accurate cell measured at least this fast (0: none).
  double budget = 0.0;
  std::string calibrate_path;      ///< ImageFolder of calibration images (labels unused); empty: none
  std::int64_t calibrate_images = 0;  ///< K (required with calibrate_path)
};

struct SweepRow {
  int size = 0;
  data::TestProtocol protocol;           ///< the test transform of this cell
  TopkCounts plain;
  std::optional<TopkCounts> calibrated;  ///< after recalibration (when asked for)
  std::optional<TopkCounts> real;        ///< ImageNet-ReaL counts of the plain run (--real-labels)
  double seconds = 0.0;                  ///< evaluation(s) and recalibration at this size
  double images_per_second = 0.0;        ///< of the plain evaluation, loading included (this machine)
  double gflops = 0.0;                   ///< per image: 2 x multiply-adds of convolutions and linear layers
  /// On the accuracy/throughput Pareto front (plain top-1 against images/s): no other cell is at
  /// least as accurate and as fast, and better in one.
  bool pareto = false;
};

struct SweepResult {
  std::string architecture;
  std::vector<SweepRow> rows;       ///< crop-pct by crop-pct, each in config.sizes order
  int best_size = 0;                ///< highest plain top-1 (the smaller size on ties)
  std::size_t best_row = 0;         ///< the best cell (of rows)
  double budget = 0.0;              ///< config.budget
  /// The most accurate cell at least `budget` images/s fast; unset without budget or when none is.
  std::optional<std::size_t> budget_row;
  std::optional<int> best_calibrated_size;  ///< highest top-1 after recalibration
  std::int64_t dataset_size = 0;
  std::int64_t calibration_images = 0;      ///< images each recalibration used
  std::vector<std::string> calibrated_layers;
  std::string normalization;
  std::string test_transform;  ///< the test protocol used, and why
  std::int64_t parameters = 0;  ///< the network's parameter count
  std::vector<SkippedImageReport> skipped;  ///< of the evaluated dataset
  bool is_main = true;
  int world_size = 1;
};

/// Throws std::invalid_argument for an empty/invalid size list (not positive, too small for the
/// architecture, duplicated) or a calibration folder without K, else as evaluate().
SweepResult sweep(const SweepConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
