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

}  // namespace
}  // namespace fixres::engine
