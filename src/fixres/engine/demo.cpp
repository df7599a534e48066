#include "fixres/core/demo.h"

#include <torch/torch.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>

#include "fixres/data/fashion_mnist.h"
#include "fixres/engine/checkpointing.h"
#include "fixres/engine/demo_data.h"
#include "fixres/engine/task_lanes.h"
#include "fixres/core/finetune.h"
#include "fixres/core/sweep.h"
#include "fixres/core/train.h"
#include "fixres/core/architecture_table.h"
#include "fixres/core/format.h"
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
  if (c.seeds < 1) throw std::invalid_argument("demo: --seeds must be at least 1, got " + std::to_string(c.seeds));
  std::vector<int> must_sweep = c.finetune_sizes;
  if (c.claim_size > 0) must_sweep.push_back(c.claim_size);
  for (int s : must_sweep) {
    if (!seen.count(s)) {
      throw std::invalid_argument("demo: fine-tuning (or claim) size " + std::to_string(s) + " is not among the test sizes");
    }
  }
  if (c.out_dir.empty()) throw std::invalid_argument("demo: --out must not be empty");
}

/// The checkpoint job of a run: named after the preset and size, so that an identical re-run
/// resumes from (or reuses) it and a different preset never collides with it.
std::string job_name(const std::string& what, const DemoConfig& c, int size) {
  std::string tag = c.settings_tag.empty() ? "" : "-" + c.settings_tag;
  if (what == "finetune" && !c.finetune_tag.empty()) tag += "-" + c.finetune_tag;
  return what + "-" + c.preset + tag + "-" + std::to_string(size) + "px-seed" + std::to_string(c.seed);
}

