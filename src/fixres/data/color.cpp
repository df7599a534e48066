// Pillow's Blend.c evaluates `(int)in1 + alpha * ((int)in2 - (int)in1)` in float and truncates.
// Keep this file free of FMA contraction (GCC on x86-64 contracts only when FMA is enabled by
// -march; the project does not enable it), or the rounding would differ from Pillow's build.

#include "fixres/data/color.h"

#include <cstdint>

namespace fixres::data {
namespace {

inline std::uint8_t blend(int degenerate, int pixel, float alpha) {
  const float t = static_cast<float>(degenerate) + alpha * static_cast<float>(pixel - degenerate);
  if (t <= 0.0f) return 0;
  if (t >= 255.0f) return 255;
  return static_cast<std::uint8_t>(t);
}

}  // namespace

void adjust_brightness(Image& img, float factor) {
  std::uint8_t lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = blend(0, v, factor);
  for (auto& p : img.pixels) p = lut[p];
}

void adjust_contrast(Image& img, float factor) {
  std::int64_t sum = 0;
  const std::size_t n = static_cast<std::size_t>(img.height) * img.width;
  for (std::size_t i = 0; i < n; ++i) sum += pil_luma(&img.pixels[3 * i]);
  // ImageStat: float sum / count, then int(mean + 0.5).
  const double mean = n ? static_cast<double>(sum) / static_cast<double>(n) : 0.0;
  const int grey = static_cast<int>(mean + 0.5);
  std::uint8_t lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = blend(grey, v, factor);
  for (auto& p : img.pixels) p = lut[p];
}

void adjust_saturation(Image& img, float factor) {
  const std::size_t n = static_cast<std::size_t>(img.height) * img.width;
  std::uint8_t* p = img.pixels.data();
  for (std::size_t i = 0; i < n; ++i, p += 3) {
    const int l = pil_luma(p);
    p[0] = blend(l, p[0], factor);
    p[1] = blend(l, p[1], factor);
    p[2] = blend(l, p[2], factor);
  }
}

}  // namespace fixres::data
