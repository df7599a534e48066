#include "fixres/models/efficientnet_blocks.h"

#include "fixres/models/efficientnet_builder.h"

namespace fixres::models::efficientnet {

namespace {

Conv2dSame same_conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1,
                     std::int64_t groups = 1) {
  return Conv2dSame(conv_options(in, out, kernel, stride, 0, groups));
}

}  // namespace

std::int64_t se_reduced_channels(std::int64_t channels, double se_ratio, double exp_ratio) {
  const double ratio = se_ratio / exp_ratio;
  return python_round(static_cast<double>(channels) * ratio);
}

DepthwiseSeparableImpl::DepthwiseSeparableImpl(const BlockConfig& c)
    : config_(c), has_skip_(c.stride == 1 && c.in_channels == c.out_channels && !c.noskip) {
  conv_dw_ = register_module("conv_dw", same_conv(c.in_channels, c.in_channels, c.kernel_size, c.stride, c.in_channels));
  bn1_ = register_module("bn1", batch_norm(c.in_channels, c.bn_eps, c.bn_momentum));
  if (c.se_ratio > 0.0) {
    se_ = register_module(
        "se", SqueezeExcite(c.in_channels, se_reduced_channels(c.in_channels, c.se_ratio, 1.0), c.activation));
  }
  conv_pw_ = register_module("conv_pw", same_conv(c.in_channels, c.out_channels, 1));
  bn2_ = register_module("bn2", batch_norm(c.out_channels, c.bn_eps, c.bn_momentum));
}

torch::Tensor DepthwiseSeparableImpl::forward(const torch::Tensor& x) {
  auto y = activate(bn1_->forward(conv_dw_->forward(x)), config_.activation);
  if (se_) y = se_->forward(y);
  y = bn2_->forward(conv_pw_->forward(y));
  if (config_.pw_act) y = activate(y, config_.activation);
  if (has_skip_) y = drop_path(y, config_.drop_path_rate, is_training()) + x;
  return y;
}

InvertedResidualImpl::InvertedResidualImpl(const BlockConfig& c)
    : config_(c), has_skip_(c.stride == 1 && c.in_channels == c.out_channels && !c.noskip) {
  const std::int64_t mid = make_divisible(static_cast<double>(c.in_channels) * c.exp_ratio);
  conv_pw_ = register_module("conv_pw", same_conv(c.in_channels, mid, 1));
  bn1_ = register_module("bn1", batch_norm(mid, c.bn_eps, c.bn_momentum));
  conv_dw_ = register_module("conv_dw", same_conv(mid, mid, c.kernel_size, c.stride, mid));
  bn2_ = register_module("bn2", batch_norm(mid, c.bn_eps, c.bn_momentum));
  if (c.se_ratio > 0.0) {
    se_ = register_module("se", SqueezeExcite(mid, se_reduced_channels(mid, c.se_ratio, c.exp_ratio), c.activation));
  }
  conv_pwl_ = register_module("conv_pwl", same_conv(mid, c.out_channels, 1));
  bn3_ = register_module("bn3", batch_norm(c.out_channels, c.bn_eps, c.bn_momentum));
}

torch::Tensor InvertedResidualImpl::forward(const torch::Tensor& x) {
  auto y = activate(bn1_->forward(conv_pw_->forward(x)), config_.activation);
  y = activate(bn2_->forward(conv_dw_->forward(y)), config_.activation);
  if (se_) y = se_->forward(y);
  y = bn3_->forward(conv_pwl_->forward(y));
  if (has_skip_) y = drop_path(y, config_.drop_path_rate, is_training()) + x;
  return y;
}

}  // namespace fixres::models::efficientnet