/// What the demo's training and fine-tuning runs share: the network, device, loop settings and a
/// checkpoint job under `checkpoints` named after `what` and the run's input size.
void set_demo_run(const DemoConfig& c, const std::string& what, int size, const std::string& checkpoints,
                  ModelConfig& model, TrainingOptions& training) {
  model.architecture = c.architecture;
  model.device = c.device;
  model.channels_last = c.channels_last;
  model.precision = c.precision;
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

/// What every seed shares: the splits (the test images exported once, placed the same for every
/// seed) and where the checkpoints go.
struct DemoData {
  std::shared_ptr<const data::Dataset> train_split;  ///< before the per-seed canvas placement
  std::shared_ptr<const data::Dataset> val_set;
  std::string checkpoints;
};

/// Step 1 (and 4): training from scratch at `size` ('full' transform: RandomResizedCrop, flip,
/// jitter) with the preset's schedule; step 4 evaluates on the test images at `size`.
TrainingResult train_at(const DemoConfig& c, const std::shared_ptr<const data::Dataset>& train_set, int size,
                        const DemoData& d, bool evaluate, const Reporter& reporter, std::string& checkpoint) {
  TrainConfig train;
  if (evaluate) train.data.val_dataset = d.val_set;
  set_demo_run(c, "train", size, d.checkpoints, train.model, train.training);
  train.model.num_classes = train_set->num_classes();
  train.data.train_dataset = train_set;
  train.training.epochs = c.train_epochs;
  train.training.learning_rate = c.train_lr;
  train.training.max_iterations = c.train_iterations;
  train.training.lr_schedule = c.lr_schedule;
  train.training.warmup_epochs = c.warmup_epochs;
  train.training.label_smoothing = c.label_smoothing;
  train.training.rrc_min_scale = c.rrc_min_scale;
  train.training.color_jitter = c.color_jitter;
  train.repetitions = c.repetitions;
  train.len_factor = c.len_factor;
  TrainingResult result = run_train(train, reporter);
  checkpoint = last_checkpoint(train.training);
  return result;
}

/// Step 2: the test-size sweep of the trained network on the exported test images.
SweepResult sweep_sizes(const DemoConfig& c, const std::string& checkpoint, const std::string& val_folder,
                        const Reporter& reporter) {
  SweepConfig sweep_config;
  sweep_config.model.architecture = c.architecture;
  sweep_config.model.device = c.device;
  sweep_config.model.channels_last = c.channels_last;
  sweep_config.model.precision = c.precision;
  sweep_config.model.weight_path = checkpoint;
  sweep_config.data.dataset_path = val_folder;
  sweep_config.data.batch = c.batch;
  sweep_config.data.workers = c.workers;
  sweep_config.sizes = c.test_sizes;
  return sweep(sweep_config, reporter);
}

/// Step 3: FixRes fine-tuning of the trained network at `row.size` (test transform 'v1').
TrainingResult finetune_at(const DemoConfig& c, const std::string& checkpoint,
                           const std::shared_ptr<const data::Dataset>& finetune_set, const DemoData& d, int size,
                           const Reporter& reporter, std::string& out_checkpoint) {
  FinetuneConfig finetune;
  set_demo_run(c, "finetune", size, d.checkpoints, finetune.model, finetune.training);
  finetune.model.weight_path = checkpoint;
  finetune.data.train_dataset = finetune_set;
  finetune.data.val_dataset = d.val_set;
  finetune.training.epochs = c.finetune_epochs;
  finetune.training.learning_rate = c.finetune_lr;
  finetune.transforms = "v1";
  TrainingResult result = run_finetune(finetune, reporter);
  out_checkpoint = last_checkpoint(finetune.training);
  return result;
}

/// The fine-tuning sizes of a seed: the preset's (and the claim size), or the seed's best.
std::vector<int> finetune_sizes(const DemoConfig& c, int best_size) {
  std::vector<int> sizes = c.finetune_sizes.empty() ? std::vector<int>{best_size} : c.finetune_sizes;
  if (c.claim_size > 0 && std::find(sizes.begin(), sizes.end(), c.claim_size) == sizes.end()) sizes.push_back(c.claim_size);
  return sizes;
}

/// A seed's training split (its own canvas placement) and training subset.
std::shared_ptr<const data::Dataset> seed_train_split(const DemoConfig& config, const DemoData& d) {
  if (config.canvas <= 0) return d.train_split;
  return std::make_shared<CanvasDataset>(d.train_split, config.canvas, config.canvas_jitter, config.seed);
}

std::string seed_tag(const DemoConfig& config) {
  return config.seeds > 1 ? "seed " + std::to_string(config.seed) + " " : "";
}

/// Step 1 of one seed: training at S_train.
void train_low_resolution(const DemoConfig& config, const DemoData& d, DemoSeedRun& run, const Reporter& reporter) {
  const auto train_set = random_subset(seed_train_split(config, d), config.train_images, config.seed);
  const auto phase_start = Clock::now();
  run.train = train_at(config, train_set, config.train_size, d, false, step_reporter(reporter, seed_tag(config) + "train"),
                       run.train_checkpoint);
  run.train_seconds = seconds_since(phase_start);
}

/// Steps 2-3 of one seed, after step 1: the sweep, the fine-tunings.
void sweep_and_finetune(const DemoConfig& config, const DemoData& d, DemoSeedRun& run, const Reporter& reporter) {
  const auto finetune_set = random_subset(seed_train_split(config, d), config.finetune_images, config.seed + 1);
  const std::string tag = seed_tag(config);
  auto phase_start = Clock::now();
  const SweepResult swept = sweep_sizes(config, run.train_checkpoint, path_join(path_join(config.out_dir, "data"), "val"),
                                        step_reporter(reporter, tag + "sweep"));
  for (const auto& row : swept.rows) run.rows.push_back(DemoRow{row.size, row.plain, std::nullopt, 0.0});
  run.best_size = swept.best_size;
  run.sweep_seconds = seconds_since(phase_start);

  phase_start = Clock::now();
  const std::vector<int> sizes = finetune_sizes(config, run.best_size);
  for (auto& row : run.rows) {
    if (std::find(sizes.begin(), sizes.end(), row.size) == sizes.end()) continue;
    const auto row_start = Clock::now();
    std::string checkpoint;
    TrainingResult tuned = finetune_at(config, run.train_checkpoint, finetune_set, d, row.size,
                                       step_reporter(reporter, tag + "finetune " + std::to_string(row.size) + "px"),
                                       checkpoint);
    row.finetuned = tuned.after;
    row.finetune_seconds = seconds_since(row_start);
    run.finetune_checkpoints.push_back(checkpoint);
    run.finetunes.push_back(std::move(tuned));
  }
  run.finetune_seconds = seconds_since(phase_start);
}

/// Step 4 of one seed: the same training at the claim size T, tested at T.
void run_at_claim_size(const DemoConfig& config, const DemoData& d, DemoSeedRun& run, const Reporter& reporter) {
  const auto train_set = random_subset(seed_train_split(config, d), config.train_images, config.seed);
  const auto phase_start = Clock::now();
  std::string checkpoint;
  run.train_at_test = train_at(config, train_set, config.claim_size, d, true,
                               step_reporter(reporter, seed_tag(config) + "train " + std::to_string(config.claim_size) + "px"),
                               checkpoint);
  run.train_at_test_seconds = seconds_since(phase_start);
}

/// Whether a network draws from torch's global generator while it trains (dropout, stochastic
/// depth): such runs cannot share the process's generator, so their seeds run one after another.
bool draws_while_training(const DemoConfig& config) {
  return models::find_architecture_row(config.architecture).family != models::Family::ResNet;
}

/// The pixels a training (or evaluation, at a third of the cost) pass handles: the tasks' costs.
double pass_cost(std::int64_t images, int epochs, int size) {
  return static_cast<double>(images) * epochs * size * size;
}

}  // namespace

