// Buffers recycled instead of allocated per image and per batch: Image pixels through the
// per-thread cache (pixel_allocator.h), batch tensors through the loader's BatchPool. A recycled
// buffer is never one that something still holds.

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "data/image_fixtures.h"
#include "fixres/data/batch_pool.h"
#include "fixres/data/geometry.h"
#include "fixres/data/image_folder.h"
#include "fixres/data/loader.h"

namespace fixres::data {
namespace {

TEST(PixelCacheTest, AnImageOfTheSameSizeReusesTheFreedBlock) {
  const std::uint8_t* first = nullptr;
  {
    Image a = Image::uninitialized(375, 500);
    std::fill(a.pixels.begin(), a.pixels.end(), 7);
    first = a.pixels.data();
  }
  EXPECT_GE(pixel_cache::cached_blocks(), 1u);
  Image b = Image::uninitialized(375, 500);
  EXPECT_EQ(b.pixels.data(), first);
  b.pixels.assign(b.pixels.size(), 9);
  const std::uint8_t* second = b.pixels.data();
  b = Image();
  // A slightly smaller image fits the same block; Image(h, w) is black even in recycled memory.
  const Image c(370, 498);
  EXPECT_EQ(c.pixels.data(), second);
  EXPECT_TRUE(std::all_of(c.pixels.begin(), c.pixels.end(), [](std::uint8_t v) { return v == 0; }));
}

TEST(PixelCacheTest, SmallAndHugeBlocksAreNotKept) {
  const std::size_t before = pixel_cache::cached_blocks();
  { const Image small(10, 10); }
  EXPECT_EQ(pixel_cache::cached_blocks(), before);
  { const Image huge = Image::uninitialized(4000, 3000); }  // 36 MB
  EXPECT_EQ(pixel_cache::cached_blocks(), before);
}

TEST(PixelCacheTest, ImagesMoveBetweenThreads) {
  Image made;
  std::thread([&] {
    made = Image(300, 400);
    made.pixels[5] = 42;
  }).join();  // the worker's cache is gone; its block lives on in `made`
  EXPECT_EQ(made.pixels[5], 42);
  std::thread([m = std::move(made)]() mutable { m = Image(); }).join();  // freed by another thread
}

TEST(BatchPoolTest, ReusesOnlyTensorsNobodyHolds) {
  BatchPool pool(4, 8, false, false, 2);
  const void* first = nullptr;
  {
    torch::Tensor a = pool.acquire(4);
    first = a.data_ptr();
  }
  torch::Tensor b = pool.acquire(4);
  EXPECT_EQ(b.data_ptr(), first);  // released: reused
  torch::Tensor c = pool.acquire(4);
  EXPECT_NE(c.data_ptr(), b.data_ptr());  // b held
  EXPECT_EQ(pool.held(), 2u);
  const void* c_data = c.data_ptr();
  const torch::Tensor view = c.narrow(0, 1, 2);
  c = torch::Tensor();
  b = torch::Tensor();
  torch::Tensor d = pool.acquire(4);
  EXPECT_EQ(d.data_ptr(), first);      // b's, free again
  torch::Tensor e = pool.acquire(4);
  EXPECT_NE(e.data_ptr(), c_data);     // c's storage is held by a view
  EXPECT_EQ(pool.held(), 2u);          // capacity: e is not kept
  const torch::Tensor shorter = pool.acquire(3);
  EXPECT_EQ(shorter.size(0), 3);
  EXPECT_EQ(pool.held(), 2u);
  EXPECT_THROW(pool.acquire(5), c10::Error);
}

TEST(BatchPoolTest, ChannelsLastTensorsKeepTheirFormat) {
  BatchPool pool(2, 6, true, false, 1);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(pool.acquire(2).is_contiguous(at::MemoryFormat::ChannelsLast));
  }
}

// Batches dropped as soon as they are read (the pool then refills the same tensors) and one batch
// held through the epoch: every value is the per-image transform's, the held batch untouched.
TEST(BatchPoolTest, LoaderBatchesAreCorrectWhenRecycledAndIntactWhenHeld) {
  auto folder = std::make_shared<ImageFolder>(testing::image_fixture("folder"));
  const int s = 48;
  LoaderOptions options;
  options.batch_size = 1;  // 9 batches through a pool of 4 tensors
  options.workers = 2;
  options.prefetch_batches = 1;
  Loader loader(folder, std::make_shared<SequentialSampler>(folder->size()),
                Pipeline(testing::pipeline_spec(PipelineKind::Test, s)), options);
  for (int epoch = 0; epoch < 2; ++epoch) {
    loader.start_epoch(epoch);
    std::optional<Batch> held;
    torch::Tensor held_copy;
    while (auto b = loader.next()) {
      for (std::int64_t r = 0; r < b->images.size(0); ++r) {
        const std::int64_t index = b->indices[static_cast<std::size_t>(r)];
        std::vector<float> expected(3 * s * s);
        to_tensor_normalize(test_view(folder->load(index), s), Normalization::imagenet(), expected.data());
        EXPECT_TRUE(torch::equal(b->images[r], torch::from_blob(expected.data(), {3, s, s}))) << "image " << index;
      }
      if (!held) {
        held_copy = b->images.clone();
        held = std::move(b);
      }
    }
    ASSERT_TRUE(held);
    EXPECT_TRUE(torch::equal(held->images, held_copy));
  }
}

}  // namespace
}  // namespace fixres::data
