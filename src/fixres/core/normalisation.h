#pragma once
/// The input normalisations of the zoo's weights (torch-free; shared by the registry and the
/// released-weights table).

#include <array>

namespace fixres::models {

/// ImageNet's mean/std: torchvision ResNets, ResNeXt WSL, timm's plain and _ns EfficientNets.
inline constexpr std::array<float, 3> kImagenetMean = {0.485f, 0.456f, 0.406f};
inline constexpr std::array<float, 3> kImagenetStd = {0.229f, 0.224f, 0.225f};
/// 0.5 for mean and std: PNASNet (Cadene), timm's AdvProp _ap EfficientNets.
inline constexpr std::array<float, 3> kHalfMeanStd = {0.5f, 0.5f, 0.5f};

}  // namespace fixres::models
