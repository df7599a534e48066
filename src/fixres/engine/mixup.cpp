#include "fixres/engine/mixup.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fixres::engine {
namespace {

/// Beta(α, α) from two Gamma(α) draws.
double beta(double alpha, std::mt19937_64& rng) {
  std::gamma_distribution<double> gamma(alpha, 1.0);
  const double x = gamma(rng), y = gamma(rng);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

/// timm's one_hot with on/off values: off = smoothing / classes, on = 1 − smoothing + off.
torch::Tensor smoothed_one_hot(const torch::Tensor& labels, std::int64_t classes, double smoothing) {
  const double off = smoothing / static_cast<double>(classes);
  const double on = 1.0 - smoothing + off;
  return torch::full({labels.size(0), classes}, off, torch::TensorOptions().device(labels.device()).dtype(torch::kFloat))
      .scatter_(1, labels.to(torch::kLong).view({-1, 1}), on);
}

}  // namespace

MixParams cutmix_box(std::int64_t height, std::int64_t width, double lam, std::int64_t cy, std::int64_t cx) {
  const double ratio = std::sqrt(1.0 - lam);
  const auto cut_h = static_cast<std::int64_t>(static_cast<double>(height) * ratio);
  const auto cut_w = static_cast<std::int64_t>(static_cast<double>(width) * ratio);
  MixParams p;
  p.cutmix = true;
  p.yl = std::clamp<std::int64_t>(cy - cut_h / 2, 0, height);
  p.yh = std::clamp<std::int64_t>(cy + cut_h / 2, 0, height);
  p.xl = std::clamp<std::int64_t>(cx - cut_w / 2, 0, width);
  p.xh = std::clamp<std::int64_t>(cx + cut_w / 2, 0, width);
  const double area = static_cast<double>((p.yh - p.yl) * (p.xh - p.xl));
  p.lam = 1.0 - area / static_cast<double>(height * width);
  return p;
}

MixParams draw_mix(const MixupOptions& options, std::int64_t height, std::int64_t width, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  MixParams p;
  if (!options.enabled() || uniform(rng) >= options.mix_prob) return p;
  bool cutmix = options.cutmix_alpha > 0.0;
  if (options.mixup_alpha > 0.0 && options.cutmix_alpha > 0.0) cutmix = uniform(rng) < options.switch_prob;
  const double lam = beta(cutmix ? options.cutmix_alpha : options.mixup_alpha, rng);
  if (!cutmix) {
    p.lam = lam;
    return p;
  }
  const std::int64_t cy = std::uniform_int_distribution<std::int64_t>(0, height - 1)(rng);
  const std::int64_t cx = std::uniform_int_distribution<std::int64_t>(0, width - 1)(rng);
  return cutmix_box(height, width, lam, cy, cx);
}

torch::Tensor mix_batch(torch::Tensor& images, const torch::Tensor& labels, const MixParams& params,
                        std::int64_t classes, double smoothing) {
  torch::NoGradGuard no_grad;
  if (params.lam != 1.0) {
    if (params.cutmix) {
      auto region = [&](const torch::Tensor& t) {
        return t.narrow(2, params.yl, params.yh - params.yl).narrow(3, params.xl, params.xh - params.xl);
      };
      const torch::Tensor pasted = region(images.flip(0));  // flip copies: no aliasing with `images`
      region(images).copy_(pasted);
    } else {
      auto flipped = images.flip(0).mul_(1.0 - params.lam);
      images.mul_(params.lam).add_(flipped);
    }
  }
  const auto y1 = smoothed_one_hot(labels, classes, smoothing);
  const auto y2 = smoothed_one_hot(labels.flip(0), classes, smoothing);
  return y1 * params.lam + y2 * (1.0 - params.lam);
}

torch::Tensor soft_target_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets) {
  return torch::sum(-targets * torch::log_softmax(logits, -1), -1).mean();
}

}  // namespace fixres::engine
