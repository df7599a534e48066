#include "fixres/core/demo.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>

#include "fixres/data/fashion_mnist.h"
#include "fixres/engine/checkpointing.h"
#include "fixres/engine/demo_data.h"
#include "fixres/core/finetune.h"
#include "fixres/core/sweep.h"
#include "fixres/core/train.h"
#include "fixres/io/atomic_file.h"

namespace fixres::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string path_join(const std::string& a, const std::string& b) { return (std::filesystem::path(a) / b).string(); }

void check_config(const DemoConfig& c) {
  if (c.test_sizes.size() < 2) throw std::invalid_argument("demo: at least two test sizes are needed");
  std::set<int> seen;
  for (int s : c.test_sizes) {
    if (s <= 0) throw std::invalid_argument("demo: test sizes must be positive, got " + std::to_string(s));
    if (!seen.insert(s).second) throw std::invalid_argument("demo: test size " + std::to_string(s) + " is listed twice");
  }
  if (c.train_size <= 0) throw std::invalid_argument("demo: the train size must be positive");
  if (c.out_dir.empty()) throw std::invalid_argument("demo: --out must not be empty");
}

/// The checkpoint job of a run: named after the preset and size, so that an identical re-run
/// resumes from (or reuses) it and a different preset never collides with it.
std::string job_name(const std::string& what, const DemoConfig& c, int size) {
  return what + "-" + c.preset + "-" + std::to_string(size) + "px-seed" + std::to_string(c.seed);
}

/// What the demo's training and fine-tuning runs share: the network, device, loop settings and a
/// checkpoint job under `checkpoints` named after `what` and the run's input size.
void set_demo_run(const DemoConfig& c, const std::string& what, int size, const std::string& checkpoints,
                  ModelConfig& model, TrainingOptions& training) {
  model.architecture = c.architecture;
  model.device = c.device;
  training.batch = c.batch;
  training.workers = c.workers;
  training.input_size = size;
  training.save_folder = checkpoints;
  training.job_id = job_name(what, c, size);
  training.seed = c.seed;
}

/// The last checkpoint a run writes.
std::string last_checkpoint(const TrainingOptions& training) {
  return CheckpointFolder(training.save_folder, training.job_id).latest();
}

/// Forwards progress and messages, prefixing messages with the demo's step.
Reporter step_reporter(const Reporter& reporter, const std::string& step) {
  Reporter r;
  r.on_progress = reporter.on_progress;
  if (reporter.on_message) {
    r.on_message = [reporter, step](const std::string& text) { reporter.message(step + ": " + text); };
  }
  return r;
}

template <typename Better>
const DemoRow* best_row(const std::vector<DemoRow>& rows, Better better) {
  const DemoRow* best = nullptr;
  for (const auto& row : rows) {
    if (better(row, best)) best = &row;
  }
  return best;
}

}  // namespace

