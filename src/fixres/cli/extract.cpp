// `fixres extract`: the seed's main_extract.py — labels.npy, ARCH_embedding.npy and
// ARCH_softmax.npy of every image of an ImageFolder, in dataset order, into --save-path.
#include <cstdio>

#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/inference_flags.h"
#include "fixres/cli/output.h"

namespace fixres::cli {
namespace {

struct ExtractFlags {
  InferenceFlags common;
  std::string save_path;
  std::string name;
};

void run(const ExtractFlags& flags) {
  engine::ExtractConfig config;
  config.model = model_config(flags.common.model, flags.common.runtime, flags.common.normalization);
  config.data = data_config(flags.common);
  config.input_size = flags.common.runtime.input_size;
  config.save_path = flags.save_path;
  config.name = flags.name;

  const engine::EngineApi& api = engine_api_with_threads(flags.common.runtime.threads);
  const engine::ExtractResult result = api.extract(config, terminal_reporter());
  if (!result.is_main) return;

  print_line(engine::format_topk(result.counts));
  print_line("Wrote " + result.labels_path + " (" + std::to_string(result.images) + "), " + result.embedding_path +
             " (" + std::to_string(result.images) + "x" + std::to_string(result.embedding_dim) + "), " +
             result.softmax_path + " (" + std::to_string(result.images) + "x" + std::to_string(result.num_classes) +
             ")");
  if (!result.skipped.empty()) {
    std::fprintf(stderr, "%zu unreadable image(s) skipped and left out of the files\n", result.skipped.size());
  }
  write_json(flags.common.json_path, {{"architecture", result.architecture},
                                      {"weights", flags.common.model.weight_path},
                                      {"dataset", config.data.dataset_path},
                                      {"input_size", result.input_size},
                                      {"images", result.images},
                                      {"embedding_dim", result.embedding_dim},
                                      {"num_classes", result.num_classes},
                                      {"top1", result.counts.top1_percent()},
                                      {"top5", result.counts.top5_percent()},
                                      {"seconds", result.seconds},
                                      {"images_per_second", result.images_per_second},
                                      {"normalization", result.normalization},
                                      {"labels", result.labels_path},
                                      {"embedding", result.embedding_path},
                                      {"softmax", result.softmax_path},
                                      {"world_size", result.world_size},
                                      {"skipped_images", result.skipped.size()},
                                      {"skipped", skipped_json(result.skipped)}});
}

}  // namespace

Command add_extract(CLI::App& root) {
  auto flags = std::make_shared<ExtractFlags>();
  CLI::App* app = root.add_subcommand(
      "extract", "Write labels.npy, ARCH_embedding.npy and ARCH_softmax.npy for a dataset (main_extract.py)");
  add_inference_flags(*app, flags->common, 224);
  app->add_option("--save-path", flags->save_path, "Output folder (created; must be writable)")->required();
  app->add_option("--name", flags->name, "ARCH in the file names (default: --architecture as given)");
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
