#pragma once
/// `fixres evaluate` (the seed's main_evaluate_imnet.py): top-1/top-5 of a network on an
/// ImageFolder through FixRes's test transform at one test size. Torch-free declarations; the
/// implementation runs in libfixres.so and is reached through EngineApi::evaluate.

#include <string>
#include <vector>

#include "fixres/engine/inference_config.h"
#include "fixres/engine/metrics.h"
#include "fixres/engine/model_config.h"
#include "fixres/engine/reporter.h"

namespace fixres::engine {

struct EvaluateConfig {
  ModelConfig model;
  InferenceDataConfig data;
  int input_size = 224;  ///< test size S
};

struct EvaluateResult {
  std::string architecture;   ///< the registry row that ran ("ResNet50", "tf_efficientnet_b0_ap", …)
  int input_size = 0;
  TopkCounts counts;          ///< over all ranks, every decodable image once
  std::int64_t dataset_size = 0;
  double seconds = 0.0;       ///< wall time of the inference loop
  double images_per_second = 0.0;
  std::string normalization;  ///< which mean/std was used, and why
  std::vector<SkippedImageReport> skipped;
  bool is_main = true;        ///< rank 0 (the only one that prints and writes)
  int world_size = 1;
};

/// Throws std::invalid_argument for bad settings (architecture, device, size), std::runtime_error
/// for unusable weights (full load report) or datasets.
EvaluateResult evaluate(const EvaluateConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
