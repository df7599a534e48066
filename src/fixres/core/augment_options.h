#pragma once
/// The training transform's optional augmentations, torch-free so that the CLI binds flags onto
/// them: torchvision 0.14's RandAugment / TrivialAugmentWide (data/auto_augment.h) and DeiT III's
/// Simple Random Crop in place of RandomResizedCrop.

#include <string>

namespace fixres::data {

enum class AutoAugmentKind { None, RandAugment, TrivialAugmentWide };

struct AutoAugmentSpec {
  AutoAugmentKind kind = AutoAugmentKind::None;
  int num_ops = 2;     ///< RandAugment's N: operations per image
  int magnitude = 9;   ///< RandAugment's M: the magnitude bin, 0 <= M < num_bins
  int num_bins = 31;   ///< torchvision's num_magnitude_bins
  bool enabled() const { return kind != AutoAugmentKind::None; }
};

/// --train-crop: `rrc` = RandomResizedCrop(S) (FixRes's and torchvision's); `simple` = DeiT III's
/// Simple Random Crop: Resize(S) of the shorter side, RandomCrop(S, padding=4, reflect).
enum class TrainCrop { RandomResized, Simple };

/// Parses --rand-augment's "N,M" (N >= 1 operations, magnitude bin 0 <= M <= 30); throws
/// std::invalid_argument naming the flag.
AutoAugmentSpec parse_rand_augment(const std::string& text);

/// The policy in words: "RandAugment(2, 9)", "TrivialAugmentWide", "" when off.
std::string describe(const AutoAugmentSpec& spec);

}  // namespace fixres::data
