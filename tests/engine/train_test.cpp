// `fixres train` engine: the from-scratch recipe on a tiny real-photo folder (ResNet-50 at 32
// pixels; the learning evidence on Fashion-MNIST lives in bench/train_evidence.sh), seeded
// reproducibility, checkpoints and the record (the command line:
// tests/cli/engine_commands/train_cli_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/paths.h"
#include "fixres/core/augment_options.h"
#include "fixres/core/train.h"
#include "fixres/io/training_checkpoint.h"

namespace fixres::engine {
namespace {

using testing::fixture;
using testing::scratch_dir;

TrainConfig tiny_config(const std::filesystem::path& dir) {
  TrainConfig config;
  config.model.architecture = "ResNet50";
  config.data.train_folder = fixture("images/folder").string();
  config.data.val_folder = fixture("images/folder").string();
  config.training.epochs = 2;
  config.training.learning_rate = 0.1;
  config.training.batch = 6;
  config.training.workers = 2;
  config.training.input_size = 32;
  config.training.save_folder = dir.string();
  config.training.job_id = "scratch";
  config.training.seed = 11;
  return config;
}

TEST(TrainTest, RepeatedAugmentationEpochsAndRecord) {
  const auto dir = scratch_dir("train_tiny");
  const TrainingResult result = run_train(tiny_config(dir));
  EXPECT_EQ(result.command, "train");
  EXPECT_EQ(result.num_classes, 3);  // the dataset's classes
  ASSERT_EQ(result.epochs.size(), 2u);
  for (const auto& epoch : result.epochs) {
    // RASampler: int(9 * 2.0) = 18 draws padded to ceil(9 * 3 / 1) = 27 per epoch; batch 6.
    EXPECT_EQ(epoch.images, 27);
    EXPECT_EQ(epoch.iterations, 5);
    EXPECT_TRUE(std::isfinite(epoch.loss));
    EXPECT_GT(epoch.images_per_second, 0.0);
  }
  EXPECT_DOUBLE_EQ(result.scaled_lr, 8.0 * 0.1 * 6 / 512.0);
  ASSERT_TRUE(result.after.has_value());
  EXPECT_EQ(result.after->images, 9);
  EXPECT_FALSE(result.before.has_value());

  const auto checkpoint = io::read_training_checkpoint((dir / "scratch" / "checkpoint_1.pth").string());
  EXPECT_EQ(checkpoint.epoch, 2);
  EXPECT_NEAR(checkpoint.accuracy, static_cast<double>(result.after->top1) / 9.0, 1e-12);
  // Every parameter trains: a momentum buffer for each.
  EXPECT_EQ(checkpoint.optimizer.momentum_buffers.size(), checkpoint.optimizer.param_groups.at(0).params.size());

  std::ifstream in(dir / "scratch" / "fixres_run.json");
  const nlohmann::json record = nlohmann::json::parse(in);
  EXPECT_EQ(record.at("command"), "train");
  EXPECT_EQ(record.at("history").size(), 2u);
}

TEST(TrainTest, SameSeedSameRunOtherSeedOtherRun) {
  const auto dir = scratch_dir("train_seeds");
  TrainConfig config = tiny_config(dir);
  config.training.epochs = 1;
  config.training.max_iterations = 2;
  config.training.save_folder.clear();
  config.data.val_folder.clear();
  const TrainingResult a = run_train(config);
  const TrainingResult b = run_train(config);
  config.training.seed = 12;
  const TrainingResult c = run_train(config);
  EXPECT_EQ(a.epochs[0].loss, b.epochs[0].loss);
  EXPECT_NE(a.epochs[0].loss, c.epochs[0].loss);
}

TEST(TrainTest, IterationCapStopsEpoch) {
  const auto dir = scratch_dir("train_cap");
  TrainConfig config = tiny_config(dir);
  config.training.epochs = 1;
  config.training.max_iterations = 2;
  config.data.val_folder.clear();
  const TrainingResult result = run_train(config);
  EXPECT_EQ(result.epochs.at(0).iterations, 2);
  EXPECT_EQ(result.epochs.at(0).images, 12);
}

// A run with every recipe at once — cosine schedule with warmup, label smoothing, gradient
// accumulation, clipping, mixup/CutMix, the EMA, progressive resizing — stopped after each epoch
// and resumed equals the uninterrupted run bit for bit: weights, EMA, momentum, losses, sizes.
class EveryRecipeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryRecipeTest, ResumesExactly) {
  const auto dir = testing::scratch_dir("train_recipes_resume_" + GetParam());
  TrainConfig config = tiny_config(dir);
  config.training.optimizer = GetParam();
  config.model.architecture = "resnet26_w16";
  config.data.val_folder.clear();
  config.training.epochs = 3;
  // Batches of 3: the epoch's 9 or 27 samples leave no last batch of 1 image, which batch norm
  // refuses in training mode at 32 px (one value per channel after the last stage).
  config.training.batch = 3;
  config.training.lr_schedule = "cosine";
  config.training.warmup_epochs = 0.5;
  config.training.min_lr = 1e-4;
  config.training.label_smoothing = 0.1;
  config.training.grad_accum_steps = 2;
  config.training.clip_grad = 2.0;
  config.training.mixup.mixup_alpha = 0.4;
  config.training.mixup.cutmix_alpha = 1.0;
  config.training.model_ema = 0.7;
  config.training.progressive = {32, 64, 3};
  config.training.reprob = 0.25;
  // The training transform's augmentations: RandAugment with DeiT III's crop, or TrivialAugmentWide.
  if (GetParam() == "sgd") {
    config.training.auto_augment = data::parse_rand_augment("2,9");
    config.training.train_crop = data::TrainCrop::Simple;
  } else {
    config.training.auto_augment.kind = data::AutoAugmentKind::TrivialAugmentWide;
  }
  config.training.job_id = "straight";
  const TrainingResult straight = run_train(config);
  // A run killed after its first epoch: the folder as that epoch left it (checkpoint and record).
  const auto killed = dir / "resumed";
  std::filesystem::create_directories(killed);
  std::filesystem::copy_file(dir / "straight" / "checkpoint_0.pth", killed / "checkpoint.pth");
  std::filesystem::copy_file(dir / "straight" / "fixres_run.json", killed / "fixres_run.json");
  config.training.job_id = "resumed";
  const TrainingResult resumed = run_train(config);
  EXPECT_EQ(resumed.start_epoch, 1);
  ASSERT_EQ(resumed.epochs.size(), 3u);
  EXPECT_DOUBLE_EQ(resumed.epochs[2].loss, straight.epochs[2].loss);
  EXPECT_DOUBLE_EQ(resumed.epochs[1].lr, straight.epochs[1].lr);
  const auto a = io::read_training_checkpoint((dir / "straight" / "checkpoint.pth").string());
  const auto b = io::read_training_checkpoint((killed / "checkpoint.pth").string());
  ASSERT_EQ(a.model.size(), b.model.size());
  for (std::size_t i = 0; i < a.model.size(); ++i) {
    EXPECT_TRUE(io::same_values(a.model[i].second, b.model[i].second)) << a.model[i].first;
  }
  ASSERT_TRUE(a.model_ema && b.model_ema);
  for (std::size_t i = 0; i < a.model_ema->size(); ++i) {
    EXPECT_TRUE(io::same_values((*a.model_ema)[i].second, (*b.model_ema)[i].second)) << (*a.model_ema)[i].first;
  }
  ASSERT_EQ(a.optimizer.momentum_buffers.size(), b.optimizer.momentum_buffers.size());
  for (std::size_t i = 0; i < a.optimizer.momentum_buffers.size(); ++i) {
    EXPECT_TRUE(io::same_values(a.optimizer.momentum_buffers[i].second, b.optimizer.momentum_buffers[i].second));
  }
  std::vector<int> sizes;
  for (const auto& row : straight.epochs) sizes.push_back(row.input_size);
  EXPECT_EQ(sizes, (std::vector<int>{32, 64, 64}));  // 32, 48 -> 64 (multiples of 32), 64
  EXPECT_EQ(a.adamw.has_value(), GetParam() == "adamw");
  if (a.adamw) {
    ASSERT_EQ(a.adamw->slots.size(), b.adamw->slots.size());
    for (std::size_t i = 0; i < a.adamw->slots.size(); ++i) {
      EXPECT_TRUE(io::same_values(a.adamw->slots[i].exp_avg_sq, b.adamw->slots[i].exp_avg_sq));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Optimizers, EveryRecipeTest, ::testing::Values("sgd", "adamw"));

}  // namespace
}  // namespace fixres::engine
