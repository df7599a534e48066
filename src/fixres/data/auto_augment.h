#pragma once
/// torchvision 0.14's RandAugment and TrivialAugmentWide on PIL images (NEAREST interpolation,
/// black fill — the classes' defaults): the 14 operations of _apply_op, each bit-identical to
/// torchvision's functional op on the same uint8 image (data/affine.h, data/color.h,
/// data/image_ops.h), their magnitude tables (_augmentation_space: torch.linspace in float32),
/// and the policies' draws from a sample's generator. Torch-free.

#include <optional>
#include <string>
#include <vector>

#include "fixres/core/augment_options.h"
#include "fixres/data/image.h"
#include "fixres/data/rng.h"

namespace fixres::data {

/// _augmentation_space's operations, in its order (the index a policy draws).
enum class AugmentOp {
  Identity,
  ShearX,
  ShearY,
  TranslateX,
  TranslateY,
  Rotate,
  Brightness,
  Color,
  Contrast,
  Sharpness,
  Posterize,
  Solarize,
  AutoContrast,
  Equalize,
};
constexpr int kAugmentOpCount = 14;

/// torchvision's name of the operation ("ShearX", ...).
const char* augment_op_name(AugmentOp op);
std::optional<AugmentOp> augment_op_from_name(const std::string& name);

/// _apply_op(img, op, magnitude, NEAREST, fill=None) of torchvision 0.14 on a PIL image.
Image apply_augment_op(const Image& in, AugmentOp op, double magnitude);

/// One operation's entry of _augmentation_space: its magnitude bins (empty: the op takes none,
/// magnitude 0) and whether a policy flips the sign with probability 1/2.
struct OpMagnitudes {
  std::vector<float> values;
  bool is_signed = false;
};

/// RandAugment's (image-size dependent translations) or TrivialAugmentWide's table entry.
OpMagnitudes augment_magnitudes(AutoAugmentKind kind, AugmentOp op, int num_bins, int height, int width);

/// RandAugment.forward (num_ops draws of an op; bin `magnitude`) or TrivialAugmentWide.forward
/// (one op, a uniform bin), the op index, bin and sign drawn from `rng`.
Image auto_augment(const Image& in, const AutoAugmentSpec& spec, Rng& rng);

}  // namespace fixres::data
