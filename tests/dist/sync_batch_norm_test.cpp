// SyncBatchNorm in one process is BatchNorm2d; conversion keeps names and tensors.
#include <gtest/gtest.h>

#include "common/seeded_test.h"
#include "dist/scenario.h"
#include "fixres/dist/sync_batch_norm.h"

namespace fixres::dist {
namespace {

std::shared_ptr<Context> single() { return std::make_shared<Context>(); }

class SyncBatchNormTest : public testing::SeededTest {};

TEST_F(SyncBatchNormTest, ConversionKeepsNamesTensorsAndMode) {
  testing::TinyNet model;
  model->eval();
  const auto bn_weight = model->named_parameters()["bn.weight"];
  const auto names_before = model->named_parameters().keys();
  const auto buffers_before = model->named_buffers().keys();
  const auto converted = convert_sync_batchnorm(*model, single());
  EXPECT_EQ(converted,
            (std::vector<std::string>{"bn"}));  // bn2 is the model's own type: left alone
  EXPECT_EQ(model->named_parameters().keys(), names_before);
  EXPECT_EQ(model->named_buffers().keys(), buffers_before);
  EXPECT_TRUE(model->named_parameters()["bn.weight"].is_same(bn_weight));
  auto* sync = model->named_children()["bn"]->as<SyncBatchNorm>();
  ASSERT_NE(sync, nullptr);
  EXPECT_FALSE(sync->is_training());
}

TEST_F(SyncBatchNormTest, SingleProcessMatchesBatchNorm2dForwardAndBackward) {
  reseed(3);
  torch::nn::BatchNorm2d reference(torch::nn::BatchNorm2dOptions(4).momentum(0.3));
  reference->weight.data().uniform_(0.5, 1.5);
  reference->bias.data().uniform_(-0.5, 0.5);
  SyncBatchNorm sync(torch::nn::BatchNorm2dOptions(4).momentum(0.3), single());
  {
    torch::NoGradGuard no_grad;
    sync->weight.copy_(reference->weight);
    sync->bias.copy_(reference->bias);
  }
  for (bool training : {true, false}) {
    reference->train(training);
    sync->train(training);
    auto x = torch::randn({3, 4, 5, 5}).requires_grad_();
    auto x2 = x.detach().clone().requires_grad_();
    auto y = reference->forward(x);
    auto y2 = sync->forward(x2);
    EXPECT_TRUE(torch::allclose(y, y2));
    (y * y).sum().backward();
    (y2 * y2).sum().backward();
    EXPECT_TRUE(torch::allclose(x.grad(), x2.grad()));
  }
  EXPECT_TRUE(torch::allclose(reference->running_mean, sync->running_mean));
  EXPECT_TRUE(torch::allclose(reference->running_var, sync->running_var));
  EXPECT_EQ(sync->num_batches_tracked.item<std::int64_t>(), 1);
}

TEST_F(SyncBatchNormTest, InPlaceFunctionIsBatchNormForwardInOneProcess) {
  reseed(5);
  torch::nn::BatchNorm2d reference(torch::nn::BatchNorm2dOptions(3).momentum(c10::nullopt));
  torch::nn::BatchNorm2d same(torch::nn::BatchNorm2dOptions(3).momentum(c10::nullopt));
  const auto context = single();
  for (bool training : {true, true, false}) {
    reference->train(training);
    same->train(training);
    const auto x = torch::randn({4, 3, 2, 2}) * 3 + 1;
    EXPECT_TRUE(torch::allclose(reference->forward(x), sync_batch_norm(*same, x, context)));
  }
  EXPECT_TRUE(torch::allclose(reference->running_mean, same->running_mean));
  EXPECT_TRUE(torch::allclose(reference->running_var, same->running_var));
  EXPECT_EQ(same->num_batches_tracked.item<std::int64_t>(), 2);
}

TEST_F(SyncBatchNormTest, BypassedConversionIsReported) {
  // A parent that keeps calling its own BatchNorm2d holder after conversion.
  struct Direct : torch::nn::Module {
    Direct() { bn = register_module("bn", torch::nn::BatchNorm2d(2)); }
    torch::nn::BatchNorm2d bn{nullptr};
  } direct;
  convert_sync_batchnorm(direct, single());
  direct.bn->forward(torch::randn({2, 2, 3, 3}));
  try {
    check_sync_batchnorm_used(direct);
    FAIL() << "expected an error naming 'bn'";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("calls the modules they replaced"), std::string::npos)
        << e.what();
  }
  testing::TinyNet model;
  EXPECT_EQ(use_sync_batch_norm(*model, single()), (std::vector<std::string>{"bn2", "bn"}));
  model->forward(torch::randn({2, 3, 6, 6}));
  EXPECT_NO_THROW(check_sync_batchnorm_used(*model));
}

}  // namespace
}  // namespace fixres::dist
