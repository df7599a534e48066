#pragma once
/// The flags evaluate, extract and sweep share (and finetune/train may reuse): the shared groups of
/// cli/options.h, the distributed flags, --mean/--std, --channels-last, --fold-bn, and their translation into
/// the engine's torch-free configs (engine/model_config.h, engine/inference_config.h).

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "fixres/cli/options.h"
#include "fixres/dist/options.h"
#include "fixres/engine/inference_config.h"
#include "fixres/engine/model_config.h"

namespace fixres::cli {

/// --mean R G B --std R G B (override the weights' normalisation), --channels-last/--contiguous,
/// --fold-bn/--no-fold-bn
struct NormalizationFlags {
  std::vector<float> mean;
  std::vector<float> std;
  bool channels_last = true;  ///< --channels-last (default) / --contiguous
  bool fold_batch_norms = true;  ///< --fold-bn (default) / --no-fold-bn
};
void add_normalization_flags(CLI::App& app, NormalizationFlags& flags);

struct InferenceFlags {
  ModelFlags model;
  DataFlags data;
  RuntimeFlags runtime;
  NormalizationFlags normalization;
  dist::DistOptions dist;
  std::string json_path;
};

/// Every shared flag; `default_input_size` <= 0 leaves out --input-size.
void add_inference_flags(CLI::App& app, InferenceFlags& flags, int default_input_size);

/// ModelConfig from the model, runtime and normalisation flags (weights required by the caller's
/// flag declaration). Throws UsageError for --mean without --std.
engine::ModelConfig model_config(const ModelFlags& model, const RuntimeFlags& runtime,
                                 const NormalizationFlags& normalization);

/// The dataset (ROOT/val or DIR), loader settings and distributed options.
engine::InferenceDataConfig data_config(const InferenceFlags& flags);

/// [{"index", "path", "reason"}, …]
nlohmann::json skipped_json(const std::vector<engine::SkippedImageReport>& skipped);

}  // namespace fixres::cli
