#pragma once
/// Bilinear resizing bit-identical to Pillow 9.4's `Image.resize(size, Image.BILINEAR)`
/// (libImaging/Resample.c), which is what torchvision 0.14's F.resize does on PIL images:
/// separable, horizontal pass first (only when the width changes), then vertical (only when the
/// height changes); the triangle filter's support is scaled by the reduction factor (the
/// antialiasing); coefficients are computed in double, normalised, then rounded to fixed point with
/// 22 fractional bits; each pass rounds and clips to 8 bits. Torch-free.

#include "fixres/data/image.h"

namespace fixres::data {

/// The whole resized image (out_height x out_width).
Image resize_bilinear(const Image& in, int out_height, int out_width);

/// Only the window rows [top, top + window_height) x columns [left, left + window_width) of the
/// out_height x out_width resize, computed without the rest: every value equals the corresponding
/// value of resize_bilinear() (the passes are independent per output row/column). The window
/// must lie inside the output; throws std::invalid_argument otherwise.
Image resize_bilinear_window(const Image& in, int out_height, int out_width, int top, int left,
                             int window_height, int window_width);

}  // namespace fixres::data
