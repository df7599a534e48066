#pragma once
/// Random erasing of a training image (`--reprob P`), as timm's RandomErasing(probability=P,
/// mode='pixel') applies it after normalisation: with probability P, up to 10 attempts at a box of
/// area U(0.02, 1/3) of the image and aspect ratio exp(U(log 0.3, log 1/0.3)), h = round(√(area·r)),
/// w = round(√(area/r)); the first that fits strictly inside is placed uniformly and filled with
/// N(0, 1) values per pixel and channel. The draws come from the sample's own generator.

#include <optional>

#include "fixres/data/normalize.h"
#include "fixres/data/rng.h"

namespace fixres::data {

struct EraseBox {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
};

/// The box timm's _erase would choose (nullopt: this image is not erased).
std::optional<EraseBox> draw_erase_box(int height, int width, double probability, Rng& rng);

/// Fills `box` of the normalised size × size × 3 image at `out` (in `layout`) with standard
/// normal values drawn from `rng` (timm's 'pixel' mode).
void erase_box(float* out, int size, Layout layout, const EraseBox& box, Rng& rng);

}  // namespace fixres::data
