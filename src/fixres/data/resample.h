#pragma once
/// Resizing bit-identical to Pillow 9.4's `Image.resize(size, Image.BILINEAR)` and
/// `Image.resize(size, Image.BICUBIC)` (libImaging/Resample.c), which is what torchvision 0.14's
/// F.resize does on PIL images: separable, horizontal pass first (only when the width changes),
/// then vertical (only when the height changes); the filter's support (1 for the triangle, 2 for
/// the cubic with a = -0.5) is scaled by the reduction factor (the antialiasing); coefficients are
/// computed in double, normalised, then rounded to fixed point with 22 fractional bits; each pass
/// rounds and clips to 8 bits. Torch-free.

#include "fixres/core/test_protocol.h"
#include "fixres/data/geometry.h"
#include "fixres/data/image.h"

namespace fixres::data {

/// The whole resized image (out_height x out_width).
Image resize(const Image& in, int out_height, int out_width, Interpolation interpolation = Interpolation::Bilinear);

/// Only the window rows [top, top + height) x columns [left, left + width) of the out_height x
/// out_width resize, computed without the rest: every value equals the corresponding value of
/// resize() (the passes are independent per output row/column). The window must lie inside the
/// output; throws std::invalid_argument otherwise.
Image resize_window(const Image& in, int out_height, int out_width, const CropBox& window,
                    Interpolation interpolation = Interpolation::Bilinear);

/// A rectangle of a larger image: `image` holds rows [top, top + image.height) and columns
/// [left, left + image.width) of a full_height x full_width image.
struct ImageView {
  const Image* image = nullptr;
  int top = 0;
  int left = 0;
  int full_height = 0;
  int full_width = 0;
};

/// The input pixels (full-image coordinates) that the window `window` of an out_height x
/// out_width resize of an in_height x in_width image reads.
CropBox resize_source_box(int in_height, int in_width, int out_height, int out_width, const CropBox& window,
                          Interpolation interpolation = Interpolation::Bilinear);

/// resize_window() of the full image of which `view` holds a part; the part must contain
/// resize_source_box() of the window (throws std::invalid_argument otherwise).
Image resize_window(const ImageView& view, int out_height, int out_width, const CropBox& window,
                    Interpolation interpolation = Interpolation::Bilinear);

/// F.resized_crop's resize of `box` (inside the full image and inside the part `view` holds) to
/// size x size, bilinear, read in place: the box is the full image of the resize. Throws
/// std::invalid_argument when the part does not hold the box.
Image resized_crop(const ImageView& view, const CropBox& box, int size);

}  // namespace fixres::data
