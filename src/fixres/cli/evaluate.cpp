// `fixres evaluate`: the seed's main_evaluate_imnet.py — top-1/top-5 of a network on an
// ImageFolder (ROOT/val or DIR) through FixRes's test transform at --input-size.
#include <cstdio>

#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/inference_flags.h"
#include "fixres/cli/output.h"
#include "fixres/cli/results_csv.h"
#include "fixres/core/evaluate.h"

namespace fixres::cli {
namespace {

using EvaluateCommand = BoundCommand<engine::EvaluateConfig>;

void run(EvaluateCommand& command) {
  const engine::EvaluateConfig& config = command.config;
  const auto result = run_inference_command(command, &engine::EngineApi::evaluate);
  if (!result.is_main) return;

  print_counts(result);
  if (!result.skipped.empty()) {
    std::fprintf(stderr, "%zu unreadable image(s) skipped%s\n", result.skipped.size(),
                 command.cli.json_path.empty() ? "" : " (listed in the JSON)");
  }
  nlohmann::json json = inference_report_json(result, config.model, config.data);
  json["images"] = result.counts.images;
  write_json(command.cli.json_path, json);
  append_results_csv(command.cli.results_csv, {results_row(result, config.model.weight_path)});
}

}  // namespace

Command add_evaluate(CLI::App& root) {
  auto command = std::make_shared<EvaluateCommand>();
  CLI::App* app = root.add_subcommand(
      "evaluate", "Top-1/top-5 of a network on an ImageFolder at --input-size (main_evaluate_imnet.py)");
  add_inference_flags(*app, command->config.model, command->config.data, command->cli);
  add_input_size_flag(*app, command->config.input_size);
  add_results_file_flag(*app, command->cli);

  return {app, [command] { run(*command); }};
}

}  // namespace fixres::cli
