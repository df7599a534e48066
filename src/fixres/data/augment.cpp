#include "fixres/data/augment.h"

#include <algorithm>
#include <cmath>

#include "fixres/data/color.h"

namespace fixres::data {
namespace {

// Python's round() to int: half to even.
int round_half_even(double x) { return static_cast<int>(std::nearbyint(x)); }

}  // namespace

CropBox random_resized_crop_box(int height, int width, Rng& rng, std::array<double, 2> scale,
                                std::array<double, 2> ratio) {
  const double area = static_cast<double>(height) * width;
  // torch.log(torch.tensor(ratio)) is float32.
  const float log_lo = std::log(static_cast<float>(ratio[0]));
  const float log_hi = std::log(static_cast<float>(ratio[1]));
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area =
        area * static_cast<double>(rng.uniform_float(static_cast<float>(scale[0]), static_cast<float>(scale[1])));
    const double aspect = static_cast<double>(std::exp(rng.uniform_float(log_lo, log_hi)));
    const int w = round_half_even(std::sqrt(target_area * aspect));
    const int h = round_half_even(std::sqrt(target_area / aspect));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const int i = static_cast<int>(rng.randint(0, height - h + 1));
      const int j = static_cast<int>(rng.randint(0, width - w + 1));
      return {i, j, h, w};
    }
  }
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  const double min_ratio = std::min(ratio[0], ratio[1]), max_ratio = std::max(ratio[0], ratio[1]);
  int w = width, h = height;
  if (in_ratio < min_ratio) {
    h = round_half_even(w / min_ratio);
  } else if (in_ratio > max_ratio) {
    w = round_half_even(h * max_ratio);
  }
  return {(height - h) / 2, (width - w) / 2, h, w};
}

ColorJitterParams draw_color_jitter(Rng& rng, float brightness, float contrast, float saturation) {
  ColorJitterParams p;
  // A uniformly random order of the three ops (Fisher-Yates).
  for (int i = 2; i > 0; --i) std::swap(p.order[i], p.order[static_cast<int>(rng.randint(0, i + 1))]);
  const float strengths[3] = {brightness, contrast, saturation};
  for (int k = 0; k < 3; ++k) {
    if (strengths[k] > 0.0f) p.factors[k] = rng.uniform_float(std::max(0.0f, 1.0f - strengths[k]), 1.0f + strengths[k]);
  }
  return p;
}

void apply_color_jitter(Image& img, const ColorJitterParams& p) {
  for (int op : p.order) {
    const float f = p.factors[op];
    if (f == 1.0f) continue;  // Image.blend with alpha 1 returns the image unchanged
    if (op == 0) adjust_brightness(img, f);
    if (op == 1) adjust_contrast(img, f);
    if (op == 2) adjust_saturation(img, f);
  }
}

ShiftedCrop draw_shifted_crop(int width, int size, Rng& rng) {
  ShiftedCrop s;
  const int j = half_round_even_div2(width - size);
  if (j > 0) s.jitter = static_cast<int>(rng.randint(0, j + 1));
  s.sign = rng.randint(0, 2) == 0 ? 1 : -1;
  return s;
}

Image shifted_center_crop(const Image& in, int size, const ShiftedCrop& shift) {
  // center_crop_new: i, j = round((h - size) / 2), round((w - size) / 2), both half to even
  // (negative when the image is smaller), then crop at j + sign * jitter.
  const auto offset = [](int dim, int crop_dim) {
    const int d = dim - crop_dim;
    return d >= 0 ? half_round_even_div2(d) : -half_round_even_div2(-d);
  };
  const int top = offset(in.height, size);
  const int left = offset(in.width, size) + shift.sign * shift.jitter;
  return crop(in, {top, left, size, size});
}

}  // namespace fixres::data
