// Samplers against PyTorch's DistributedSampler and FixRes's RASampler (index lists from the
// fixture generator).

#include <gtest/gtest.h>

#include <algorithm>

#include "data/image_fixtures.h"
#include "fixres/data/sampler.h"

namespace fixres::data {
namespace {

using fixres::testing::images_manifest;

const nlohmann::json& samplers() { return images_manifest().at("samplers"); }

TEST(SamplerTest, SeededRandpermMatchesTorch) {
  EXPECT_EQ(seeded_randperm(20, 1234), samplers().at("randperm_1234_20").get<std::vector<std::int64_t>>());
}

TEST(SamplerTest, DistributedSamplerMatchesPyTorch) {
  for (const auto& c : samplers().at("distributed")) {
    const std::int64_t n = c.at("n"), world = c.at("world");
    SCOPED_TRACE(c.dump());
    for (std::int64_t rank = 0; rank < world; ++rank) {
      DistributedSampler s(n, {world, rank, c.at("shuffle").get<bool>(), c.at("seed").get<std::uint64_t>(),
                               c.at("drop_last").get<bool>()});
      const auto expected = c.at("ranks")[static_cast<std::size_t>(rank)].get<std::vector<std::int64_t>>();
      EXPECT_EQ(s.indices(c.at("epoch").get<std::int64_t>()), expected);
      EXPECT_EQ(s.size(), static_cast<std::int64_t>(expected.size()));
      // The rank's p-th sample is the one-process run's global_position(p)-th (same shuffle).
      DistributedSampler one(n, {1, 0, c.at("shuffle").get<bool>(), c.at("seed").get<std::uint64_t>(), false});
      const auto all = one.indices(c.at("epoch").get<std::int64_t>());
      for (std::int64_t p = 0; p < s.size(); ++p) {
        const std::int64_t g = s.global_position(p);
        EXPECT_EQ(g, rank + p * world);
        if (g < n) {
          EXPECT_EQ(all[static_cast<std::size_t>(g)], expected[static_cast<std::size_t>(p)]);
        }
      }
    }
  }
}

TEST(SamplerTest, RepeatedAugmentationMatchesFixResArithmetic) {
  for (const auto& c : samplers().at("repeated_augmentation")) {
    const std::int64_t n = c.at("n"), world = c.at("world");
    SCOPED_TRACE(c.dump());
    for (std::int64_t rank = 0; rank < world; ++rank) {
      RepeatedAugmentationSampler s(n, {world, rank, c.at("repetitions"), c.at("len_factor"), false, 0});
      EXPECT_EQ(s.indices(0), c.at("ranks")[static_cast<std::size_t>(rank)].get<std::vector<std::int64_t>>());
    }
  }
  EXPECT_THROW(RepeatedAugmentationSampler(10, {1, 0, 1, 2.0, true, 0}), std::invalid_argument);
}

TEST(SamplerTest, ShuffledRepeatedAugmentationRepeatsEachImageAndChangesPerEpoch) {
  const std::int64_t n = 50;
  RepeatedAugmentationSampler rank0(n, {2, 0, 3, 2.0, true, 4});
  RepeatedAugmentationSampler rank1(n, {2, 1, 3, 2.0, true, 4});
  const auto a = rank0.indices(0), b = rank1.indices(0);
  EXPECT_EQ(a.size(), 75u);
  EXPECT_EQ(rank0.size(), 75);
  // The first int(n * 2) draws are 100 consecutive triples from permutations; every index
  // appears, and repetitions come in runs of 3 before the rank split.
  std::vector<std::int64_t> all;
  for (std::size_t i = 0; i < a.size(); ++i) {
    all.push_back(a[i]);
    all.push_back(b[i]);
  }
  for (std::size_t i = 0; i + 2 < 99; i += 3) {
    EXPECT_EQ(all[i], all[i + 1]);
    EXPECT_EQ(all[i], all[i + 2]);
  }
  EXPECT_NE(rank0.indices(1), a);
  EXPECT_EQ(rank0.indices(0), a);
}

TEST(SamplerTest, SequentialAndShuffled) {
  EXPECT_EQ(SequentialSampler(4).indices(3), (std::vector<std::int64_t>{0, 1, 2, 3}));
  ShuffledSampler s(20, 1230);
  EXPECT_EQ(s.indices(4), seeded_randperm(20, 1234));
  auto sorted = s.indices(0);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, SequentialSampler(20).indices(0));
}

}  // namespace
}  // namespace fixres::data
