#pragma once
/// Mixup and CutMix of a training batch, as timm's Mixup in 'batch' mode (data/mixup.py, v0.9.2):
/// with probability mix_prob a λ ~ Beta(α, α) (CutMix's α with probability switch_prob when both
/// are on); mixup blends image i with image N−1−i (x·λ + flip(x)·(1−λ)); CutMix pastes flip(x)'s
/// box of side ratio √(1−λ) around a uniform centre (clipped to the image) and corrects λ to the
/// box's area; the targets become λ·onehot(y) + (1−λ)·onehot(flip(y)), label-smoothed, and the
/// loss timm's SoftTargetCrossEntropy. The random draws are ours (seeded per step), the
/// arithmetic timm's.

#include <torch/torch.h>

#include <cstdint>
#include <random>

#include "fixres/core/training_config.h"

namespace fixres::engine {

// MixupOptions (--mixup, --cutmix, --mix-prob, --switch-prob): fixres/core/training_config.h.

/// One batch's mixing: λ (1: the batch stays as it is), and CutMix's box [yl, yh) × [xl, xh).
struct MixParams {
  double lam = 1.0;
  bool cutmix = false;
  std::int64_t yl = 0, yh = 0, xl = 0, xh = 0;
};

/// timm's rand_bbox for a box centred at (cy, cx) and cutmix_bbox_and_lam's corrected λ.
MixParams cutmix_box(std::int64_t height, std::int64_t width, double lam, std::int64_t cy, std::int64_t cx);

/// timm's _params_per_batch (then the box for CutMix) with `rng`.
MixParams draw_mix(const MixupOptions& options, std::int64_t height, std::int64_t width, std::mt19937_64& rng);

/// Mixes `images` (N × C × H × W) in place and returns the soft targets (N × classes, float32):
/// timm's _mix_batch and mixup_target(labels, classes, λ, smoothing).
torch::Tensor mix_batch(torch::Tensor& images, const torch::Tensor& labels, const MixParams& params,
                        std::int64_t classes, double smoothing);

/// timm's SoftTargetCrossEntropy: mean over the batch of Σ −target · log_softmax(logits).
torch::Tensor soft_target_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets);

}  // namespace fixres::engine
