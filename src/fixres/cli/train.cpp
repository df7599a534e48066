// `fixres train`: the seed's main_resnet50_scratch.py — training from scratch with repeated
// augmentation, with checkpoints after every epoch and resume (engine/train.h).
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/output.h"
#include "fixres/cli/training_flags.h"
#include "fixres/core/train.h"

namespace fixres::cli {

Command add_train(CLI::App& root) {
  auto command = std::make_shared<BoundCommand<engine::TrainConfig>>();
  engine::TrainConfig& config = command->config;
  CLI::App* app = root.add_subcommand(
      "train", "Train from scratch with repeated augmentation (main_resnet50_scratch.py)");
  TrainingDefaults defaults;  // main_resnet50_scratch.py's
  defaults.epochs = 120;
  defaults.learning_rate = 0.02;
  defaults.input_size = 224;
  defaults.batch = 64;
  defaults.weights_required = false;
  add_training_flags(*app, {config.model, config.data, config.training, command->cli}, defaults);
  app->add_option("--repetitions", config.repetitions, "Repeated augmentation: copies of each image per epoch")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app->add_option("--len-factor", config.len_factor, "Repeated augmentation: epoch length as a multiple of the dataset")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return {app, [command] { run_training_command(*command, &engine::EngineApi::train); }};
}

}  // namespace fixres::cli
