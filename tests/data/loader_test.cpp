// The threaded loader: batch layout and values, worker-count independence, skips and strict mode.

#include <gtest/gtest.h>

#include <filesystem>

#include "data/image_fixtures.h"
#include "fixres/data/geometry.h"
#include "fixres/data/image_folder.h"
#include "fixres/data/loader.h"

namespace fixres::data {
namespace {

namespace fs = std::filesystem;
using fixres::testing::image_fixture;
using fixres::testing::scratch_dir;

std::vector<Batch> run_epoch(Loader& loader, std::int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

std::shared_ptr<ImageFolder> fixture_folder() { return std::make_shared<ImageFolder>(image_fixture("folder")); }

TEST(LoaderTest, TestPipelineBatchesMatchPerImageTransform) {
  auto folder = fixture_folder();
  const int s = 64;
  Loader loader(folder, std::make_shared<SequentialSampler>(folder->size()), Pipeline(testing::pipeline_spec(PipelineKind::Test, s)),
                {4, 2, 2, false, false, false, false, 0});
  const auto batches = run_epoch(loader, 0);
  ASSERT_EQ(static_cast<std::int64_t>(batches.size()), loader.batches_per_epoch());
  ASSERT_EQ(batches.size(), 3u);  // 9 images: 4 + 4 + 1, last partial batch kept
  EXPECT_EQ(batches.back().images.size(0), 1);
  std::int64_t position = 0;
  for (const auto& b : batches) {
    ASSERT_EQ(b.images.dim(), 4);
    EXPECT_EQ(b.images.size(1), 3);
    EXPECT_EQ(b.images.size(2), s);
    EXPECT_EQ(b.images.size(3), s);
    EXPECT_EQ(b.images.scalar_type(), torch::kFloat32);
    EXPECT_EQ(b.labels.scalar_type(), torch::kLong);
    for (std::int64_t r = 0; r < b.images.size(0); ++r, ++position) {
      EXPECT_EQ(b.indices[static_cast<std::size_t>(r)], position);
      EXPECT_EQ(b.labels[r].item<std::int64_t>(), folder->label(position));
      std::vector<float> expected(3 * s * s);
      to_tensor_normalize(test_view(folder->load(position), s), Normalization::imagenet(), expected.data());
      EXPECT_TRUE(torch::equal(b.images[r], torch::from_blob(expected.data(), {3, s, s})));
    }
  }
  EXPECT_EQ(loader.skipped_count(), 0);
}

TEST(LoaderTest, BatchesAreIdenticalWhateverTheNumberOfWorkers) {
  auto folder = fixture_folder();
  auto sampler = std::make_shared<ShuffledSampler>(folder->size(), 3);
  for (const auto kind : {PipelineKind::Full, PipelineKind::ValTrain}) {
    std::vector<std::vector<Batch>> runs;
    for (int workers : {0, 1, 3}) {
      Loader loader(folder, sampler, Pipeline(testing::pipeline_spec(kind, 48)), {2, workers, 2, true, false, false, false, 42});
      runs.push_back(run_epoch(loader, 1));
    }
    ASSERT_EQ(runs[0].size(), 4u);  // 9 images, batch 2, drop_last
    for (std::size_t r = 1; r < runs.size(); ++r) {
      ASSERT_EQ(runs[r].size(), runs[0].size());
      for (std::size_t b = 0; b < runs[0].size(); ++b) {
        EXPECT_TRUE(torch::equal(runs[0][b].images, runs[r][b].images));
        EXPECT_TRUE(torch::equal(runs[0][b].labels, runs[r][b].labels));
        EXPECT_EQ(runs[0][b].indices, runs[r][b].indices);
      }
    }
    // Another epoch draws other augmentations.
    Loader loader(folder, sampler, Pipeline(testing::pipeline_spec(kind, 48)), {2, 2, 2, true, false, false, false, 42});
    const auto other = run_epoch(loader, 2);
    EXPECT_FALSE(torch::equal(other[0].images, runs[0][0].images));
  }
}

TEST(LoaderTest, ChannelsLastHoldsTheSameValues) {
  auto folder = fixture_folder();
  auto sampler = std::make_shared<SequentialSampler>(folder->size());
  Loader planar(folder, sampler, Pipeline(testing::pipeline_spec(PipelineKind::Full, 40)), {5, 2, 1, false, false, false, false, 1});
  Loader last(folder, sampler, Pipeline(testing::pipeline_spec(PipelineKind::Full, 40)), {5, 2, 1, false, true, false, false, 1});
  const auto a = run_epoch(planar, 0), b = run_epoch(last, 0);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(b[i].images.is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_TRUE(torch::equal(a[i].images, b[i].images));
  }
}

TEST(LoaderTest, CorruptImagesAreSkippedCountedAndReportedOnce) {
  const fs::path root = scratch_dir("loader_skips");
  fs::copy(image_fixture("folder"), root, fs::copy_options::recursive);
  fs::copy_file(image_fixture("bad/truncated.jpg"), root / "cat" / "cat_1b.jpg");
  fs::copy_file(image_fixture("bad/empty.jpg"), root / "cup" / "zz_empty.jpg");
  auto folder = std::make_shared<ImageFolder>(root.string());
  ASSERT_EQ(folder->size(), 11);
  auto sampler = std::make_shared<SequentialSampler>(folder->size());
  Loader loader(folder, sampler, Pipeline(testing::pipeline_spec(PipelineKind::Test, 32)), {4, 2, 2, false, false, false, false, 0});
  std::vector<std::string> reported;
  loader.set_on_skip([&](const SkippedImage& s) { reported.push_back(s.name); });
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::int64_t seen = 0;
    for (const auto& b : run_epoch(loader, epoch)) {
      seen += b.images.size(0);
      EXPECT_EQ(b.images.size(0), b.labels.size(0));
      EXPECT_EQ(static_cast<std::int64_t>(b.indices.size()), b.labels.size(0));
    }
    EXPECT_EQ(seen, 9);
  }
  EXPECT_EQ(loader.skipped_count(), 2);
  ASSERT_EQ(reported.size(), 2u);  // once each, not once per epoch
  EXPECT_EQ(reported[0], (root / "cat" / "cat_1b.jpg").string());
  EXPECT_EQ(reported[1], (root / "cup" / "zz_empty.jpg").string());
  EXPECT_NE(loader.skipped()[1].reason.find("empty file"), std::string::npos);

  Loader strict(folder, sampler, Pipeline(testing::pipeline_spec(PipelineKind::Test, 32)), {4, 2, 2, false, false, false, true, 0});
  try {
    run_epoch(strict, 0);
    ADD_FAILURE() << "strict mode did not fail";
  } catch (const ImageError& e) {
    EXPECT_EQ(e.name(), (root / "cat" / "cat_1b.jpg").string());
  }
}

TEST(LoaderTest, DistributedShardsCoverTheDatasetWithPadding) {
  auto folder = fixture_folder();
  std::vector<std::int64_t> seen;
  for (std::int64_t rank = 0; rank < 2; ++rank) {
    auto sampler = std::make_shared<DistributedSampler>(folder->size(), DistributedOptions{2, rank, true, 0, false});
    Loader loader(folder, sampler, Pipeline(testing::pipeline_spec(PipelineKind::Test, 16)), {3, 1, 1, false, false, false, false, 0});
    for (const auto& b : run_epoch(loader, 0)) seen.insert(seen.end(), b.indices.begin(), b.indices.end());
  }
  EXPECT_EQ(seen.size(), 10u);  // 9 images padded to 2 x 5
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), 9u);
}

TEST(LoaderTest, AbandonedEpochsAndEarlyDestructionDoNotHang) {
  auto folder = fixture_folder();
  Loader loader(folder, std::make_shared<SequentialSampler>(folder->size()), Pipeline(testing::pipeline_spec(PipelineKind::Full, 24)),
                {1, 3, 2, false, false, false, false, 0});
  loader.start_epoch(0);
  ASSERT_TRUE(loader.next().has_value());
  loader.start_epoch(1);  // abandons epoch 0 midway
  ASSERT_TRUE(loader.next().has_value());
}

}  // namespace
}  // namespace fixres::data
