// `fixres train` end to end: the JSON log (the loss curve across a resumed run), resuming from
// the save folder, and the usage errors of train and finetune.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "common/paths.h"
#include "common/run_command.h"
#include "fixres/io/folder_lock.h"
#include "fixres/io/io_error.h"

namespace fixres::engine {
namespace {

using testing::fixture;
using testing::scratch_dir;

TEST(TrainCliTest, WritesJsonLogAndResumes) {
  const auto dir = scratch_dir("train_cli");
  const std::string json = (dir / "log.json").string();
  const std::string flags = " --train-path " + fixture("images/folder").string() + " --val-path " +
                            fixture("images/folder").string() +
                            " --input-size 32 --batch 6 --workers 2 --learning-rate 0.02 --seed 3 --save-folder " +
                            dir.string() + " --job-id cli --json " + json;
  auto out = testing::run_fixres("train --epochs 1" + flags);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("Top-1:"), std::string::npos) << out.output;
  out = testing::run_fixres("train --epochs 2" + flags);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("resuming from"), std::string::npos) << out.output;
  std::ifstream in(json);
  const nlohmann::json log = nlohmann::json::parse(in);
  EXPECT_EQ(log.at("start_epoch"), 1);
  ASSERT_EQ(log.at("epochs").size(), 2u);  // the loss curve includes the first run's epoch
  for (const auto& row : log.at("epochs")) {
    EXPECT_TRUE(row.contains("loss"));
    EXPECT_TRUE(row.contains("lr"));
    EXPECT_TRUE(row.contains("train_top1"));
    EXPECT_TRUE(row.contains("images_per_second"));
  }
  EXPECT_TRUE(log.at("epochs").at(1).contains("val_top1"));
  EXPECT_TRUE(log.contains("after"));
}

// The recipe flags reach the loop: the first epoch's LR is the warmup's first (1% of the scaled
// LR), the second the cosine's value at its first step after the warmup (the full scaled LR).
TEST(TrainCliTest, RecipeFlags) {
  const auto dir = scratch_dir("train_cli_recipe");
  const std::string json = (dir / "log.json").string();
  auto out = testing::run_fixres("train --epochs 2 --train-path " + fixture("images/folder").string() +
                                 " --no-val --input-size 32 --batch 3 --workers 2 --learning-rate 0.02 "
                                 "--lr-schedule cosine --warmup-epochs 1 --min-lr 0.0001 --label-smoothing 0.1 "
                                 "--grad-accum-steps 2 --clip-grad 5 --mixup 0.2 --cutmix 1.0 --reprob 0.25 --rand-augment 2,9 "
                                 "--train-crop simple --color-jitter 0 --save-folder " + dir.string() +
                                 " --job-id plain --json " + json);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("training transform: Resize(32) + RandomCrop(32, padding 4, reflect), flip, RandAugment(2, 9), RandomErasing(0.25)\n"),
            std::string::npos) << out.output;
  std::ifstream in(json);
  const nlohmann::json log = nlohmann::json::parse(in);
  const double scaled = log.at("scaled_lr").get<double>();
  EXPECT_DOUBLE_EQ(scaled, 8.0 * 0.02 * 3 * 2 / 512.0);  // batch 3 x 2 accumulated
  EXPECT_NEAR(log.at("epochs").at(0).at("lr").get<double>(), 0.01 * scaled, 1e-12);
  EXPECT_NEAR(log.at("epochs").at(1).at("lr").get<double>(), scaled, 1e-12);
  // --model-ema keeps the average; evaluate --use-ema reads it from the checkpoint.
  auto ema = testing::run_fixres("train --epochs 1 --train-path " + fixture("images/folder").string() + " --val-path " +
                                 fixture("images/folder").string() + " --input-size 32 --batch 3 --workers 2 "
                                 "--model-ema 0.9 --save-folder " + dir.string() + " --job-id ema");
  ASSERT_EQ(ema.exit_code, 0) << ema.output;
  EXPECT_NE(ema.output.find("EMA of the weights: Top-1:"), std::string::npos) << ema.output;
  const std::string checkpoint = (dir / "ema" / "checkpoint.pth").string();
  auto use = testing::run_fixres("evaluate --architecture ResNet50 --use-ema --weight-path " + checkpoint +
                                 " --input-size 32 --dataset-path " + fixture("images/folder").string());
  EXPECT_EQ(use.exit_code, 0) << use.output;
  auto none = testing::run_fixres("evaluate --architecture ResNet50 --use-ema --weight-path " +
                                  (dir / "plain" / "checkpoint.pth").string() + " --input-size 32 --dataset-path " +
                                  fixture("images/folder").string());
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_NE(none.output.find("no 'model_ema' weights in this checkpoint"), std::string::npos) << none.output;
  auto bad = testing::run_fixres("train --epochs 2 --train-path " + fixture("images/folder").string() +
                                 " --no-val --input-size 32 --lr-schedule cosine --min-lr 1");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("--min-lr"), std::string::npos) << bad.output;
  auto sgd_groups = testing::run_fixres("train --epochs 1 --no-val --input-size 32 --no-decay-norm-bias --train-path " +
                                        fixture("images/folder").string());
  EXPECT_EQ(sgd_groups.exit_code, 1) << sgd_groups.output;
  EXPECT_NE(sgd_groups.output.find("--no-decay-norm-bias needs --optimizer adamw"), std::string::npos)
      << sgd_groups.output;
  auto adamw = testing::run_fixres("train --architecture resnet26_w16 --epochs 1 --no-val --input-size 32 --batch 3 "
                                   "--optimizer adamw --weight-decay 0.05 --train-path " +
                                   fixture("images/folder").string());
  EXPECT_EQ(adamw.exit_code, 0) << adamw.output;
  auto unknown = testing::run_fixres("train --train-path " + fixture("images/folder").string() + " --lr-schedule linear");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
}

