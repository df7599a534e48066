#pragma once
/// Colour adjustments bit-identical to torchvision 0.14's functional ops on PIL images, which use
/// Pillow 9.4's ImageEnhance: Image.blend(degenerate, image, factor), computed per channel as
/// (uint8)(degenerate + factor * (pixel - degenerate)) in single precision, clipped to [0, 255]
/// when the factor is outside [0, 1]. Torch-free.

#include <cstdint>

#include "fixres/data/image.h"

namespace fixres::data {

/// PIL's convert('L') of one RGB pixel: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
inline std::uint8_t pil_luma(const std::uint8_t* rgb) {
  return static_cast<std::uint8_t>((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

/// F.adjust_brightness (ImageEnhance.Brightness: blend with black).
void adjust_brightness(Image& img, float factor);

/// F.adjust_contrast (ImageEnhance.Contrast: blend with the grey level
/// int(mean(convert('L')) + 0.5) of the whole image).
void adjust_contrast(Image& img, float factor);

/// F.adjust_saturation (ImageEnhance.Color: blend with convert('L') replicated).
void adjust_saturation(Image& img, float factor);

/// F.adjust_sharpness (ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH, Pillow's 3x3
/// kernel (1 1 1 / 1 5 1 / 1 1 1) / 13 in float with the border rows and columns kept; an image
/// smaller than 3x3 is its own degenerate).
void adjust_sharpness(Image& img, float factor);

}  // namespace fixres::data
