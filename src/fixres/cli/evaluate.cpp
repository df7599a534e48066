// `fixres evaluate`: the seed's main_evaluate_imnet.py — top-1/top-5 of a network on an
// ImageFolder (ROOT/val or DIR) through FixRes's test transform at --input-size.
#include <cstdio>

#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/inference_flags.h"
#include "fixres/cli/output.h"

namespace fixres::cli {
namespace {

void run(const InferenceFlags& flags) {
  engine::EvaluateConfig config;
  config.model = model_config(flags.model, flags.runtime, flags.normalization);
  config.data = data_config(flags);
  config.input_size = flags.runtime.input_size;

  const engine::EngineApi& api = engine_api_with_threads(flags.runtime.threads);
  const engine::EvaluateResult result = api.evaluate(config, terminal_reporter());
  if (!result.is_main) return;

  print_line(engine::format_topk(result.counts));
  if (!result.skipped.empty()) {
    std::fprintf(stderr, "%zu unreadable image(s) skipped%s\n", result.skipped.size(),
                 flags.json_path.empty() ? "" : " (listed in the JSON)");
  }
  write_json(flags.json_path, {{"architecture", result.architecture},
                               {"weights", flags.model.weight_path},
                               {"dataset", config.data.dataset_path},
                               {"input_size", result.input_size},
                               {"images", result.counts.images},
                               {"top1", result.counts.top1_percent()},
                               {"top5", result.counts.top5_percent()},
                               {"seconds", result.seconds},
                               {"images_per_second", result.images_per_second},
                               {"normalization", result.normalization},
                               {"world_size", result.world_size},
                               {"skipped_images", result.skipped.size()},
                               {"skipped", skipped_json(result.skipped)}});
}

}  // namespace

Command add_evaluate(CLI::App& root) {
  auto flags = std::make_shared<InferenceFlags>();
  CLI::App* app = root.add_subcommand(
      "evaluate", "Top-1/top-5 of a network on an ImageFolder at --input-size (main_evaluate_imnet.py)");
  add_inference_flags(*app, *flags, 224);
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
