#include "fixres/data/augment.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "fixres/data/color.h"

namespace fixres::data {
namespace {

// Python's round() to int: half to even.
int round_half_even(double x) { return static_cast<int>(std::nearbyint(x)); }

constexpr int kSimpleCropPadding = 4;

// numpy.pad's 'reflect' index of i in [0, n): reflections about the first and last elements.
int reflect_index(int i, int n) {
  if (n == 1) return 0;
  const int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

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

CropBox draw_padded_crop(int height, int width, int size, Rng& rng) {
  const int h = height + 2 * kSimpleCropPadding, w = width + 2 * kSimpleCropPadding;
  if (h < size || w < size) {
    throw std::invalid_argument("RandomCrop: the padded image " + std::to_string(h) + "x" + std::to_string(w) +
                                " is smaller than the crop " + std::to_string(size));
  }
  if (h == size && w == size) return {0, 0, size, size};
  const int top = static_cast<int>(rng.randint(0, h - size + 1));
  const int left = static_cast<int>(rng.randint(0, w - size + 1));
  return {top, left, size, size};
}

Image reflect_padded_crop(const Image& in, const CropBox& box) {
  Image out(box.height, box.width);
  for (int y = 0; y < box.height; ++y) {
    const std::uint8_t* src = in.row(reflect_index(box.top + y - kSimpleCropPadding, in.height));
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < box.width; ++x) {
      const int sx = reflect_index(box.left + x - kSimpleCropPadding, in.width);
      std::copy(src + 3 * sx, src + 3 * sx + 3, dst + 3 * x);
    }
  }
  return out;
}

}  // namespace fixres::data
