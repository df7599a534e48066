#include "fixres/models/vision_transformer.h"

#include "fixres/models/layers.h"
#include "fixres/models/pos_embed.h"

namespace fixres::models {
AttentionImpl::AttentionImpl(std::int64_t dim, std::int64_t num_heads)
    : num_heads_(num_heads), scale_(1.0 / std::sqrt(static_cast<double>(dim / num_heads))) {
  TORCH_CHECK(dim % num_heads == 0, "Attention: width ", dim, " is not a multiple of ", num_heads, " heads");
  qkv_ = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj_ = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const std::int64_t batch = x.size(0), tokens = x.size(1), dim = x.size(2);
  auto qkv = linear(qkv_, x).reshape({batch, tokens, 3, num_heads_, dim / num_heads_}).permute({2, 0, 3, 1, 4});
  auto parts = qkv.unbind(0);
  auto attn = torch::matmul(parts[0] * scale_, parts[1].transpose(-2, -1)).softmax(-1);
  auto out = torch::matmul(attn, parts[2]).transpose(1, 2).reshape({batch, tokens, dim});
  return linear(proj_, out);
}

VitBlockImpl::VitBlockImpl(const VisionTransformerOptions& options, double drop_path_rate)
    : drop_path_rate_(drop_path_rate) {
  const std::int64_t dim = options.embed_dim();
  norm1_ = register_module("norm1", layer_norm(dim));
  attn_ = register_module("attn", Attention(dim, options.num_heads()));
  norm2_ = register_module("norm2", layer_norm(dim));
  mlp_ = register_module("mlp", Mlp(dim, static_cast<std::int64_t>(dim * options.mlp_ratio())));
}

torch::Tensor VitBlockImpl::forward(const torch::Tensor& x) {
  auto y = x + drop_path(attn_->forward(norm1_->forward(norm_input(x))), drop_path_rate_, is_training());
  return y + drop_path(mlp_->forward(norm2_->forward(norm_input(y))), drop_path_rate_, is_training());
}

VisionTransformerImpl::VisionTransformerImpl(const VisionTransformerOptions& options_) : options(options_) {
  const std::int64_t dim = options.embed_dim(), patch = options.patch_size();
  TORCH_CHECK(options.image_size() % patch == 0, "VisionTransformer: image size ", options.image_size(),
              " is not a multiple of the patch size ", patch);
  const std::int64_t grid = options.image_size() / patch;
  cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, dim}));
  pos_embed_ = register_parameter("pos_embed", torch::zeros({1, 1 + grid * grid, dim}));
  auto patch_embed = register_module("patch_embed", std::make_shared<torch::nn::Module>());
  proj_ = patch_embed->register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, dim, patch).stride(patch)));
  blocks_ = register_module("blocks", torch::nn::Sequential());
  for (std::int64_t i = 0; i < options.depth(); ++i) {
    const double rate = options.depth() > 1 ? options.drop_path_rate() * i / (options.depth() - 1) : 0.0;
    blocks_->push_back(VitBlock(options, rate));
  }
  norm_ = register_module("norm", layer_norm(dim));
  register_classifier("head", dim, options.num_classes());
  if (options.initialize()) {
    // timm's init_weights_vit_timm: the linears, pos_embed trunc-normal 0.02, cls_token normal 1e-6.
    init_trunc_normal(*this, /*convolutions=*/false);
    torch::NoGradGuard no_grad;
    pos_embed_.normal_(0.0, 0.02).clamp_(-2.0, 2.0);
    cls_token_.normal_(0.0, 1e-6);
  }
}

torch::Tensor VisionTransformerImpl::forward_features(const torch::Tensor& images) {
  const std::int64_t patch = options.patch_size();
  TORCH_CHECK(images.dim() == 4 && images.size(2) % patch == 0 && images.size(3) % patch == 0,
              "VisionTransformer: input ", images.sizes(), " is not N x 3 x H x W with sides multiples of the patch size ",
              patch);
  TORCH_CHECK(images.size(2) == images.size(3), "VisionTransformer: input ", images.sizes(),
              " is not square (the position embedding is a square grid)");
  auto x = proj_->forward(images).flatten(2).transpose(1, 2);  // N × tokens × D
  x = torch::cat({cls_token_.expand({x.size(0), -1, -1}), x}, 1);
  x = x + resample_pos_embed(pos_embed_, images.size(2) / patch);
  x = blocks_->forward(x);
  // The class token's row, as one dense N × D block (the frozen-trunk cache stores it per image).
  return norm_->forward(norm_input(x)).select(1, 0).contiguous();
}

torch::Tensor VisionTransformerImpl::forward_head(const torch::Tensor& embedding) {
  namespace F = torch::nn::functional;
  return apply_classifier(
      F::dropout(embedding, F::DropoutFuncOptions().p(options.drop_rate()).training(is_training())));
}

void VisionTransformerImpl::adapt_to_weights(const io::StateDict& weights) {
  for (const auto& [name, tensor] : weights) {
    if (name != "pos_embed") continue;
    const auto& shape = tensor.shape;
    if (shape.size() != 3 || shape[0] != 1 || shape[2] != pos_embed_.size(2) || shape[1] == pos_embed_.size(1)) return;
    if (const auto grid = square_grid(shape[1] - 1)) set_image_size(*grid * options.patch_size());
    return;
  }
}

void VisionTransformerImpl::set_image_size(std::int64_t size) {
  const std::int64_t patch = options.patch_size();
  TORCH_CHECK(size > 0 && size % patch == 0, "VisionTransformer: image size ", size,
              " is not a multiple of the patch size ", patch);
  torch::NoGradGuard no_grad;
  // set_data keeps the registered parameter (the same tensor object, its requires_grad too).
  pos_embed_.set_data(resample_pos_embed(pos_embed_.detach(), size / patch).clone());
  options.image_size(size);
}

}  // namespace fixres::models
