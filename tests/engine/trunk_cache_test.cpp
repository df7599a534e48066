// The frozen-trunk cache of fine-tuning (engine/trunk_cache.h): a cached run's checkpoints are
// bit-identical to an uncached run's (the reference: the same loop running every layer on every
// image, as the seed does), wherever the cache is used; it is off where it would not be exact.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/paths.h"
#include "engine/deterministic_weights.h"
#include "fixres/core/finetune.h"
#include "fixres/core/precision.h"
#include "fixres/engine/trunk_cache.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/training_checkpoint.h"
#include "fixres/models/finetune_policy.h"
#include "fixres/models/registry.h"

namespace fixres::engine {
namespace {

using testing::fixture;
using testing::scratch_dir;
namespace fs = std::filesystem;

std::string write_weights(const fs::path& dir, const std::string& architecture) {
  models::ModelOptions options;
  options.num_classes = 3;
  auto model = models::create_model(architecture, options);
  const std::string path = (dir / (architecture + ".pth")).string();
  io::write_checkpoint(path, io::state_dict_value(testing::deterministic_state_dict(*model)));
  return path;
}

/// The 9 test photos, twice (18 images: batches of 4, 4, 4, 4, 2 per epoch), and one file that is
/// not an image (skipped and counted on every pass).
fs::path photo_folder(const fs::path& dir) {
  const fs::path root = dir / "photos";
  for (const auto& entry : fs::recursive_directory_iterator(fixture("images/folder"))) {
    if (!entry.is_regular_file()) continue;
    const fs::path cls = root / entry.path().parent_path().filename();
    fs::create_directories(cls);
    fs::copy_file(entry.path(), cls / entry.path().filename(), fs::copy_options::overwrite_existing);
    fs::copy_file(entry.path(), cls / ("copy_" + entry.path().filename().string()), fs::copy_options::overwrite_existing);
  }
  std::ofstream(root / "cat" / "broken.jpg") << "not a jpeg";
  return root;
}

FinetuneConfig cache_config(const std::string& architecture, const fs::path& dir, const fs::path& photos) {
  FinetuneConfig config;
  config.model.architecture = architecture;
  config.model.weight_path = write_weights(dir, architecture);
  config.model.channels_last = true;
  config.data.train_folder = photos.string();
  config.data.val_folder = photos.string();
  config.training.epochs = 3;
  config.training.eval_every = 1;
  config.training.learning_rate = 0.5;
  config.training.batch = 4;
  config.training.input_size = 64;
  config.training.workers = 2;
  config.training.seed = 5;
  config.training.save_folder = dir.string();
  return config;
}

struct FinetuneRun {
  TrainingResult result;
  std::vector<std::string> messages;
  io::TrainingCheckpoint checkpoint;
};

FinetuneRun run(FinetuneConfig config, const std::string& job) {
  FinetuneRun r;
  config.training.job_id = job;
  Reporter reporter;
  reporter.on_message = [&r](const std::string& m) { r.messages.push_back(m); };
  r.result = run_finetune(config, reporter);
  r.checkpoint = io::read_training_checkpoint(
      (fs::path(config.training.save_folder) / job / "checkpoint.pth").string());
  return r;
}

std::string said(const FinetuneRun& r, const std::string& start) {
  for (const auto& m : r.messages) {
    if (m.rfind(start, 0) == 0) return m;
  }
  return "";
}

/// Model, momentum buffers, per-epoch losses and validation counts: all equal, bit for bit.
void expect_identical(const FinetuneRun& a, const FinetuneRun& b) {
  ASSERT_EQ(a.checkpoint.model.size(), b.checkpoint.model.size());
  for (std::size_t i = 0; i < a.checkpoint.model.size(); ++i) {
    EXPECT_TRUE(io::same_values(a.checkpoint.model[i].second, b.checkpoint.model[i].second))
        << a.checkpoint.model[i].first;
  }
  ASSERT_EQ(a.checkpoint.optimizer.momentum_buffers.size(), b.checkpoint.optimizer.momentum_buffers.size());
  for (std::size_t i = 0; i < a.checkpoint.optimizer.momentum_buffers.size(); ++i) {
    EXPECT_TRUE(io::same_values(a.checkpoint.optimizer.momentum_buffers[i].second,
                                b.checkpoint.optimizer.momentum_buffers[i].second));
  }
  ASSERT_EQ(a.result.epochs.size(), b.result.epochs.size());
  for (std::size_t e = 0; e < a.result.epochs.size(); ++e) {
    EXPECT_EQ(a.result.epochs[e].loss, b.result.epochs[e].loss) << "epoch " << e;
    EXPECT_EQ(a.result.epochs[e].images, b.result.epochs[e].images) << "epoch " << e;
    ASSERT_TRUE(a.result.epochs[e].val && b.result.epochs[e].val);
    EXPECT_EQ(a.result.epochs[e].val->top1, b.result.epochs[e].val->top1);
    EXPECT_EQ(a.result.epochs[e].val->images, b.result.epochs[e].val->images);
  }
  ASSERT_TRUE(a.result.before && b.result.before);
  EXPECT_EQ(a.result.before->top1, b.result.before->top1);
}

TEST(TrunkCacheTest, ResNet50CheckpointsEqualTheUncachedRun) {
  const auto dir = scratch_dir("trunk_cache_resnet50");
  FinetuneConfig config = cache_config("ResNet50", dir, photo_folder(dir));
  const FinetuneRun cached = run(config, "cached");
  EXPECT_NE(said(cached, "frozen-trunk cache: the layers before layer4.2.bn3"), "");
  // Where the states are kept, said once per set after the pass that filled it.
  const std::string stored = said(cached, "frozen-trunk cache, training images: ");
  EXPECT_NE(stored.find("19 images × "), std::string::npos) << stored;
  EXPECT_NE(stored.find(" in memory ("), std::string::npos) << stored;
  // Every pass saw the broken file: skipped, not trained on or counted.
  EXPECT_EQ(cached.result.epochs.back().images, 18);
  EXPECT_EQ(cached.result.after->images, 18);

  config.training.cache.enabled = false;
  const FinetuneRun uncached = run(config, "uncached");
  EXPECT_EQ(said(uncached, "frozen-trunk cache: off (--no-cache)"), "frozen-trunk cache: off (--no-cache)");
  expect_identical(cached, uncached);

  // Beyond --cache-memory the rows go to a file (deleted at once): the same checkpoints again.
  config.training.cache.enabled = true;
  config.training.cache.memory_bytes = 1;
  config.training.cache.dir = (dir / "spill").string();
  fs::create_directories(config.training.cache.dir);
  const FinetuneRun spilled = run(config, "spilled");
  EXPECT_NE(said(spilled, "frozen-trunk cache: the layers before"), "");
  const std::string spill = said(spilled, "frozen-trunk cache, training images: ");
  EXPECT_NE(spill.find(" in a file under " + config.training.cache.dir), std::string::npos) << spill;
  expect_identical(spilled, uncached);
  EXPECT_TRUE(fs::is_empty(config.training.cache.dir)) << "the cache file is unlinked when it is opened";
}

/// `config` run with the cache (job `job`) and without it (`job`_uncached): the cache starts at
/// `cut`, and the two runs end bit-identical.
void expect_cached_run_exact(FinetuneConfig config, const std::string& job, const std::string& cut) {
  config.training.cache.enabled = true;
  const FinetuneRun cached = run(config, job);
  EXPECT_NE(said(cached, "frozen-trunk cache: the layers before " + cut + " "), "") << said(cached, "frozen-trunk");
  config.training.cache.enabled = false;
  expect_identical(cached, run(config, job + "_uncached"));
}

TEST(TrunkCacheTest, ResNeXtAndTrainLayersMoveTheCutAndStayExact) {
  const auto dir = scratch_dir("trunk_cache_resnext");
  FinetuneConfig config = cache_config("resnext50_32x4d", dir, photo_folder(dir));
  config.training.epochs = 2;
  expect_cached_run_exact(config, "fp32", "layer4.2.bn3");
  // --precision bf16: the trunk's states are bfloat16, stored as they are: exact again.
  if (cpu_has_bf16()) {
    FinetuneConfig bf16 = config;
    bf16.model.precision = "bf16";
    expect_cached_run_exact(bf16, "bf16", "layer4.2.bn3");
  }
  // --train-layers reaching into layer4: the cut moves before it.
  config.train_layers = {"layer4", "fc"};
  expect_cached_run_exact(config, "layer4", "layer4.0");
}

TEST(TrunkCacheTest, AViTWhoseHeadAloneTrainsCachesItsEmbedding) {
  const auto dir = scratch_dir("trunk_cache_vit");
  FinetuneConfig config = cache_config("deit_tiny_patch16_224", dir, photo_folder(dir));
  config.training.epochs = 2;
  config.train_layers = {"head"};
  expect_cached_run_exact(config, "head", "head");
}

TEST(TrunkCacheTest, OffWhereTheTrunkSeesNewImagesOrTrains) {
  const auto dir = scratch_dir("trunk_cache_off");
  FinetuneConfig config = cache_config("ResNet50", dir, photo_folder(dir));
  config.training.epochs = 1;
  config.training.max_iterations = 1;
  config.training.learning_rate = 1e-3;
  config.data.val_folder.clear();
  config.transforms = "v2";
  EXPECT_EQ(said(run(config, "v2"), "frozen-trunk cache:"),
            "frozen-trunk cache: off (the training transform draws a new view every epoch)");
  config.transforms = "v1";
  config.train_layers = {"all"};
  EXPECT_EQ(said(run(config, "all"), "frozen-trunk cache:"),
            "frozen-trunk cache: off (no layer before the first trainable one is frozen)");
}

TEST(TrunkCacheTest, AnUnwritableCacheDirIsRefusedBeforeTraining) {
  const auto dir = scratch_dir("trunk_cache_dir");
  FinetuneConfig config = cache_config("ResNet50", dir, photo_folder(dir));
  config.training.cache.dir = (dir / "no_such_folder" / "x").string();
  std::ofstream(dir / "no_such_folder") << "a file, not a folder";
  try {
    run(config, "bad_dir");
    FAIL() << "an unusable --cache-dir must be refused";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_folder"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "bad_dir" / "checkpoint.pth"));
}

/// The cut each family's FixRes policy leads to (the deepest whose prefix is frozen).
std::string policy_cut(const std::string& architecture) {
  models::ModelOptions options;
  options.num_classes = 10;
  auto model = models::create_model(architecture, options);
  const models::FinetunePolicy& policy = models::find_architecture(architecture).finetune;
  models::apply_finetune_mode(*model, policy);
  const auto cut = frozen_cut(*model);
  return cut ? cut->name : "none";
}

TEST(TrunkCacheTest, EachFamilysPolicyHasItsCut) {
  EXPECT_EQ(policy_cut("ResNet50"), "layer4.2.bn3");
  EXPECT_EQ(policy_cut("tf_efficientnet_b0_ns"), "conv_head");
  EXPECT_EQ(policy_cut("convnext_tiny"), "head");
  EXPECT_EQ(policy_cut("deit_tiny_patch16_224"), "none");  // pos_embed, before the blocks, trains
}

/// The cut's prefix and suffix compute what forward_features computes, bit for bit.
TEST(TrunkCacheTest, PrefixThenSuffixIsForwardFeatures) {
  for (const std::string architecture : {"resnext50_32x4d", "tf_efficientnet_b0_ns", "convnext_tiny"}) {
    models::ModelOptions options;
    options.num_classes = 10;
    auto model = models::create_model(architecture, options);
    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({2, 3, 64, 64}).contiguous(at::MemoryFormat::ChannelsLast);
    const torch::Tensor expected = model->forward_features(x);
    for (const auto& cut : model->feature_cuts()) {
      EXPECT_TRUE(torch::equal(cut.suffix(cut.prefix(x)), expected)) << architecture << " at " << cut.name;
    }
  }
}

/// Rows come back in the layout they were stored in; a row computed in another batch size is not
/// served for this one, and a full-size batch replaces it.
TEST(TrunkCacheTest, StoreKeepsLayoutAndBatchSize) {
  auto budget = std::make_shared<CacheBudget>();
  budget->memory_left = 1 << 20;
  FeatureStore store(6, 2, budget);
  const torch::Tensor a = torch::randn({2, 3, 2, 2}).contiguous(at::MemoryFormat::ChannelsLast);
  const torch::Tensor b = torch::randn({2, 5});
  store.put({4, 1}, {a, b});
  EXPECT_TRUE(store.holds({1, 4}));
  EXPECT_FALSE(store.holds({1}));  // computed in a batch of 2
  const auto got = store.get({1, 4});
  EXPECT_TRUE(got[0].is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_EQ(got[0].strides(), a.strides());
  EXPECT_TRUE(torch::equal(got[0][0], a[1]));
  EXPECT_TRUE(torch::equal(got[1][1], b[0]));
  store.put({1}, {a.narrow(0, 0, 1).contiguous(at::MemoryFormat::ChannelsLast), b.narrow(0, 0, 1)});
  EXPECT_FALSE(store.holds({1}));  // a short batch does not replace a full one
  EXPECT_DOUBLE_EQ(store.stored_fraction({0, 1, 4, 5}), 0.5);
}

}  // namespace
}  // namespace fixres::engine