// --progressive: the size of each epoch in the log, the batch norms recalibrated at END, the
// validation at END (or --val-size).
TEST(TrainCliTest, ProgressiveResizing) {
  const auto dir = scratch_dir("train_cli_progressive");
  const std::string json = (dir / "log.json").string();
  auto out = testing::run_fixres("train --architecture resnet26_w16 --epochs 3 --progressive 32:64:2 --train-path " +
                                 fixture("images/folder").string() + " --val-path " + fixture("images/folder").string() +
                                 " --batch 3 --workers 2 --json " + json);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("epoch 1/3 at 32 px"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("recalibrated at 64 px on 9 training images"), std::string::npos) << out.output;
  std::ifstream in(json);
  const nlohmann::json log = nlohmann::json::parse(in);
  std::vector<int> sizes;
  for (const auto& row : log.at("epochs")) sizes.push_back(row.at("input_size").get<int>());
  EXPECT_EQ(sizes, (std::vector<int>{32, 64, 64}));
  auto bad = testing::run_fixres("train --progressive 32:64 --train-path " + fixture("images/folder").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("START:END:EPOCHS"), std::string::npos) << bad.output;
}

TEST(TrainCliTest, UsageErrors) {
  EXPECT_EQ(testing::run_fixres("train --epochs 1").exit_code, 2);  // no data
  EXPECT_EQ(testing::run_fixres("finetune --train-path x").exit_code, 2);  // no weights
  EXPECT_EQ(testing::run_fixres("finetune --weight-path w --train-path x --transforms v9").exit_code, 2);
  const auto help = testing::run_fixres("finetune --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--save-folder", "--shared-folder-path", "--job-id", "--transforms", "--num-classes",
                           "--imnet-path", "--learning-rate", "--epochs", "--sync-bn", "--json"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
}

// Two runs on one --save-folder/--job-id: the second refuses before any work, naming the process
// that holds the folder; the lock goes with its holder (closed or killed), so the next run starts.
TEST(TrainCliTest, ASecondRunOnTheSameFolderRefusesNamingTheFirst) {
  const auto dir = scratch_dir("train_cli_lock");
  std::filesystem::create_directories(dir / "cli");
  const std::string flags = " --train-path " + fixture("images/folder").string() + " --no-val --architecture "
                            "resnet26_w16_s16 --input-size 32 --batch 6 --workers 2 --epochs 1 --save-folder " +
                            dir.string() + " --job-id cli";
  {
    const io::FolderLock first((dir / "cli").string());
    // The same process cannot take it twice either (flock is per open file, not per process).
    EXPECT_THROW(io::FolderLock((dir / "cli").string()), io::IoError);
    const auto second = testing::run_fixres("train" + flags);
    EXPECT_EQ(second.exit_code, 1) << second.output;
    EXPECT_NE(second.output.find("another run is using this folder (process " + std::to_string(::getpid())),
              std::string::npos)
        << second.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "cli" / "checkpoint.pth"));
  }
  const auto after = testing::run_fixres("train" + flags);
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "cli" / "checkpoint.pth"));
}

}  // namespace
}  // namespace fixres::engine
