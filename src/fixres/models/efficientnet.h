#pragma once
/// timm's EfficientNet (efficientnet.py, _gen_efficientnet) as built for the tf_ variants
/// (tf_efficientnet_b0 … b8, l2 and their _ap/_ns weights): TF 'SAME' padding computed from the
/// actual input size, BatchNorm eps 1e-3, swish, squeeze-excite, drop-connect in training.

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fixres/models/classifier.h"
#include "fixres/models/efficientnet_builder.h"
#include "fixres/models/layers.h"

namespace fixres::models {

struct EfficientNetOptions {
  TORCH_ARG(double, channel_multiplier) = 1.0;
  TORCH_ARG(double, depth_multiplier) = 1.0;
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Dropout before the classifier in training (timm's drop_rate; 0 as timm's create_model).
  TORCH_ARG(double, drop_rate) = 0.0;
  /// Drop-connect of the residual blocks in training, linearly increasing with the block index.
  TORCH_ARG(double, drop_path_rate) = 0.0;
  /// tf_ variants: BN_EPS_TF_DEFAULT; momentum stays PyTorch's 0.1 as in timm.
  TORCH_ARG(double, bn_eps) = 1e-3;
  TORCH_ARG(double, bn_momentum) = 0.1;
  TORCH_ARG(std::int64_t, stem_size) = 32;      ///< before width rounding
  TORCH_ARG(std::int64_t, num_features) = 1280;  ///< before width rounding
  /// timm's _init_weight_goog (false: LibTorch's default layer initialisation only).
  TORCH_ARG(bool, initialize) = true;
  TORCH_ARG(std::vector<std::vector<std::string>>, arch_def) = efficientnet::efficientnet_arch_def();
};

// The named variants (tf_efficientnet_b0 … l2_ns_475): rows of fixres/core/architecture_table.h.

/// Children: conv_stem, bn1, blocks (stages "0"…"6", blocks "0"…), conv_head, bn2,
/// global_pool, classifier. Initialised as timm's _init_weight_goog.
class EfficientNetImpl : public Classifier {
 public:
  explicit EfficientNetImpl(const EfficientNetOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& images) override;
  torch::Tensor forward_head(const torch::Tensor& embedding) override;
  /// Before conv_head (state: the blocks' output; FixRes's policy runs conv_head and bn2 in train
  /// mode), then the embedding.
  std::vector<FeatureCut> feature_cuts() override;

  EfficientNetOptions options;

 private:
  Conv2dSame conv_stem_{nullptr}, conv_head_{nullptr};
  BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
  torch::nn::AdaptiveAvgPool2d global_pool_{nullptr};
  /// conv_stem, bn1, SiLU, the blocks.
  torch::Tensor blocks_output(const torch::Tensor& images);
  /// conv_head, bn2, SiLU, the global pooling, flatten.
  torch::Tensor head_features(const torch::Tensor& blocks_output);
};
TORCH_MODULE(EfficientNet);

}  // namespace fixres::models
