#pragma once
/// ToTensor + Normalize fused: out = (float(x) / 255 - mean[c]) / std[c], each operation in float32
/// in torchvision's order (ToTensor's div(255), then Normalize's sub_(mean).div_(std)), so values
/// are bit-identical to torchvision's. Torch-free (writes into caller memory).

#include <array>
#include <string>

#include "fixres/data/image.h"

namespace fixres::data {

struct Normalization {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};

  /// ImageNet's mean/std (ResNet, ResNeXt, most EfficientNet weights).
  static Normalization imagenet() { return {}; }
  /// 0.5 / 0.5 (PNASNet, timm's AdvProp `_ap` EfficientNets).
  static Normalization half() { return {{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}}; }
};

/// Memory layout of one normalised image.
enum class Layout {
  CHW,  ///< planar, as ToTensor (NCHW batches)
  HWC,  ///< interleaved (channels-last batches)
};

/// Writes img.height * img.width * 3 floats to `out` in `layout`.
void to_tensor_normalize(const Image& img, const Normalization& norm, float* out, Layout layout = Layout::CHW);

}  // namespace fixres::data
