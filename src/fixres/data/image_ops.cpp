#include "fixres/data/image_ops.h"

#include <array>
#include <cstdint>

namespace fixres::data {
namespace {

using Lut = std::array<std::uint8_t, 256>;
using Histogram = std::array<std::int64_t, 256>;

// Image.point(lut) with one table per channel; Pillow clips the table's entries to 0..255.
void apply_luts(Image& img, const std::array<Lut, 3>& luts) {
  const std::size_t n = img.pixels.size();
  for (std::size_t i = 0; i < n; i += 3) {
    img.pixels[i] = luts[0][img.pixels[i]];
    img.pixels[i + 1] = luts[1][img.pixels[i + 1]];
    img.pixels[i + 2] = luts[2][img.pixels[i + 2]];
  }
}

void apply_lut(Image& img, const Lut& lut) { apply_luts(img, {lut, lut, lut}); }

std::array<Histogram, 3> histograms(const Image& img) {
  std::array<Histogram, 3> h{};
  const std::size_t n = img.pixels.size();
  for (std::size_t i = 0; i < n; i += 3) {
    ++h[0][img.pixels[i]];
    ++h[1][img.pixels[i + 1]];
    ++h[2][img.pixels[i + 2]];
  }
  return h;
}

Lut identity_lut() {
  Lut lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(v);
  return lut;
}

std::uint8_t clip8(std::int64_t v) { return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

Lut autocontrast_lut(const Histogram& h) {
  int lo = 0, hi = 255;
  while (lo < 255 && h[static_cast<std::size_t>(lo)] == 0) ++lo;
  while (hi > 0 && h[static_cast<std::size_t>(hi)] == 0) --hi;
  if (hi <= lo) return identity_lut();
  const double scale = 255.0 / (hi - lo);
  const double offset = -lo * scale;
  Lut lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = clip8(static_cast<std::int64_t>(v * scale + offset));
  return lut;
}

Lut equalize_lut(const Histogram& h) {
  std::int64_t total = 0, last = 0, nonzero = 0;
  for (std::int64_t c : h) {
    if (c == 0) continue;
    total += c;
    last = c;
    ++nonzero;
  }
  if (nonzero <= 1) return identity_lut();
  const std::int64_t step = (total - last) / 255;
  if (step == 0) return identity_lut();
  Lut lut{};
  std::int64_t n = step / 2;
  for (int v = 0; v < 256; ++v) {
    lut[static_cast<std::size_t>(v)] = clip8(n / step);
    n += h[static_cast<std::size_t>(v)];
  }
  return lut;
}

}  // namespace

void posterize(Image& img, int bits) {
  const int mask = ~((1 << (8 - bits)) - 1);
  Lut lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(v & mask);
  apply_lut(img, lut);
}

void solarize(Image& img, double threshold) {
  Lut lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(v < threshold ? v : 255 - v);
  apply_lut(img, lut);
}

void autocontrast(Image& img) {
  const auto h = histograms(img);
  apply_luts(img, {autocontrast_lut(h[0]), autocontrast_lut(h[1]), autocontrast_lut(h[2])});
}

void equalize(Image& img) {
  const auto h = histograms(img);
  apply_luts(img, {equalize_lut(h[0]), equalize_lut(h[1]), equalize_lut(h[2])});
}

}  // namespace fixres::data
