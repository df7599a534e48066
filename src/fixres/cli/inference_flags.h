#pragma once
/// The flags evaluate, extract and sweep share, bound straight onto the engine's configs
/// (core/model_config.h, core/inference_config.h), and what their outputs share: the JSON of an
/// inference report and its list of skipped images.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <vector>

#include "fixres/cli/engine_loader.h"
#include "fixres/cli/options.h"
#include "fixres/cli/output.h"
#include "fixres/core/inference_config.h"
#include "fixres/core/model_config.h"

namespace fixres::cli {

/// The model flags (weights required), --imnet-path/--dataset-path, --strict-images, --batch,
/// --workers, the distributed flags, --threads and --json. --input-size is the caller's (sweep
/// takes --sizes instead).
void add_inference_flags(CLI::App& app, engine::ModelConfig& model, engine::InferenceDataConfig& data, CliFlags& cli);

/// --results-file FILE.csv (evaluate, sweep; cli/results_csv.h).
void add_results_file_flag(CLI::App& app, CliFlags& cli);

/// data.dataset_path: --dataset-path DIR as given, else --imnet-path ROOT's ROOT/val (a no-op once
/// set). Throws UsageError when neither was given.
void resolve_dataset_path(engine::InferenceDataConfig& data, const CliFlags& cli);

/// An engine entry point of an inference command (EngineApi::evaluate, extract, sweep).
template <typename Config, typename Result>
using InferenceEntry = Result (*engine::EngineApi::*)(const Config&, const engine::Reporter&);

/// evaluate's, extract's and sweep's start: the dataset path resolved, the engine loaded with
/// --threads, `entry` run.
template <typename Config, typename Result>
Result run_inference_command(BoundCommand<Config>& command, InferenceEntry<Config, Result> entry) {
  resolve_dataset_path(command.config.data, command.cli);
  const engine::EngineApi& api = engine_api_with_threads(command.cli.threads);
  return (api.*entry)(command.config, terminal_reporter());
}

/// [{"index", "path", "reason"}, …]
nlohmann::json skipped_json(const std::vector<engine::SkippedImageReport>& skipped);

/// "Top-1: …  Top-5: …  (N images)", and the ReaL line when it was counted.
void print_counts(const engine::InferenceRunReport& report);

/// The JSON fields every inference report has (architecture, weights, dataset, input size,
/// counts, timing, normalisation, ranks, skipped images); commands add their own.
nlohmann::json inference_report_json(const engine::InferenceRunReport& report, const engine::ModelConfig& model,
                                     const engine::InferenceDataConfig& data);

}  // namespace fixres::cli
