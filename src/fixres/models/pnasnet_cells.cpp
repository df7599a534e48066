#include "fixres/models/pnasnet_cells.h"

#include "fixres/models/layers.h"

namespace fixres::models::pnasnet {

namespace {

constexpr double kBnEps = 1e-3;  // every BatchNorm2d of pnasnet.py

using torch::indexing::None;
using torch::indexing::Slice;

// x[:, :, 1:, 1:], the crop that undoes the top/left zero padding.
torch::Tensor drop_first_row_and_column(const torch::Tensor& x) {
  return x.index({Slice(), Slice(), Slice(1, None), Slice(1, None)});
}

torch::nn::ZeroPad2d zero_pad(std::int64_t left, std::int64_t right, std::int64_t top, std::int64_t bottom) {
  return torch::nn::ZeroPad2d(torch::nn::ZeroPad2dOptions({left, right, top, bottom}));
}

}  // namespace

MaxPoolPadImpl::MaxPoolPadImpl(std::int64_t kernel_size, std::int64_t stride, bool zero_pad_first) {
  if (zero_pad_first) zero_pad_ = register_module("zero_pad", zero_pad(1, 0, 1, 0));
  pool_ = register_module("pool",
                          torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(kernel_size).stride(stride).padding(1)));
}

torch::Tensor MaxPoolPadImpl::forward(const torch::Tensor& x) {
  if (!zero_pad_) return pool_->forward(x);
  return drop_first_row_and_column(pool_->forward(zero_pad_->forward(x)));
}

SeparableConv2dImpl::SeparableConv2dImpl(std::int64_t in_channels, std::int64_t out_channels,
                                         std::int64_t kernel_size, std::int64_t stride, std::int64_t padding) {
  depthwise_ = register_module(
      "depthwise_conv2d", torch::nn::Conv2d(conv_options(in_channels, in_channels, kernel_size, stride, padding,
                                                         /*groups=*/in_channels)));
  pointwise_ = register_module("pointwise_conv2d", torch::nn::Conv2d(conv_options(in_channels, out_channels, 1)));
}

torch::Tensor SeparableConv2dImpl::forward(const torch::Tensor& x) {
  return pointwise_->forward(depthwise_->forward(x));
}

BranchSeparablesImpl::BranchSeparablesImpl(const BranchSeparablesOptions& o) {
  const std::int64_t in_channels = o.in_channels(), out_channels = o.out_channels(), kernel_size = o.kernel_size();
  const std::int64_t stride = o.stride();
  const std::int64_t padding = kernel_size / 2;
  const std::int64_t middle = o.stem_cell() ? out_channels : in_channels;
  if (o.zero_pad()) zero_pad_ = register_module("zero_pad", zero_pad(1, 0, 1, 0));
  register_module("relu_1", torch::nn::ReLU());
  separable_1_ = register_module("separable_1", SeparableConv2d(in_channels, middle, kernel_size, stride, padding));
  bn_sep_1_ = register_module("bn_sep_1", batch_norm(middle, kBnEps));
  register_module("relu_2", torch::nn::ReLU());
  separable_2_ = register_module("separable_2", SeparableConv2d(middle, out_channels, kernel_size, 1, padding));
  bn_sep_2_ = register_module("bn_sep_2", batch_norm(out_channels, kBnEps));
}

torch::Tensor BranchSeparablesImpl::forward(const torch::Tensor& x) {
  auto y = torch::relu(x);
  if (zero_pad_) {
    y = drop_first_row_and_column(separable_1_->forward(zero_pad_->forward(y))).contiguous();
  } else {
    y = separable_1_->forward(y);
  }
  y = torch::relu(bn_sep_1_->forward(y));
  return bn_sep_2_->forward(separable_2_->forward(y));
}

ReluConvBnImpl::ReluConvBnImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
                               std::int64_t stride) {
  register_module("relu", torch::nn::ReLU());
  conv_ = register_module("conv", torch::nn::Conv2d(conv_options(in_channels, out_channels, kernel_size, stride)));
  bn_ = register_module("bn", batch_norm(out_channels, kBnEps));
}

torch::Tensor ReluConvBnImpl::forward(const torch::Tensor& x) {
  return bn_->forward(conv_->forward(torch::relu(x)));
}

FactorizedReductionImpl::FactorizedReductionImpl(std::int64_t in_channels, std::int64_t out_channels) {
  auto stride2_pool = [] {
    return torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(1).stride(2).count_include_pad(false));
  };
  register_module("relu", torch::nn::ReLU());
  avgpool_1_ = stride2_pool();
  conv_1_ = torch::nn::Conv2d(conv_options(in_channels, out_channels / 2, 1));
  register_module("path_1", torch::nn::Sequential({{"avgpool", avgpool_1_}, {"conv", conv_1_}}));
  pad_ = zero_pad(0, 1, 0, 1);
  avgpool_2_ = stride2_pool();
  conv_2_ = torch::nn::Conv2d(conv_options(in_channels, out_channels / 2, 1));
  register_module("path_2", torch::nn::Sequential({{"pad", pad_}, {"avgpool", avgpool_2_}, {"conv", conv_2_}}));
  final_path_bn_ = register_module("final_path_bn", batch_norm(out_channels, kBnEps));
}