DemoResult run_demo(const DemoConfig& config, const Reporter& reporter) {
  const auto start = Clock::now();
  check_config(config);
  DemoResult result;
  result.config = config;

  // Cheap failures first: the output folder, then the dataset (with the apt-get hint).
  io::ensure_writable_directory(config.out_dir);
  std::shared_ptr<const data::Dataset> train_split = std::make_shared<data::FashionMnist>(true, config.data_root);
  std::shared_ptr<const data::Dataset> test_split = std::make_shared<data::FashionMnist>(false, config.data_root);
  result.dataset = "Fashion-MNIST (" + config.data_root + "): " + std::to_string(train_split->size()) +
                   " training / " + std::to_string(test_split->size()) + " test images";
  if (config.canvas > 0) {
    train_split = std::make_shared<CanvasDataset>(train_split, config.canvas, config.canvas_jitter, config.seed);
    test_split = std::make_shared<CanvasDataset>(test_split, config.canvas, config.canvas_jitter, config.seed + 1);
    result.dataset += ", each on a " + std::to_string(config.canvas) + "x" + std::to_string(config.canvas) +
                      " black canvas (shifted by up to " + std::to_string(config.canvas_jitter) + " px)";
  }
  const auto train_set = random_subset(train_split, config.train_images, config.seed);
  const auto finetune_set = random_subset(train_split, config.finetune_images, config.seed + 1);
  const auto val_set = random_subset(test_split, config.val_images, config.seed + 2);
  result.train_images = train_set->size();
  result.finetune_images = finetune_set->size();
  result.val_images = val_set->size();

  // The sweep engine reads ImageFolders: the test images as PNG files.
  result.val_folder = path_join(path_join(config.out_dir, "data"), "val");
  export_image_folder(*val_set, result.val_folder, reporter, "export test images");
  const std::string checkpoints = path_join(config.out_dir, "checkpoints");

  // 1. Training from scratch at S_train ('full' transform: RandomResizedCrop, flip, jitter).
  auto phase_start = Clock::now();
  TrainConfig train;
  set_demo_run(config, "train", config.train_size, checkpoints, train.model, train.training);
  train.model.num_classes = train_split->num_classes();
  train.data.train_dataset = train_set;
  train.training.epochs = config.train_epochs;
  train.training.learning_rate = config.train_lr;
  train.training.max_iterations = config.train_iterations;
  train.repetitions = config.repetitions;
  train.len_factor = config.len_factor;
  result.train = run_train(train, step_reporter(reporter, "train"));
  result.train_checkpoint = last_checkpoint(train.training);
  result.normalization = result.train.normalization_note;
  result.train_seconds = seconds_since(phase_start);

  // 2. The test-size sweep of the trained network.
  phase_start = Clock::now();
  SweepConfig sweep_config;
  sweep_config.model.architecture = config.architecture;
  sweep_config.model.device = config.device;
  sweep_config.model.weight_path = result.train_checkpoint;
  sweep_config.data.dataset_path = result.val_folder;
  sweep_config.data.batch = config.batch;
  sweep_config.data.workers = config.workers;
  sweep_config.sizes = config.test_sizes;
  const SweepResult swept = sweep(sweep_config, step_reporter(reporter, "sweep"));
  for (const auto& row : swept.rows) result.rows.push_back(DemoRow{row.size, row.plain, std::nullopt, 0.0});
  result.best_size = swept.best_size;
  result.sweep_seconds = seconds_since(phase_start);

  // 3. FixRes fine-tuning at the best test size (or every size).
  phase_start = Clock::now();
  for (auto& row : result.rows) {
    if (!config.finetune_every_size && row.size != result.best_size) continue;
    const auto row_start = Clock::now();
    FinetuneConfig finetune;
    set_demo_run(config, "finetune", row.size, checkpoints, finetune.model, finetune.training);
    finetune.model.weight_path = result.train_checkpoint;
    finetune.data.train_dataset = finetune_set;
    finetune.data.val_dataset = val_set;
    finetune.training.epochs = config.finetune_epochs;
    finetune.training.learning_rate = config.finetune_lr;
    finetune.transforms = "v1";
    TrainingResult tuned = run_finetune(finetune, step_reporter(reporter, "finetune " + std::to_string(row.size) + "px"));
    row.finetuned = tuned.after;
    row.finetune_seconds = seconds_since(row_start);
    result.finetune_checkpoints.push_back(last_checkpoint(finetune.training));
    result.finetunes.push_back(std::move(tuned));
  }
  result.finetune_seconds = seconds_since(phase_start);

  // The winners (ties: the smaller size, the plain network).
  const DemoRow* best_tuned = best_row(result.rows, [](const DemoRow& row, const DemoRow* best) {
    return row.finetuned && (!best || row.finetuned->top1 > best->finetuned->top1);
  });
  if (best_tuned) result.best_finetuned_size = best_tuned->size;
  result.winner_size = result.best_size;
  for (const auto& row : result.rows) {
    if (row.size == result.best_size) result.winner_top1 = row.plain.top1_percent();
  }
  if (best_tuned && best_tuned->finetuned->top1_percent() > result.winner_top1) {
    result.winner_size = best_tuned->size;
    result.winner_finetuned = true;
    result.winner_top1 = best_tuned->finetuned->top1_percent();
  }
  const double ratio = static_cast<double>(config.train_size) / static_cast<double>(result.winner_size);
  result.train_cost_ratio = ratio * ratio;
  result.total_seconds = seconds_since(start);
  return result;
}

DemoExportResult export_demo_dataset(const std::string& dir, const std::string& data_root, const Reporter& reporter) {
  io::ensure_writable_directory(dir);
  const data::FashionMnist train_split(true, data_root);
  const data::FashionMnist test_split(false, data_root);
  DemoExportResult result;
  result.dir = dir;
  result.train_images = export_image_folder(train_split, path_join(dir, "train"), reporter, "export train").images;
  result.val_images = export_image_folder(test_split, path_join(dir, "val"), reporter, "export val").images;
  result.classes = train_split.num_classes();
  return result;
}

}  // namespace fixres::engine
