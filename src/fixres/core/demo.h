#pragma once
/// `fixres demo`: FixRes's train/test resolution discrepancy, reproduced end to end on
/// Fashion-MNIST (Debian's dataset-fashion-mnist) in minutes on a CPU, through the real engines:
///   1. train a narrow ResNet from scratch at a low size S_train with the 'full' train transform
///      (RandomResizedCrop: objects look bigger than at test time) — engine/train.h;
///   2. sweep the test size through FixRes's test transform (Resize(int(256/224·S)) + CenterCrop(S))
///      over sizes below and above S_train — engine/sweep.h, on the test images exported as a PNG
///      ImageFolder under DIR/data/val;
///   3. FixRes fine-tuning (classifier + last batch-norm, the architecture's policy) at the
///      preset's sizes (or each seed's best) — engine/finetune.h;
///   4. the same training at the claim size T, tested at T (the economic claim);
/// for several seeds, then the statements of core/demo_summary.h decided from the numbers.
/// Checkpoints go to DIR/checkpoints/<job>/ (jobs named after the preset and sizes, so that an
/// identical re-run resumes from them instead of training again). Torch-free declarations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fixres/core/demo_summary.h"
#include "fixres/core/metrics.h"
#include "fixres/core/reporter.h"
#include "fixres/core/training_config.h"

namespace fixres::engine {

struct DemoConfig {
  std::string out_dir = "fixres-demo";  ///< checkpoints, exported test images (the CLI adds results)
  std::string data_root = "/usr/share/datasets/fashion-mnist";
  std::string preset = "default";       ///< "default" or "quick"; names the checkpoint jobs
  /// A hash of the settings that shape the runs (the CLI's); names the checkpoint jobs with the
  /// preset, so that a changed setting (or a new version's preset) never resumes another's.
  std::string settings_tag;
  std::string finetune_tag;  ///< the same for the fine-tuning settings (fine-tuning jobs only)
  std::string architecture = "resnet26_w16";
  std::string device = "cpu";
  /// Parameters and batches in channels-last memory format (oneDNN's fast path, as the CLI's
  /// default): the same arithmetic as contiguous, ~1.4x the training throughput here.
  bool channels_last = true;
  std::string precision = "fp32";  ///< "fp32" or "bf16" (core/precision.h), every run
  int workers = 2;
  int batch = 64;
  std::uint64_t seed = 0;  ///< the first seed; the others follow (seed + 1, …)
  int seeds = 1;           ///< independent runs (subsets, initialisation, sampling, augmentation)

  /// Side of the black canvas every 28×28 item is pasted on (0: the items as they are) and the
  /// random shift of each item on it (demo_data.h CanvasDataset): objects that fill part of the
  /// frame, as in ImageNet, where FixRes's apparent-size argument applies. The test images'
  /// placement is the same for every seed.
  int canvas = 0;
  int canvas_jitter = 0;

  int train_size = 32;           ///< S_train
  std::vector<int> test_sizes;   ///< swept, in this order (S_train among them)
  std::int64_t train_images = 0;  ///< training-split images trained on (0: all 60000)
  std::int64_t val_images = 0;    ///< test-split images evaluated on (0: all 10000)
  int train_epochs = 1;
  std::int64_t train_iterations = 0;  ///< cap per epoch (0: the whole sampler)
  double train_lr = 0.1;              ///< base LR (scaled by 8·batch/512 as the seed)
  std::string lr_schedule = "cosine";  ///< the training's schedule (engine/lr_schedule.h)
  double warmup_epochs = 0.0;
  double label_smoothing = 0.0;
  double rrc_min_scale = 0.08;        ///< RandomResizedCrop's area range (MIN, 1)
  std::optional<float> color_jitter;  ///< the training's ColorJitter strength (unset: FixRes's 0.3)
  std::int64_t repetitions = 1;       ///< repeated augmentation (the seed: 3)
  double len_factor = 1.0;            ///< epoch length over the training images (the seed: 2)