torch::Tensor FactorizedReductionImpl::forward(const torch::Tensor& x) {
  const auto y = torch::relu(x);
  const auto path_1 = conv_1_->forward(avgpool_1_->forward(y));
  const auto path_2 = conv_2_->forward(avgpool_2_->forward(drop_first_row_and_column(pad_->forward(y))));
  return final_path_bn_->forward(torch::cat({path_1, path_2}, 1));
}

torch::Tensor CellBaseImpl::cell_forward(const torch::Tensor& x_left, const torch::Tensor& x_right) {
  auto comb = [&](int i, const torch::Tensor& left_in, const torch::Tensor& right_in) {
    const auto k = static_cast<std::size_t>(i);
    auto right = right_[k].is_empty() ? right_in : right_[k].forward(right_in);
    return left_[k].forward(left_in) + right;
  };
  const auto c0 = comb(0, x_left, x_left);
  const auto c1 = comb(1, x_right, x_right);
  const auto c2 = comb(2, x_right, x_right);
  const auto c3 = comb(3, c2, x_right);
  const auto c4 = comb(4, x_left, x_right);
  return torch::cat({c0, c1, c2, c3, c4}, 1);
}

CellStem0Impl::CellStem0Impl(std::int64_t in_left, std::int64_t out_left, std::int64_t in_right,
                             std::int64_t out_right) {
  conv_1x1_ = register_module("conv_1x1", ReluConvBn(in_right, out_right, 1));
  register_comb(0, "left", BranchSeparables(BranchSeparablesOptions(in_left, out_left, 5).stride(2).stem_cell(true)));
  TensorSequential pool_conv_bn;
  pool_conv_bn->push_back("max_pool", MaxPoolPad(3, 2, false));
  pool_conv_bn->push_back("conv", torch::nn::Conv2d(conv_options(in_left, out_left, 1)));
  pool_conv_bn->push_back("bn", batch_norm(out_left, kBnEps));
  register_comb(0, "right", pool_conv_bn);
  register_comb(1, "left", BranchSeparables(BranchSeparablesOptions(out_right, out_right, 7).stride(2)));
  register_comb(1, "right", MaxPoolPad(3, 2, false));
  register_comb(2, "left", BranchSeparables(BranchSeparablesOptions(out_right, out_right, 5).stride(2)));
  register_comb(2, "right", BranchSeparables(BranchSeparablesOptions(out_right, out_right, 3).stride(2)));
  register_comb(3, "left", BranchSeparables(BranchSeparablesOptions(out_right, out_right, 3)));
  register_comb(3, "right", MaxPoolPad(3, 2, false));
  register_comb(4, "left", BranchSeparables(BranchSeparablesOptions(in_right, out_right, 3).stride(2).stem_cell(true)));
  register_comb(4, "right", ReluConvBn(out_right, out_right, 1, 2));
}

torch::Tensor CellStem0Impl::forward(const torch::Tensor& x_left) {
  return cell_forward(x_left, conv_1x1_->forward(x_left));
}

CellImpl::CellImpl(const CellOptions& o) {
  const std::int64_t stride = o.is_reduction() ? 2 : 1;
  const bool zp = o.zero_pad();
  if (o.match_prev_layer_dimensions()) {
    conv_prev_1x1_ = torch::nn::AnyModule(
        register_module("conv_prev_1x1", FactorizedReduction(o.in_channels_left(), o.out_channels_left())));
  } else {
    conv_prev_1x1_ = torch::nn::AnyModule(
        register_module("conv_prev_1x1", ReluConvBn(o.in_channels_left(), o.out_channels_left(), 1)));
  }
  conv_1x1_ = register_module("conv_1x1", ReluConvBn(o.in_channels_right(), o.out_channels_right(), 1));
  const auto left = o.out_channels_left();
  const auto right = o.out_channels_right();
  register_comb(0, "left", BranchSeparables(BranchSeparablesOptions(left, left, 5).stride(stride).zero_pad(zp)));
  register_comb(0, "right", MaxPoolPad(3, stride, zp));
  register_comb(1, "left", BranchSeparables(BranchSeparablesOptions(right, right, 7).stride(stride).zero_pad(zp)));
  register_comb(1, "right", MaxPoolPad(3, stride, zp));
  register_comb(2, "left", BranchSeparables(BranchSeparablesOptions(right, right, 5).stride(stride).zero_pad(zp)));
  register_comb(2, "right", BranchSeparables(BranchSeparablesOptions(right, right, 3).stride(stride).zero_pad(zp)));
  register_comb(3, "left", BranchSeparables(BranchSeparablesOptions(right, right, 3)));
  register_comb(3, "right", MaxPoolPad(3, stride, zp));
  register_comb(4, "left", BranchSeparables(BranchSeparablesOptions(left, left, 3).stride(stride).zero_pad(zp)));
  if (o.is_reduction()) register_comb(4, "right", ReluConvBn(right, right, 1, stride));
}

torch::Tensor CellImpl::forward(const torch::Tensor& x_left, const torch::Tensor& x_right) {
  return cell_forward(conv_prev_1x1_.forward(x_left), conv_1x1_->forward(x_right));
}

}  // namespace fixres::models::pnasnet
