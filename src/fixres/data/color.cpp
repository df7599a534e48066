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

// Filter.c's clip8 of the float sum.
inline std::uint8_t clip8(float v) {
  if (v <= 0.0f) return 0;
  if (v >= 255.0f) return 255;
  return static_cast<std::uint8_t>(v);
}

// ImagingFilter3x3 with ImageFilter.SMOOTH: per channel, the rows y+1, y, y-1 in that order, each
// (left * k + centre * k' + right * k) added to 0.5 (the rounding offset).
Image smooth(const Image& in) {
  Image out = in;
  if (in.height < 3 || in.width < 3) return out;
  const float k[9] = {1.0f / 13.0f, 1.0f / 13.0f, 1.0f / 13.0f, 1.0f / 13.0f, 5.0f / 13.0f,
                      1.0f / 13.0f, 1.0f / 13.0f, 1.0f / 13.0f, 1.0f / 13.0f};
  const auto row3 = [](const std::uint8_t* r, int i, const float* kk) {
    return static_cast<float>(r[i - 3]) * kk[0] + static_cast<float>(r[i]) * kk[1] + static_cast<float>(r[i + 3]) * kk[2];
  };
  for (int y = 1; y < in.height - 1; ++y) {
    const std::uint8_t* above = in.row(y - 1);
    const std::uint8_t* here = in.row(y);
    const std::uint8_t* below = in.row(y + 1);
    std::uint8_t* o = out.row(y);
    for (int i = 3; i < 3 * (in.width - 1); ++i) {
      float ss = 0.5f;
      ss += row3(below, i, &k[0]);
      ss += row3(here, i, &k[3]);
      ss += row3(above, i, &k[6]);
      o[i] = clip8(ss);
    }
  }
  return out;
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

void adjust_sharpness(Image& img, float factor) {
  const Image degenerate = smooth(img);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = blend(degenerate.pixels[i], img.pixels[i], factor);
}

}  // namespace fixres::data
