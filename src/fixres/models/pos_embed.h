#pragma once
/// Absolute position embeddings at another resolution, as timm's resample_abs_pos_embed
/// (layers/pos_embed.py) does when a checkpoint is loaded into a ViT of another image size: the
/// prefix (class) tokens are kept, the square grid of the others is resampled bicubically with
/// antialiasing (F.interpolate(mode='bicubic', antialias=True, align_corners=False)).

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace fixres::models {

/// g when `tokens` = g² (g > 0), else nothing.
std::optional<std::int64_t> square_grid(std::int64_t tokens);

/// The side of the square token grid of a 1 × (prefix + g²) × D embedding; throws naming the
/// token count when it is not a square plus `prefix_tokens`.
std::int64_t pos_embed_grid(const torch::Tensor& pos_embed, std::int64_t prefix_tokens = 1);

/// `pos_embed` (1 × (prefix + g²) × D) on a grid×grid grid; returned unchanged (the same
/// tensor) when it already has that grid. Differentiable (autograd reaches the original).
torch::Tensor resample_pos_embed(const torch::Tensor& pos_embed, std::int64_t grid, std::int64_t prefix_tokens = 1);

}  // namespace fixres::models
