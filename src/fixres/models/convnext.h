#pragma once
/// timm's ConvNeXt (models/convnext.py, v0.9.2) as built for convnext_tiny … convnext_large with
/// the released FB weights: patch stem (4×4 stride-4 conv + LayerNorm2d), four stages (a
/// LayerNorm2d + 2×2 stride-2 downsample before stages 1–3), blocks of depthwise 7×7 conv →
/// LayerNorm (channels last) → Mlp → layer scale `gamma` + residual, and the head: global average
/// pool → LayerNorm2d (`head.norm`) → `head.fc`. LayerNorm eps 1e-6 throughout.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "fixres/models/classifier.h"
#include "fixres/models/mlp.h"

namespace fixres::models {

struct ConvNeXtOptions {
  ConvNeXtOptions(std::vector<std::int64_t> depths, std::vector<std::int64_t> dims)
      : depths_(std::move(depths)), dims_(std::move(dims)) {}
  /// Blocks per stage (tiny: 3,3,9,3).
  TORCH_ARG(std::vector<std::int64_t>, depths);
  /// Channels per stage (tiny: 96,192,384,768).
  TORCH_ARG(std::vector<std::int64_t>, dims);
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Dropout before head.fc in training (timm's drop_rate).
  TORCH_ARG(double, drop_rate) = 0.0;
  /// Stochastic depth, linearly from 0 over all blocks to this rate.
  TORCH_ARG(double, drop_path_rate) = 0.0;
  /// Initial layer-scale value (timm: 1e-6).
  TORCH_ARG(double, ls_init_value) = 1e-6;
  /// timm's _init_weights (trunc-normal 0.02 convs and linears; false: LibTorch's defaults).
  TORCH_ARG(bool, initialize) = true;
};

/// LayerNorm over the channels of an NCHW tensor (timm's LayerNorm2d): weight, bias.
class LayerNorm2dImpl : public torch::nn::LayerNormImpl {
 public:
  explicit LayerNorm2dImpl(std::int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(LayerNorm2d);

/// Children: conv_dw, norm, mlp (fc1, fc2); parameter gamma.
class ConvNeXtBlockImpl : public torch::nn::Module {
 public:
  ConvNeXtBlockImpl(std::int64_t channels, double ls_init_value, double drop_path_rate);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_dw_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  Mlp mlp_{nullptr};
  torch::Tensor gamma_;
  double drop_path_rate_;
};
TORCH_MODULE(ConvNeXtBlock);

/// Children: downsample (Sequential "0": LayerNorm2d, "1": conv; absent for stage 0), blocks.
class ConvNeXtStageImpl : public torch::nn::Module {
 public:
  ConvNeXtStageImpl(std::int64_t in_channels, std::int64_t channels, std::int64_t depth,
                    const std::vector<double>& drop_path_rates, double ls_init_value);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential downsample_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
};
TORCH_MODULE(ConvNeXtStage);

/// Children: stem ("0": conv, "1": LayerNorm2d), stages.0…3, head (norm, fc).
/// Embedding: the pooled, normalised features (timm's forward_head(pre_logits=True)).
class ConvNeXtImpl : public Classifier {
 public:
  explicit ConvNeXtImpl(const ConvNeXtOptions& options);
  torch::Tensor forward_features(const torch::Tensor& images) override;
  torch::Tensor forward_head(const torch::Tensor& embedding) override;
  /// Before the head (state: the last stage's map; FixRes's point for ConvNeXt, whose head's norm
  /// trains), then the embedding.
  std::vector<FeatureCut> feature_cuts() override;

  ConvNeXtOptions options;

 private:
  torch::nn::Sequential stem_{nullptr};
  torch::nn::Sequential stages_{nullptr};
  LayerNorm2d head_norm_{nullptr};
  /// The stem and the four stages.
  torch::Tensor stages_output(const torch::Tensor& images);
  /// The head before its classifier: global average pooling, head.norm, flatten.
  torch::Tensor pooled_head(const torch::Tensor& map);
};
TORCH_MODULE(ConvNeXt);

}  // namespace fixres::models
