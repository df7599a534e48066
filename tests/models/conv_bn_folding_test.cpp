// Batch-norm folding (models/conv_bn_folding.h): the folded network computes what the unfolded
// one computes, on every family of the registry; the model is exactly restored afterwards; only
// frozen pairs are folded; nested scopes do not fold twice.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/seeded_test.h"
#include "fixres/models/conv_bn_folding.h"
#include "fixres/models/finetune_policy.h"
#include "fixres/models/registry.h"
#include "models/synthetic_weights.h"

namespace fixres::models {
namespace {

std::shared_ptr<Classifier> synthetic_model(const std::string& architecture) {
  ModelOptions options;
  options.num_classes = 10;
  options.initialize = false;
  auto model = create_model(architecture, options);
  testing::fill_synthetic(*model);
  model->eval();
  return model;
}

double relative_l2(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).norm().item<double>() /
         b.to(torch::kFloat64).norm().item<double>();
}

std::vector<torch::Tensor> state(torch::nn::Module& model) {
  std::vector<torch::Tensor> out;
  for (const auto& item : model.named_parameters()) out.push_back(item.value().clone());
  for (const auto& item : model.named_buffers()) out.push_back(item.value().clone());
  return out;
}

void expect_same_state(torch::nn::Module& model, const std::vector<torch::Tensor>& before) {
  std::size_t i = 0;
  for (const auto& item : model.named_parameters()) EXPECT_TRUE(torch::equal(item.value(), before[i++])) << item.key();
  for (const auto& item : model.named_buffers()) EXPECT_TRUE(torch::equal(item.value(), before[i++])) << item.key();
}

struct Case {
  std::string architecture;
  int size;
  // conv→batch-norm pairs find_conv_bn_pairs must find (PNASNet: 29 conv/bn children, plus in
  // each of its 14 cells six separable branches with two separable conv → bn each)
  std::size_t pairs;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.architecture << " at " << c.size << " px"; }

class FoldingTest : public testing::SeededTestWithParam<Case> {};

TEST_P(FoldingTest, FoldedNetworkMatchesAndModelIsRestored) {
  const Case& c = GetParam();
  reseed(3);
  auto model = synthetic_model(c.architecture);
  EXPECT_EQ(find_conv_bn_pairs(*model).size(), c.pairs);
  for (bool channels_last : {false, true}) {
    SCOPED_TRACE(channels_last ? "channels-last" : "contiguous");
    if (channels_last) {  // as engine/model_setup.cpp does
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters()) {
        if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
      }
    }
    torch::Tensor x = torch::randn({2, 3, c.size, c.size});
    if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    const auto before = state(*model);
    c10::InferenceMode inference;
    const torch::Tensor plain = model->forward(x);
    torch::Tensor folded_out;
    {
      FoldedBatchNorms folded(*model);
      EXPECT_EQ(folded.folded(), c.pairs);
      folded_out = model->forward(x);
      // The state dict is untouched while folded.
      expect_same_state(*model, before);
    }
    const double err = relative_l2(folded_out, plain);
    EXPECT_LT(err, 1e-5) << c.architecture;
    EXPECT_GT(plain.abs().max().item<float>(), 0.0f);
    // Restored: the unfolded forward again, bit for bit.
    EXPECT_TRUE(torch::equal(model->forward(x), plain));
    expect_same_state(*model, before);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Registry, FoldingTest,
    ::testing::Values(Case{"ResNet50", 64, 53}, Case{"resnext50_32x4d", 64, 53}, Case{"resnet26_w16_s16", 32, 29},
                      Case{"tf_efficientnet_b0", 64, 2 + 1 * 2 + 15 * 3}, Case{"PNASNet", 64, 29 + 14 * 6 * 2}),
    [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.architecture; });

TEST(FoldingRules, PairsAreTheConvolutionsBeforeTheirBatchNorms) {
  auto model = synthetic_model("ResNet50");
  const auto pairs = find_conv_bn_pairs(*model);
  ASSERT_EQ(pairs.size(), 53u);
  EXPECT_EQ(pairs.front().conv_name, "conv1");
  EXPECT_EQ(pairs.front().bn_name, "bn1");
  bool downsample = false;
  for (const auto& p : pairs) {
    if (p.conv_name == "layer2.0.downsample.0") {
      EXPECT_EQ(p.bn_name, "layer2.0.downsample.1");
      downsample = true;
    }
  }
  EXPECT_TRUE(downsample);
  EXPECT_EQ(pairs.back().conv_name, "layer4.2.conv3");
  EXPECT_EQ(pairs.back().bn_name, "layer4.2.bn3");
}

TEST(FoldingRules, OnlyFrozenPairsFoldWhileAutogradRecords) {
  auto model = synthetic_model("resnet26_w16");
  const auto pairs = find_conv_bn_pairs(*model);
  // FixRes fine-tuning: only fc trains, the last bn3 in train mode.
  apply_finetune_mode(*model, find_architecture("resnet26_w16").finetune);
  torch::Tensor x = torch::randn({4, 3, 32, 32});
  torch::Tensor plain_logits;
  torch::Tensor plain_mean;
  {
    auto probe = synthetic_model("resnet26_w16");
    apply_finetune_mode(*probe, find_architecture("resnet26_w16").finetune);
    plain_logits = probe->forward(x);
    plain_mean = find_module(*probe, "layer4.1.bn3")->as<BatchNorm2dImpl>()->running_mean.clone();
  }
  {
    FoldedBatchNorms folded(*model);
    EXPECT_EQ(folded.folded(), pairs.size() - 1);  // all but layer4.1.conv3/bn3
    torch::Tensor logits = model->forward(x);
    EXPECT_LT(relative_l2(logits, plain_logits), 1e-5);
    // The train-mode batch-norm still updated its statistics as without folding.
    auto* bn3 = find_module(*model, "layer4.1.bn3")->as<BatchNorm2dImpl>();
    EXPECT_LT(relative_l2(bn3->running_mean, plain_mean), 1e-5);
    // Gradients reach the classifier.
    logits.sum().backward();
    EXPECT_TRUE(model->classifier()->weight.grad().defined());
  }
  // A whole network in train mode, or one whose convolutions train: nothing folds.
  model->train();
  EXPECT_EQ(FoldedBatchNorms(*model).folded(), 0u);
  model->eval();
  for (auto& p : model->parameters()) p.set_requires_grad(true);
  EXPECT_EQ(FoldedBatchNorms(*model).folded(), 0u);
  {
    torch::NoGradGuard no_grad;  // without autograd, eval-mode pairs fold whatever requires_grad says
    EXPECT_EQ(FoldedBatchNorms(*model).folded(), pairs.size());
  }
}

TEST(FoldingRules, NestedScopesFoldOnce) {
  auto model = synthetic_model("resnet26_w16");
  torch::Tensor x = torch::randn({2, 3, 32, 32});
  c10::InferenceMode inference;
  const torch::Tensor plain = model->forward(x);
  EXPECT_EQ(FoldedBatchNorms(*model, /*enabled=*/false).folded(), 0u);
  FoldedBatchNorms outer(*model);
  EXPECT_EQ(outer.folded(), find_conv_bn_pairs(*model).size());
  torch::Tensor once = model->forward(x);
  {
    FoldedBatchNorms inner(*model);
    EXPECT_EQ(inner.folded(), 0u);
    EXPECT_TRUE(torch::equal(model->forward(x), once));
  }
  EXPECT_TRUE(torch::equal(model->forward(x), once));
  EXPECT_LT(relative_l2(once, plain), 1e-5);
}

}  // namespace
}  // namespace fixres::models
