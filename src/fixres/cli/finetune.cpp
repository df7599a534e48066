// `fixres finetune`: the seed's main_finetune.py — FixRes fine-tuning of released weights at the
// test resolution, with checkpoints after every epoch and resume (engine/finetune.h).
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/output.h"
#include "fixres/cli/training_flags.h"
#include "fixres/engine/finetune.h"

namespace fixres::cli {
namespace {

struct FinetuneFlags {
  TrainingFlags training;
  std::string transforms = "v1";
};

void run(const FinetuneFlags& flags) {
  engine::FinetuneConfig config;
  config.model = training_model_config(flags.training);
  config.data = training_data(flags.training);
  config.training = training_options(flags.training);
  config.transforms = flags.transforms;
  const engine::EngineApi& api = engine_api_with_threads(flags.training.runtime.threads);
  const engine::TrainingResult result = api.finetune(config, terminal_reporter());
  if (!result.is_main) return;
  report_training(result, flags.training.json_path);
}

}  // namespace

Command add_finetune(CLI::App& root) {
  auto flags = std::make_shared<FinetuneFlags>();
  CLI::App* app = root.add_subcommand("finetune", "FixRes fine-tuning at the test resolution (main_finetune.py)");
  add_training_flags(*app, flags->training, TrainingDefaults{1, 1e-3, 320, 8, true});
  app->add_option("--transforms", flags->transforms,
                  "v1: the test transform at --input-size; v2: transforms_v2's 'val_train' (flip, jitter, shifted crop)")
      ->capture_default_str()
      ->check(CLI::IsMember({"v1", "v2"}));
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
