// The single-process context: no process group, collectives are identities, gather reorders.
#include <gtest/gtest.h>

#include "dist/scenario.h"
#include "fixres/dist/bucketing.h"
#include "fixres/dist/context.h"
#include "fixres/dist/gradient_reducer.h"

namespace fixres::dist {
namespace {

std::shared_ptr<Context> single() {
  return init_distributed(DistOptions{},
                          [](const std::string&) { return std::optional<std::string>(); });
}

TEST(ContextTest, SingleProcessWithoutEnvironment) {
  auto context = single();
  EXPECT_EQ(context->rank(), 0);
  EXPECT_EQ(context->world_size(), 1);
  EXPECT_TRUE(context->is_main());
  EXPECT_FALSE(context->is_distributed());
  EXPECT_EQ(context->backend(), "none");
  EXPECT_EQ(context->process_group(), nullptr);
  EXPECT_EQ(context->describe(), "single process on cpu");
  context->barrier();
  auto t = torch::arange(4.0);
  context->all_reduce_sum(t);
  EXPECT_TRUE(torch::equal(t, torch::arange(4.0)));
  EXPECT_EQ(context->all_reduce_sum(std::vector<double>{1.5, 2.0}),
            (std::vector<double>{1.5, 2.0}));
  EXPECT_EQ(context->all_reduce_sum(std::vector<std::int64_t>{7}), (std::vector<std::int64_t>{7}));
  testing::TinyNet model;
  const auto before = testing::model_state(*model);
  context->broadcast_module(*model);
  context->broadcast_buffers(*model);
  const auto after = testing::model_state(*model);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i]));
}

TEST(ContextTest, GatherRowsPutsRowsInDatasetOrder) {
  auto context = single();
  const std::vector<std::int64_t> indices{3, 0, 2, 1, 0};  // 0 repeated, as a padding sampler does
  std::vector<torch::Tensor> rows;
  for (auto i : indices) rows.push_back(testing::row_for_index(i));
  const auto all = context->gather_rows(torch::stack(rows), indices, 4);
  ASSERT_EQ(all.sizes(), (std::vector<std::int64_t>{4, 5}));
  for (std::int64_t i = 0; i < 4; ++i) EXPECT_TRUE(torch::equal(all[i], testing::row_for_index(i)));
  try {
    context->gather_rows(torch::stack(rows), indices, 5);
    FAIL() << "expected an error for the uncovered index 4";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset index 4 of 5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(context->gather_rows(torch::stack(rows), {0, 1}, 4), c10::Error);
}

TEST(ContextTest, GradientReducerIsANoOpForOneProcess) {
  auto context = single();
  auto p = torch::ones({3}, torch::requires_grad());
  (p * 2).sum().backward();
  GradientReducer reducer(context, {p});
  reducer.reduce();
  EXPECT_TRUE(torch::equal(p.grad(), torch::full({3}, 2.0)));
  EXPECT_EQ(reducer.bucket_count(), 1u);
}

TEST(BucketingTest, GroupsByDtypeUpToTheCapAndRoundTrips) {
  std::vector<torch::Tensor> tensors{torch::ones({10}), torch::ones({2, 3}, torch::kInt64),
                                     torch::ones({20}), torch::Tensor(),
                                     torch::ones({40}), torch::ones({4}, torch::kInt64)};
  // float32: 40 + 80 bytes fit in 128, the 160-byte tensor gets its own bucket.
  const auto buckets = assign_buckets(tensors, 128);
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0], (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(buckets[1], (std::vector<std::size_t>{1, 5}));
  EXPECT_EQ(buckets[2], (std::vector<std::size_t>{4}));
  auto flat = flatten(tensors, buckets[1]);
  EXPECT_EQ(flat.numel(), 10);
  flat.copy_(torch::arange(10, torch::kInt64));
  unflatten_into(flat, tensors, buckets[1]);
  EXPECT_TRUE(torch::equal(tensors[1], torch::arange(6, torch::kInt64).view({2, 3})));
  EXPECT_TRUE(torch::equal(tensors[5], torch::arange(6, 10, torch::kInt64)));
}

}  // namespace
}  // namespace fixres::dist
