// `fixres extract`: the seed's main_extract.py — labels.npy, ARCH_embedding.npy and
// ARCH_softmax.npy of every image of an ImageFolder, in dataset order, into --save-path.
#include <cstdio>

#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/inference_flags.h"
#include "fixres/cli/output.h"
#include "fixres/core/extract.h"

namespace fixres::cli {
namespace {

using ExtractCommand = BoundCommand<engine::ExtractConfig>;

void run(ExtractCommand& command) {
  const engine::ExtractConfig& config = command.config;
  const auto result = run_inference_command(command, &engine::EngineApi::extract);
  if (!result.is_main) return;

  print_counts(result);
  print_line("Wrote " + result.labels_path + " (" + std::to_string(result.images) + "), " + result.embedding_path +
             " (" + std::to_string(result.images) + "x" + std::to_string(result.embedding_dim) + "), " +
             result.softmax_path + " (" + std::to_string(result.images) + "x" + std::to_string(result.num_classes) +
             ")");
  if (!result.skipped.empty()) {
    std::fprintf(stderr, "%zu unreadable image(s) skipped and left out of the files\n", result.skipped.size());
  }
  nlohmann::json json = inference_report_json(result, config.model, config.data);
  json["images"] = result.images;
  json["embedding_dim"] = result.embedding_dim;
  json["num_classes"] = result.num_classes;
  json["labels"] = result.labels_path;
  json["embedding"] = result.embedding_path;
  json["softmax"] = result.softmax_path;
  write_json(command.cli.json_path, json);
}

}  // namespace

Command add_extract(CLI::App& root) {
  auto command = std::make_shared<ExtractCommand>();
  CLI::App* app = root.add_subcommand(
      "extract", "Write labels.npy, ARCH_embedding.npy and ARCH_softmax.npy for a dataset (main_extract.py)");
  add_inference_flags(*app, command->config.model, command->config.data, command->cli);
  add_input_size_flag(*app, command->config.input_size);
  app->add_option("--save-path", command->config.save_path, "Output folder (created; must be writable)")->required();
  app->add_option("--name", command->config.name, "ARCH in the file names (default: --architecture as given)");
  return {app, [command] { run(*command); }};
}

}  // namespace fixres::cli
