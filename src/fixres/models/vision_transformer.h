#pragma once
/// timm's VisionTransformer (models/vision_transformer.py, v0.9.2) as built for the ViT and DeiT
/// rows: patch embedding by a stride-P convolution, a class token, an absolute position embedding,
/// pre-norm blocks (LayerNorm eps 1e-6, multi-head self-attention, GELU MLP), a final norm and a
/// linear `head` on the class token. State-dict names, shapes and order are timm's.
///
/// Any input whose sides are multiples of the patch size is accepted: when its token grid is not
/// the one `pos_embed` holds, the embedding is resampled for that forward pass exactly as timm
/// resamples it when it loads a checkpoint into a model of that image size
/// (resample_abs_pos_embed); set_image_size() makes the resampled embedding the parameter (for
/// fine-tuning at that size, so a checkpoint saved then holds it).

#include <torch/torch.h>

#include <cstdint>

#include "fixres/models/classifier.h"
#include "fixres/models/mlp.h"

namespace fixres::models {

struct VisionTransformerOptions {
  TORCH_ARG(std::int64_t, patch_size) = 16;
  TORCH_ARG(std::int64_t, embed_dim) = 768;
  TORCH_ARG(std::int64_t, depth) = 12;
  TORCH_ARG(std::int64_t, num_heads) = 12;
  TORCH_ARG(double, mlp_ratio) = 4.0;
  /// The image size `pos_embed` is built for (its grid is image_size / patch_size).
  TORCH_ARG(std::int64_t, image_size) = 224;
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Dropout before the head in training (timm's drop_rate).
  TORCH_ARG(double, drop_rate) = 0.0;
  /// Stochastic depth of the blocks in training, linearly increasing from 0 to this rate.
  TORCH_ARG(double, drop_path_rate) = 0.0;
  /// timm's init_weights ('' mode: truncated-normal linears, std 0.02; false: LibTorch's defaults).
  TORCH_ARG(bool, initialize) = true;
};

/// Multi-head self-attention: qkv (one Linear, 3·D outputs, bias) → softmax(q·kᵀ/√d)·v → proj.
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(std::int64_t dim, std::int64_t num_heads);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  std::int64_t num_heads_;
  double scale_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
};
TORCH_MODULE(Attention);

/// x + attn(norm1(x)), then x + mlp(norm2(x)), each branch through drop-path in training.
class VitBlockImpl : public torch::nn::Module {
 public:
  VitBlockImpl(const VisionTransformerOptions& options, double drop_path_rate);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  Attention attn_{nullptr};
  Mlp mlp_{nullptr};
  double drop_path_rate_;
};
TORCH_MODULE(VitBlock);

/// Children: cls_token, pos_embed (parameters), patch_embed.proj, blocks.0…, norm, head.
/// Embedding: the class token after the final norm (timm's forward_head(pre_logits=True)).
class VisionTransformerImpl : public Classifier {
 public:
  explicit VisionTransformerImpl(const VisionTransformerOptions& options);
  torch::Tensor forward_features(const torch::Tensor& images) override;
  torch::Tensor forward_head(const torch::Tensor& embedding) override;
  /// A checkpoint's pos_embed of another (square) grid and the same width: the parameter takes
  /// that grid, so the weights load as they are (resampled at each forward where needed).
  void adapt_to_weights(const io::StateDict& weights) override;
  /// Resamples pos_embed (the parameter) to the grid of `size` (a multiple of the patch size).
  void set_image_size(std::int64_t size) override;

  VisionTransformerOptions options;

 private:
  torch::Tensor cls_token_, pos_embed_;
  torch::nn::Conv2d proj_{nullptr};
  torch::nn::Sequential blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(VisionTransformer);

}  // namespace fixres::models
