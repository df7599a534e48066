#pragma once
/// Pillow 9.4's ImageOps point operations on RGB images, as torchvision 0.14's F.posterize,
/// F.solarize, F.autocontrast and F.equalize call them on PIL images: a 256-entry lookup table per
/// channel, built from the channel's histogram where the operation needs one. Torch-free.

#include "fixres/data/image.h"

namespace fixres::data {

/// ImageOps.posterize(img, bits): keeps the top `bits` (0..8) bits of each value.
void posterize(Image& img, int bits);

/// ImageOps.solarize(img, threshold): values v >= threshold become 255 - v.
void solarize(Image& img, double threshold);

/// ImageOps.autocontrast(img) (cutoff 0): each channel stretched from its lowest to its highest
/// value onto 0..255; a channel with a single value is unchanged.
void autocontrast(Image& img);

/// ImageOps.equalize(img): each channel's histogram equalised (Pillow's step rule).
void equalize(Image& img);

}  // namespace fixres::data
