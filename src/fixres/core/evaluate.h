#pragma once
/// `fixres evaluate` (the seed's main_evaluate_imnet.py): top-1/top-5 of a network on an
/// ImageFolder through FixRes's test transform at one test size. Torch-free declarations; the
/// implementation runs in libfixres.so and is reached through EngineApi::evaluate.

#include <string>
#include <vector>

#include "fixres/core/inference_config.h"
#include "fixres/core/metrics.h"
#include "fixres/core/model_config.h"
#include "fixres/core/reporter.h"

namespace fixres::engine {

struct EvaluateConfig {
  ModelConfig model;
  InferenceDataConfig data;
  int input_size = 224;  ///< test size S
};

struct EvaluateResult : InferenceRunReport {
  std::int64_t dataset_size = 0;  ///< images in the folder, skipped ones included
};

/// Throws std::invalid_argument for bad settings (architecture, device, size), std::runtime_error
/// for unusable weights (full load report) or datasets.
EvaluateResult evaluate(const EvaluateConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