DemoResult run_demo(const DemoConfig& config, const Reporter& reporter) {
  const auto start = Clock::now();
  check_config(config);
  DemoResult result;
  result.config = config;
  result.architecture = config.architecture;

  // Cheap failures first: the output folder, then the dataset (with the apt-get hint).
  io::ensure_writable_directory(config.out_dir);
  DemoData d;
  d.train_split = std::make_shared<data::FashionMnist>(true, config.data_root);
  std::shared_ptr<const data::Dataset> test_split = std::make_shared<data::FashionMnist>(false, config.data_root);
  result.dataset = "Fashion-MNIST (" + config.data_root + "): " + std::to_string(d.train_split->size()) +
                   " training / " + std::to_string(test_split->size()) + " test images";
  if (config.canvas > 0) {
    // The test images' placement is fixed (seed 1), the training images' follows each seed.
    test_split = std::make_shared<CanvasDataset>(test_split, config.canvas, config.canvas_jitter, 1);
    result.dataset += ", each on a " + std::to_string(config.canvas) + "x" + std::to_string(config.canvas) +
                      " black canvas (shifted by up to " + std::to_string(config.canvas_jitter) + " px)";
  }
  d.val_set = random_subset(test_split, config.val_images, 2);
  d.checkpoints = path_join(config.out_dir, "checkpoints");
  result.train_images = config.train_images > 0 ? std::min<std::int64_t>(config.train_images, d.train_split->size())
                                                : d.train_split->size();
  result.finetune_images = config.finetune_images > 0
                               ? std::min<std::int64_t>(config.finetune_images, d.train_split->size())
                               : d.train_split->size();
  result.val_images = d.val_set->size();

  // The sweep engine reads ImageFolders: the test images as PNG files, once for every seed.
  result.val_folder = path_join(path_join(config.out_dir, "data"), "val");
  export_image_folder(*d.val_set, result.val_folder, reporter, "export test images");

  // Each seed's training at S_train, its sweep and fine-tunings (after that training) and its
  // training at the claim size are tasks; with several intra-op threads they run side by side,
  // one thread each (the small networks here use a core far better alone than two cores
  // together). The longest first: the trainings, then the sweeps and fine-tunings.
  result.runs.resize(static_cast<std::size_t>(config.seeds));
  std::vector<DemoConfig> seeded(static_cast<std::size_t>(config.seeds), config);
  for (int k = 0; k < config.seeds; ++k) {
    seeded[static_cast<std::size_t>(k)].seed = config.seed + static_cast<std::uint64_t>(k);
    result.runs[static_cast<std::size_t>(k)].seed = seeded[static_cast<std::size_t>(k)].seed;
  }
  std::vector<LaneTask> tasks;
  double post_cost = 0.0;
  for (int s : config.test_sizes) post_cost += pass_cost(result.val_images, 1, s) / 3.0;
  for (int s : finetune_sizes(config, config.train_size)) post_cost += pass_cost(result.finetune_images, 1, s) / 3.0;
  std::vector<int> trained_at(static_cast<std::size_t>(config.seeds));
  for (int k = 0; k < config.seeds; ++k) {
    const DemoConfig& c = seeded[static_cast<std::size_t>(k)];
    DemoSeedRun& run = result.runs[static_cast<std::size_t>(k)];
    if (config.claim_size > 0) {
      tasks.push_back({[&c, &d, &run](const Reporter& r) { run_at_claim_size(c, d, run, r); }, -1,
                       pass_cost(result.train_images, config.train_epochs, config.claim_size)});
    }
    trained_at[static_cast<std::size_t>(k)] = static_cast<int>(tasks.size());
    tasks.push_back({[&c, &d, &run](const Reporter& r) { train_low_resolution(c, d, run, r); }, -1,
                     pass_cost(result.train_images, config.train_epochs, config.train_size)});
  }
  for (int k = 0; k < config.seeds; ++k) {
    const DemoConfig& c = seeded[static_cast<std::size_t>(k)];
    DemoSeedRun& run = result.runs[static_cast<std::size_t>(k)];
    tasks.push_back({[&c, &d, &run](const Reporter& r) { sweep_and_finetune(c, d, run, r); },
                     trained_at[static_cast<std::size_t>(k)], post_cost});
  }
  const int threads = torch::get_num_threads();
  const int lanes = draws_while_training(config) ? 1 : std::min<int>(threads, static_cast<int>(tasks.size()));
  if (lanes > 1) {
    reporter.message(std::to_string(tasks.size()) + " runs (" + std::to_string(config.seeds) + " seeds) on " +
                     std::to_string(lanes) + " threads side by side");
  }
  run_lane_tasks(tasks, lanes, reporter);
  torch::set_num_threads(threads);
  result.normalization = result.runs.front().train.normalization_note;
  result.summary = summarize_demo(demo_seed_numbers(result), config.train_size, config.claim_size, result.val_images);
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
