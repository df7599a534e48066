#pragma once
/// The geometric operations of RandAugment and TrivialAugmentWide, bit-identical to torchvision
/// 0.14's F.affine / F.rotate on PIL images with NEAREST interpolation and a black fill, which
/// Pillow 9.4 computes as Image.transform(AFFINE) (16.16 fixed point, or double for a pure
/// translation) and Image.rotate (its matrix rounded to 15 decimals; exact transposes for 90, 180
/// and 270 degrees). Torch-free.

#include <array>
#include <optional>

#include "fixres/data/image.h"

namespace fixres::data {

/// The inverse (output -> input) affine matrix (a, b, c, d, e, f): input x = a x' + b y' + c,
/// y = d x' + e y' + f, in pixel-centre coordinates as Pillow reads them.
using AffineMatrix = std::array<double, 6>;

/// Pillow's Image.transform(size, AFFINE, m, NEAREST) with a black fill: same size as `in`.
Image affine_nearest(const Image& in, const AffineMatrix& m);

/// The parameters of torchvision's F.affine (angle and shear in degrees).
struct AffineParams {
  double angle = 0.0;
  std::array<double, 2> translate{0.0, 0.0};
  double scale = 1.0;
  std::array<double, 2> shear{0.0, 0.0};
  /// Pixel coordinates of the centre; unset: the image centre (width / 2, height / 2).
  std::optional<std::array<double, 2>> center;
};

/// torchvision's _get_inverse_affine_matrix(center, angle, translate, scale, shear).
AffineMatrix inverse_affine_matrix(const std::array<double, 2>& center, const AffineParams& p);

/// F.affine(img, ...) of a PIL image, NEAREST, fill 0.
Image affine(const Image& in, const AffineParams& p);

/// F.rotate(img, angle) of a PIL image (counter-clockwise degrees, NEAREST, expand False, fill 0).
Image rotate(const Image& in, double angle);

}  // namespace fixres::data
