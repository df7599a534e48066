#pragma once
/// The flags `fixres finetune` and `fixres train` share (the seed's TrainerConfig fields), bound
/// straight onto the engine's configs (core/model_config.h, core/training_config.h), and the
/// printing of the result.

#include <CLI/CLI.hpp>

#include <string>

#include "fixres/cli/engine_loader.h"
#include "fixres/cli/options.h"
#include "fixres/cli/output.h"
#include "fixres/core/model_config.h"
#include "fixres/core/training_config.h"

namespace fixres::cli {

/// Defaults that differ between the commands (main_finetune.py vs main_resnet50_scratch.py).
struct TrainingDefaults {
  int epochs = 1;
  double learning_rate = 1e-3;
  int input_size = 320;
  int batch = 8;
  bool weights_required = true;
};

/// What finetune and train bind their shared flags onto.
struct TrainingBinding {
  engine::ModelConfig& model;
  engine::TrainingData& data;
  engine::TrainingOptions& options;
  CliFlags& cli;
};

/// --architecture … --weight-path, --imnet-path/--train-path/--val-path/--no-val, --input-size
/// --batch --workers --threads --device, --mean/--std/--channels-last, --epochs --learning-rate
/// --save-folder (alias --shared-folder-path) --job-id --seed --eval-every --num-classes
/// --max-iterations --no-shuffle, the distributed flags, --json; `defaults` set the values first.
void add_training_flags(CLI::App& app, const TrainingBinding& bind, const TrainingDefaults& defaults);

/// The folders: --train-path / --val-path as given, else --imnet-path ROOT's ROOT/train and
/// ROOT/val; --no-val drops the validation folder. Throws UsageError when no training folder is named.
void resolve_training_folders(engine::TrainingData& data, const CliFlags& cli);

/// Prints the accuracy lines ("Before fine-tuning: Top-1 …", "Top-1: …") and writes the JSON.
void report_training(const engine::TrainingResult& result, const std::string& json_path);

/// An engine entry point of a training command (EngineApi::finetune, EngineApi::train).
template <typename Config>
using TrainingEntry = engine::TrainingResult (*engine::EngineApi::*)(const Config&, const engine::Reporter&);

/// finetune's and train's run: the folders resolved, the engine loaded with --threads, `entry`
/// run, the result reported on rank 0.
template <typename Config>
void run_training_command(BoundCommand<Config>& command, TrainingEntry<Config> entry) {
  resolve_training_folders(command.config.data, command.cli);
  const engine::EngineApi& api = engine_api_with_threads(command.cli.threads);
  const engine::TrainingResult result = (api.*entry)(command.config, terminal_reporter());
  if (result.is_main) report_training(result, command.cli.json_path);
}

}  // namespace fixres::cli