  std::int64_t finetune_images = 0;  ///< training-split images fine-tuned on (0: all)
  int finetune_epochs = 1;
  double finetune_lr = 0.01;  ///< base LR (scaled by 8·batch/512 as the seed)
  /// Sizes fine-tuned at (every seed the same); empty: each seed's best plain size.
  std::vector<int> finetune_sizes;
  /// The economic claim's test size T: a network is also trained at T (same epochs) and tested
  /// there; 0: not run. T is fine-tuned at too.
  int claim_size = 0;
};

/// The preset of `fixres demo` (quick = false, ~15 min on 2 cores) or `--quick` (~1 min).
/// Inline: the torch-free CLI fills its config from it (and picks --precision: bf16 where the
/// CPU has it, core/precision.h).
inline DemoConfig demo_preset(bool quick) {
  DemoConfig c;
  c.preset = quick ? "quick" : "default";
  // Objects that fill part of the frame (each item at a random place of a 40×40 canvas, as
  // ImageNet objects in their photos), a train size below the canvas's (32 px), the stride-16
  // network, RandomResizedCrop (0.25-1: objects look bigger than at test time), flips and no
  // colour jitter (the images are grey), a cosine schedule with warmup, label smoothing.
  c.architecture = "resnet26_w16_s16";
  c.canvas = 40;
  c.canvas_jitter = 6;
  c.train_size = 32;
  c.test_sizes = {24, 32, 40, 48};
  c.train_lr = 0.1;
  c.lr_schedule = "cosine";
  c.warmup_epochs = 0.2;
  c.label_smoothing = 0.1;  // without it: seeds 2.0 points apart instead of 0.1 (docs/demo.md)
  c.rrc_min_scale = 0.25;
  c.color_jitter = 0.0f;
  c.claim_size = 40;
  c.finetune_sizes = {32, 40, 48};
  // FixRes fine-tuning: epochs after the first cost next to nothing (the frozen trunk's output is
  // cached, engine/trunk_cache.h), so six of them, at the base LR 0.04.
  c.finetune_images = 20000;
  c.finetune_epochs = 6;
  c.finetune_lr = 0.04;
  if (quick) {
    // The smoke-sized run of the test suite: one seed, a fifth of the images, one epoch.
    c.seeds = 1;
    c.train_epochs = 1;
    c.train_images = 12000;
    c.val_images = 2000;
    c.finetune_images = 3000;
    c.finetune_sizes = {32, 40};
  } else {
    // Three epochs over the 60,000 training images: 86% at the train size.
    c.seeds = 3;
    c.train_epochs = 3;
    c.train_images = 0;
  }
  return c;
}

struct DemoRow {
  int size = 0;
  TopkCounts plain;                     ///< the trained network at this test size (sweep)
  std::optional<TopkCounts> finetuned;  ///< after FixRes fine-tuning at this size
  double finetune_seconds = 0.0;        ///< the fine-tuning run (its evaluations included)
};

/// One seed's runs.
struct DemoSeedRun {
  std::uint64_t seed = 0;
  std::vector<DemoRow> rows;  ///< in config.test_sizes order
  int best_size = 0;          ///< highest plain top-1 (the sweep's choice)
  TrainingResult train;
  std::string train_checkpoint;
  std::vector<TrainingResult> finetunes;  ///< one per fine-tuned size
  std::vector<std::string> finetune_checkpoints;
  /// The network trained at config.claim_size (statement 3), tested there.
  std::optional<TrainingResult> train_at_test;
  double train_seconds = 0.0;
  double sweep_seconds = 0.0;
  double finetune_seconds = 0.0;
  double train_at_test_seconds = 0.0;
};

struct DemoResult {
  DemoConfig config;  ///< what ran (the preset and overrides)
  std::vector<DemoSeedRun> runs;  ///< one per seed
  DemoSummary summary;            ///< mean ± std per size and the statements

  std::string architecture;
  std::string dataset;           ///< "Fashion-MNIST (…): 60000 train / 10000 test images"
  std::int64_t train_images = 0;
  std::int64_t finetune_images = 0;
  std::int64_t val_images = 0;
  std::string val_folder;        ///< the exported test images (DIR/data/val)
  std::string normalization;
  double total_seconds = 0.0;
};

/// The seeds' top-1 numbers of a result, for summarize_demo.
std::vector<DemoSeedNumbers> demo_seed_numbers(const DemoResult& result);

/// Runs the demo. Throws std::runtime_error with the apt-get command when the dataset is missing,
/// io::IoError when out_dir is not writable (before any training), std::invalid_argument for bad
/// settings (naming them).
DemoResult run_demo(const DemoConfig& config, const Reporter& reporter = {});

struct DemoExportResult {
  std::string dir;
  std::int64_t train_images = 0;
  std::int64_t val_images = 0;
  std::int64_t classes = 0;
};

/// `fixres demo --export DIR`: the whole dataset as DIR/train and DIR/val ImageFolders of PNG
/// files (class folders "0_T-shirt_top" … "9_Ankle_boot", in label order), for the other commands.
DemoExportResult export_demo_dataset(const std::string& dir, const std::string& data_root,
                                     const Reporter& reporter = {});

}  // namespace fixres::engine
