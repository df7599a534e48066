#pragma once
/// The flags `fixres finetune` and `fixres train` share (the seed's TrainerConfig fields), their
/// translation into engine/training_config.h, and the printing of the result.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "fixres/cli/inference_flags.h"
#include "fixres/cli/options.h"
#include "fixres/dist/options.h"
#include "fixres/engine/model_config.h"
#include "fixres/engine/training_config.h"

namespace fixres::cli {

/// Defaults that differ between the commands (main_finetune.py vs main_resnet50_scratch.py).
struct TrainingDefaults {
  int epochs = 1;
  double learning_rate = 1e-3;
  int input_size = 320;
  int batch = 8;
  bool weights_required = true;
};

struct TrainingFlags {
  ModelFlags model;
  RuntimeFlags runtime;
  NormalizationFlags normalization;
  dist::DistOptions dist;
  std::string json_path;
  std::string imnet_path;  ///< ROOT: ROOT/train and ROOT/val
  std::string train_path;  ///< overrides ROOT/train
  std::string val_path;    ///< overrides ROOT/val
  bool no_val = false;
  bool strict_images = false;
  int epochs = 1;
  double learning_rate = 1e-3;
  std::string save_folder;
  std::string job_id = "0";
  std::uint64_t seed = 0;
  int eval_every = 0;
  std::int64_t num_classes = 0;
  std::int64_t max_iterations = 0;
  bool no_shuffle = false;
};

/// --architecture … --weight-path, --imnet-path/--train-path/--val-path/--no-val, --input-size
/// --batch --workers --threads --device, --mean/--std/--channels-last, --epochs --learning-rate
/// --save-folder (alias --shared-folder-path) --job-id --seed --eval-every --num-classes
/// --max-iterations --no-shuffle, the distributed flags, --json.
void add_training_flags(CLI::App& app, TrainingFlags& flags, const TrainingDefaults& defaults);

engine::ModelConfig training_model_config(const TrainingFlags& flags);
/// Throws UsageError when no training folder is named.
engine::TrainingData training_data(const TrainingFlags& flags);
engine::TrainingOptions training_options(const TrainingFlags& flags);

/// Prints the accuracy lines ("Before fine-tuning: Top-1 …", "Top-1: …") and writes the JSON.
void report_training(const engine::TrainingResult& result, const std::string& json_path);

}  // namespace fixres::cli
