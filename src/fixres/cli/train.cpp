// `fixres train`: the seed's main_resnet50_scratch.py — training from scratch with repeated
// augmentation, with checkpoints after every epoch and resume (engine/train.h).
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/output.h"
#include "fixres/cli/training_flags.h"
#include "fixres/engine/train.h"

namespace fixres::cli {
namespace {

struct TrainFlags {
  TrainingFlags training;
  std::int64_t repetitions = 3;
  double len_factor = 2.0;
};

void run(const TrainFlags& flags) {
  engine::TrainConfig config;
  config.model = training_model_config(flags.training);
  config.data = training_data(flags.training);
  config.training = training_options(flags.training);
  config.repetitions = flags.repetitions;
  config.len_factor = flags.len_factor;
  const engine::EngineApi& api = engine_api_with_threads(flags.training.runtime.threads);
  const engine::TrainingResult result = api.train(config, terminal_reporter());
  if (!result.is_main) return;
  report_training(result, flags.training.json_path);
}

}  // namespace

Command add_train(CLI::App& root) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* app = root.add_subcommand(
      "train", "Train from scratch with repeated augmentation (main_resnet50_scratch.py)");
  add_training_flags(*app, flags->training, TrainingDefaults{120, 0.02, 224, 64, false});
  app->add_option("--repetitions", flags->repetitions, "Repeated augmentation: copies of each image per epoch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app->add_option("--len-factor", flags->len_factor, "Repeated augmentation: epoch length as a multiple of the dataset")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
