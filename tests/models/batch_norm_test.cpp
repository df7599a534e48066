// The zoo's batch-norm layer is torch::nn::BatchNorm2d bit for bit (names, forward, backward,
// running statistics, cumulative momentum), and its delegate redirects the layer in place.
#include <gtest/gtest.h>

#include <sstream>

#include "common/seeded_test.h"
#include "fixres/models/batch_norm.h"

namespace fixres::models {
namespace {

class BatchNormTest : public testing::SeededTest {};

void expect_same_as_torch(const torch::nn::BatchNormOptions& options) {
  testing::SeededTest::reseed(11);
  torch::nn::BatchNorm2d reference(options);
  BatchNorm2d ours(options);
  {
    torch::NoGradGuard no_grad;
    for (auto* bn : {&reference->weight, &reference->bias}) {
      if (bn->defined()) bn->uniform_(0.5, 1.5);
    }
    if (ours->weight.defined()) {
      ours->weight.copy_(reference->weight);
      ours->bias.copy_(reference->bias);
    }
  }
  const auto names = [](const torch::nn::Module& m) {
    std::vector<std::string> out;
    for (const auto& p : m.named_parameters()) out.push_back(p.key());
    for (const auto& b : m.named_buffers()) out.push_back(b.key());
    return out;
  };
  EXPECT_EQ(names(*ours), names(*reference));
  std::ostringstream printed_ours, printed_reference;
  ours->pretty_print(printed_ours);
  reference->pretty_print(printed_reference);
  EXPECT_EQ(printed_ours.str(), printed_reference.str());

  for (bool training : {true, true, false, true}) {
    reference->train(training);
    ours->train(training);
    const torch::Tensor x = torch::randn({3, options.num_features(), 5, 4});
    const torch::Tensor xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
    const torch::Tensor ya = reference->forward(xa), yb = ours->forward(xb);
    EXPECT_TRUE(torch::equal(ya, yb));
    (ya * ya.detach()).sum().backward();
    (yb * yb.detach()).sum().backward();
    EXPECT_TRUE(torch::equal(xa.grad(), xb.grad()));
    if (options.affine()) {
      EXPECT_TRUE(torch::equal(reference->weight.grad(), ours->weight.grad()));
    }
    if (options.track_running_stats()) {
      EXPECT_TRUE(torch::equal(reference->running_mean, ours->running_mean));
      EXPECT_TRUE(torch::equal(reference->running_var, ours->running_var));
      EXPECT_TRUE(torch::equal(reference->num_batches_tracked, ours->num_batches_tracked));
    }
  }
}

TEST_F(BatchNormTest, IsTorchBatchNorm2dBitForBit) {
  expect_same_as_torch(torch::nn::BatchNormOptions(6));
  expect_same_as_torch(torch::nn::BatchNormOptions(4).eps(1e-3).momentum(0.3));
  expect_same_as_torch(torch::nn::BatchNormOptions(4).momentum(c10::nullopt));  // cumulative
  expect_same_as_torch(torch::nn::BatchNormOptions(5).affine(false));
  expect_same_as_torch(torch::nn::BatchNormOptions(5).track_running_stats(false));
}

TEST_F(BatchNormTest, DelegateReplacesTheForwardOfTheLayerItAcquires) {
  BatchNorm2d bn(torch::nn::BatchNormOptions(2));
  EXPECT_FALSE(bn->has_delegate());
  bn->set_delegate([](BatchNorm2dImpl& layer, const torch::Tensor& x) { return x + layer.bias.view({1, -1, 1, 1}) + 7; });
  EXPECT_TRUE(bn->has_delegate());
  const torch::Tensor x = torch::zeros({1, 2, 1, 1});
  EXPECT_TRUE(torch::equal(bn->forward(x), torch::full({1, 2, 1, 1}, 7.0)));
  // A clone's delegate acts on the clone's own tensors.
  auto copy = std::dynamic_pointer_cast<BatchNorm2dImpl>(bn->clone());
  ASSERT_TRUE(copy);
  {
    torch::NoGradGuard no_grad;
    copy->bias.fill_(1.0);
  }
  EXPECT_TRUE(torch::equal(copy->forward(x), torch::full({1, 2, 1, 1}, 8.0)));
  EXPECT_TRUE(torch::equal(bn->forward(x), torch::full({1, 2, 1, 1}, 7.0)));
}

TEST_F(BatchNormTest, WrongInputIsAClearError) {
  BatchNorm2d bn(torch::nn::BatchNormOptions(3));
  EXPECT_THROW(bn->forward(torch::zeros({2, 4, 2, 2})), c10::Error);
  EXPECT_THROW(bn->forward(torch::zeros({2, 3})), c10::Error);
}

}  // namespace
}  // namespace fixres::models
