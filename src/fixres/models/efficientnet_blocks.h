#pragma once
/// The blocks of timm's EfficientNet (_efficientnet_blocks.py) for pad_type='same' (tf_
/// variants): DepthwiseSeparableConv and InvertedResidual, children named as in timm
/// (conv_dw, bn1, se, conv_pw, bn2 / conv_pw, bn1, conv_dw, bn2, se, conv_pwl, bn3). timm fuses
/// the activation into its BatchNormAct2d; the state dict is that of a plain BatchNorm2d.

#include <torch/torch.h>

#include <cstdint>

#include "fixres/models/layers.h"

namespace fixres::models::efficientnet {

/// Settings of one built block (after width scaling and stride assignment).
struct BlockConfig {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  std::int64_t kernel_size = 3;
  std::int64_t stride = 1;
  double exp_ratio = 1.0;
  double se_ratio = 0.0;  ///< of the block input channels; 0: no squeeze-excite
  bool noskip = false;
  bool pw_act = false;    ///< depthwise-separable only
  Activation activation = Activation::kSwish;
  double bn_eps = 1e-3;
  double bn_momentum = 0.1;
  double drop_path_rate = 0.0;
};

/// Squeeze-excite width as timm (se_from_exp=False): round(channels · se_ratio / exp_ratio),
/// Python rounding, where `channels` is the width the SE sees (expanded for IR blocks).
std::int64_t se_reduced_channels(std::int64_t channels, double se_ratio, double exp_ratio);

/// conv_dw (k×k, stride, depthwise) → bn1+act → se → conv_pw (1×1) → bn2(+act if pw_act),
/// residual with drop-path when stride 1, in == out and not noskip.
class DepthwiseSeparableImpl : public torch::nn::Module {
 public:
  explicit DepthwiseSeparableImpl(const BlockConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  BlockConfig config_;
  bool has_skip_;
  Conv2dSame conv_dw_{nullptr}, conv_pw_{nullptr};
  BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  SqueezeExcite se_{nullptr};
};
TORCH_MODULE(DepthwiseSeparable);

/// conv_pw (1×1 expand to make_divisible(in·exp_ratio)) → bn1+act → conv_dw (k×k, stride) →
/// bn2+act → se → conv_pwl (1×1) → bn3, residual with drop-path when stride 1, in == out.
class InvertedResidualImpl : public torch::nn::Module {
 public:
  explicit InvertedResidualImpl(const BlockConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  BlockConfig config_;
  bool has_skip_;
  Conv2dSame conv_pw_{nullptr}, conv_dw_{nullptr}, conv_pwl_{nullptr};
  BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  SqueezeExcite se_{nullptr};
};
TORCH_MODULE(InvertedResidual);

}  // namespace fixres::models::efficientnet
