// Shared blocks: TF 'SAME' padding, squeeze-excite, drop-path, and timm's width/depth arithmetic.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/seeded_test.h"
#include "fixres/models/efficientnet_blocks.h"
#include "fixres/models/efficientnet_builder.h"
#include "fixres/models/layers.h"

namespace fixres::models {
namespace {

namespace F = torch::nn::functional;

class LayersTest : public testing::SeededTest {};

TEST_F(LayersTest, TfSamePadding) {
  // timm's get_same_padding: max((ceil(x/s)-1)*s + (k-1)*d + 1 - x, 0)
  EXPECT_EQ(tf_same_padding(224, 3, 2), 1);  // 112 outputs need 225 inputs
  EXPECT_EQ(tf_same_padding(225, 3, 2), 2);
  EXPECT_EQ(tf_same_padding(320, 5, 2), 3);
  EXPECT_EQ(tf_same_padding(7, 5, 1), 4);
  EXPECT_EQ(tf_same_padding(1, 1, 2), 0);
}

// A stride-2 'SAME' conv pads (left, right) = (p/2, p - p/2) from the actual input size, as
// TensorFlow; a stride-1 one is a plain symmetric conv.
TEST_F(LayersTest, Conv2dSameComputesPaddingFromTheInput) {
  Conv2dSame strided(conv_options(3, 4, 3, 2));
  EXPECT_TRUE(strided->dynamic_padding());
  for (int size : {224, 225, 17}) {
    const auto x = torch::randn({1, 3, size, size + 3});
    const auto ph = tf_same_padding(size, 3, 2), pw = tf_same_padding(size + 3, 3, 2);
    const auto padded = F::pad(x, F::PadFuncOptions({pw / 2, pw - pw / 2, ph / 2, ph - ph / 2}));
    const auto expected = F::conv2d(padded, strided->weight, F::Conv2dFuncOptions().stride(2));
    EXPECT_TRUE(torch::allclose(strided->forward(x), expected)) << size;
    EXPECT_EQ(strided->forward(x).size(2), (size + 1) / 2);
  }
  Conv2dSame plain(conv_options(3, 4, 5, 1));
  EXPECT_FALSE(plain->dynamic_padding());
  EXPECT_EQ((*c10::get<torch::ExpandingArray<2>>(plain->options.padding()))[0], 2);
}

TEST_F(LayersTest, SqueezeExciteGate) {
  SqueezeExcite se(8, 2, Activation::kSwish);
  const auto x = torch::randn({2, 8, 5, 5});
  const auto params = se->named_parameters();
  auto s = x.mean({2, 3}, true);
  s = F::conv2d(s, params["conv_reduce.weight"], F::Conv2dFuncOptions().bias(params["conv_reduce.bias"]));
  s = F::conv2d(torch::silu(s), params["conv_expand.weight"], F::Conv2dFuncOptions().bias(params["conv_expand.bias"]));
  EXPECT_TRUE(torch::allclose(se->forward(x), x * torch::sigmoid(s)));
}

TEST_F(LayersTest, DropPathOnlyInTraining) {
  const auto x = torch::ones({64, 3, 2, 2});
  EXPECT_TRUE(torch::equal(drop_path(x, 0.5, false), x));
  EXPECT_TRUE(torch::equal(drop_path(x, 0.0, true), x));
  reseed(1);
  const auto y = drop_path(x, 0.5, true);
  // Whole samples are either dropped or scaled by 1/keep.
  const auto per_sample = y.flatten(1);
  EXPECT_TRUE(torch::equal(std::get<0>(per_sample.min(1)), std::get<0>(per_sample.max(1))));
  const auto kept = (per_sample.select(1, 0) == 2.0).sum().item<int64_t>();
  const auto dropped = (per_sample.select(1, 0) == 0.0).sum().item<int64_t>();
  EXPECT_EQ(kept + dropped, 64);
  EXPECT_GT(kept, 10);
  EXPECT_GT(dropped, 10);
}

TEST_F(LayersTest, PythonRound) {
  EXPECT_EQ(python_round(2.5), 2);
  EXPECT_EQ(python_round(3.5), 4);
  EXPECT_EQ(python_round(4.000001), 4);
}

TEST(EfficientNetBuilderTest, WidthAndDepthAsTimm) {
  using efficientnet::round_channels;
  EXPECT_EQ(round_channels(32, 1.0), 32);
  EXPECT_EQ(round_channels(1280, 1.1), 1408);
  EXPECT_EQ(round_channels(1280, 4.3), 5504);
  EXPECT_EQ(round_channels(16, 1.2), 24);  // 19.2 rounds to 16, below 0.9·19.2, so one more step
  const auto stages = efficientnet::decode_arch_def(efficientnet::efficientnet_arch_def(), 3.1);
  std::vector<std::size_t> repeats;
  for (const auto& s : stages) repeats.push_back(s.size());
  EXPECT_EQ(repeats, (std::vector<std::size_t>{4, 7, 7, 10, 10, 13, 4}));  // b7: ceil(r·3.1)
  EXPECT_EQ(stages[1][0].stride, 2);
  EXPECT_DOUBLE_EQ(stages[1][0].exp_ratio, 6.0);
  EXPECT_EQ(efficientnet::se_reduced_channels(96, 0.25, 6.0), 4);
  EXPECT_THROW(efficientnet::decode_arch_def({{"er_r1_k3_s1_e4_c24"}}, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::models
