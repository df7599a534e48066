#include "fixres/models/pos_embed.h"

#include <cmath>

namespace fixres::models {

std::optional<std::int64_t> square_grid(std::int64_t tokens) {
  if (tokens <= 0) return std::nullopt;
  const auto grid = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(tokens))));
  if (grid * grid != tokens) return std::nullopt;
  return grid;
}

std::int64_t pos_embed_grid(const torch::Tensor& pos_embed, std::int64_t prefix_tokens) {
  TORCH_CHECK(pos_embed.dim() == 3 && pos_embed.size(0) == 1,
              "pos_embed: expected a 1 x tokens x dim tensor, got ", pos_embed.sizes());
  const auto grid = square_grid(pos_embed.size(1) - prefix_tokens);
  TORCH_CHECK(grid.has_value(), "pos_embed: ", pos_embed.size(1), " tokens are not ", prefix_tokens,
              " class token(s) and a square grid");
  return *grid;
}

torch::Tensor resample_pos_embed(const torch::Tensor& pos_embed, std::int64_t grid, std::int64_t prefix_tokens) {
  const std::int64_t old_grid = pos_embed_grid(pos_embed, prefix_tokens);
  if (old_grid == grid) return pos_embed;
  TORCH_CHECK(grid > 0, "pos_embed: cannot resample to a ", grid, "x", grid, " grid");
  const std::int64_t dim = pos_embed.size(2);
  auto prefix = pos_embed.narrow(1, 0, prefix_tokens);
  auto tokens = pos_embed.narrow(1, prefix_tokens, old_grid * old_grid)
                    .reshape({1, old_grid, old_grid, dim})
                    .permute({0, 3, 1, 2});
  namespace F = torch::nn::functional;
  auto resized = F::interpolate(tokens, F::InterpolateFuncOptions()
                                            .size(std::vector<std::int64_t>{grid, grid})
                                            .mode(torch::kBicubic)
                                            .align_corners(false)
                                            .antialias(true));
  resized = resized.permute({0, 2, 3, 1}).reshape({1, grid * grid, dim});
  return torch::cat({prefix, resized}, 1);
}

}  // namespace fixres::models
