#include "fixres/cli/training_flags.h"

#include "fixres/cli/command.h"
#include "fixres/cli/dist_options.h"
#include "fixres/cli/output.h"
#include "fixres/engine/metrics.h"

namespace fixres::cli {

void add_training_flags(CLI::App& app, TrainingFlags& flags, const TrainingDefaults& defaults) {
  add_model_flags(app, flags.model, defaults.weights_required);
  app.add_option("--imnet-path", flags.imnet_path, "Dataset root holding train/ and val/ (ImageFolders)");
  app.add_option("--train-path", flags.train_path, "ImageFolder to train on (default: ROOT/train)");
  app.add_option("--val-path", flags.val_path, "ImageFolder to evaluate on (default: ROOT/val)");
  app.add_flag("--no-val", flags.no_val, "Skip every evaluation");
  app.add_flag("--strict-images", flags.strict_images,
               "Fail on the first unreadable image (default: skip, count and report it)");
  add_runtime_flags(app, flags.runtime, defaults.input_size);
  flags.runtime.batch = defaults.batch;
  app.get_option("--batch")->default_val(defaults.batch);
  add_normalization_flags(app, flags.normalization);
  flags.epochs = defaults.epochs;
  flags.learning_rate = defaults.learning_rate;
  app.add_option("--epochs", flags.epochs, "Epochs")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--learning-rate", flags.learning_rate, "Base learning rate (SGD uses 8*base*batch*world/512)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--save-folder,--shared-folder-path", flags.save_folder,
                 "Checkpoints go to SAVE_FOLDER/JOB_ID/checkpoint.pth and checkpoint_<epoch>.pth; a run "
                 "finding checkpoint.pth there resumes from it");
  app.add_option("--job-id", flags.job_id, "Run name under --save-folder")->capture_default_str();
  app.add_option("--seed", flags.seed, "Seed of initialisation, shuffling, augmentation, dropout")->capture_default_str();
  app.add_option("--eval-every", flags.eval_every, "Also evaluate every N epochs (0: after the last only)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--num-classes", flags.num_classes,
                 "Classifier outputs; fine-tuning re-initialises the classifier with this many")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-iterations", flags.max_iterations, "Stop every epoch after N iterations (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no-shuffle", flags.no_shuffle, "Train on the images in dataset order");
  add_dist_flags(app, flags.dist);
  add_json_flag(app, flags.json_path);
}

engine::ModelConfig training_model_config(const TrainingFlags& flags) {
  engine::ModelConfig config = model_config(flags.model, flags.runtime, flags.normalization);
  config.num_classes = flags.num_classes;
  return config;
}

engine::TrainingData training_data(const TrainingFlags& flags) {
  engine::TrainingData data;
  const std::string root = flags.imnet_path;
  data.train_folder = !flags.train_path.empty() ? flags.train_path : (root.empty() ? "" : root + "/train");
  data.val_folder = !flags.val_path.empty() ? flags.val_path : (root.empty() ? "" : root + "/val");
  if (flags.no_val) data.val_folder.clear();
  if (data.train_folder.empty()) throw UsageError("give --imnet-path ROOT (ROOT/train, ROOT/val) or --train-path DIR");
  data.strict_images = flags.strict_images;
  return data;
}

engine::TrainingOptions training_options(const TrainingFlags& flags) {
  engine::TrainingOptions options;
  options.epochs = flags.epochs;
  options.learning_rate = flags.learning_rate;
  options.batch = flags.runtime.batch;
  options.workers = flags.runtime.workers;
  options.input_size = flags.runtime.input_size;
  options.save_folder = flags.save_folder;
  options.job_id = flags.job_id;
  options.seed = flags.seed;
  options.shuffle = !flags.no_shuffle;
  options.max_iterations = flags.max_iterations;
  options.eval_every = flags.eval_every;
  options.dist = flags.dist;
  return options;
}

void report_training(const engine::TrainingResult& result, const std::string& json_path) {
  if (result.before) print_line("Before fine-tuning: " + engine::format_topk(*result.before));
  if (result.after) print_line((result.before ? "After fine-tuning:  " : "") + engine::format_topk(*result.after));
  if (!result.checkpoint_folder.empty()) print_line("Checkpoints: " + result.checkpoint_folder);
  write_json(json_path, engine::training_result_json(result));
}

}  // namespace fixres::cli
