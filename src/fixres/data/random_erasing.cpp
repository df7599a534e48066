#include "fixres/data/random_erasing.h"

#include <cmath>

namespace fixres::data {

std::optional<EraseBox> draw_erase_box(int height, int width, double probability, Rng& rng) {
  if (probability <= 0.0 || rng.uniform() >= probability) return std::nullopt;
  const double area = static_cast<double>(height) * width;
  const double log_lo = std::log(0.3), log_hi = std::log(1.0 / 0.3);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = (0.02 + (1.0 / 3.0 - 0.02) * rng.uniform()) * area;
    const double ratio = std::exp(log_lo + (log_hi - log_lo) * rng.uniform());
    const int h = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int w = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w < width && h < height) {
      EraseBox box;
      box.height = h;
      box.width = w;
      box.top = static_cast<int>(rng.randint(0, height - h + 1));
      box.left = static_cast<int>(rng.randint(0, width - w + 1));
      return box;
    }
  }
  return std::nullopt;
}

void erase_box(float* out, int size, Layout layout, const EraseBox& box, Rng& rng) {
  const double two_pi = 2.0 * std::acos(-1.0);
  auto normal = [&rng, two_pi] {  // Box–Muller
    const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2));
  };
  const std::size_t plane = static_cast<std::size_t>(size) * size;
  for (int c = 0; c < 3; ++c) {
    for (int y = box.top; y < box.top + box.height; ++y) {
      for (int x = box.left; x < box.left + box.width; ++x) {
        const std::size_t pixel = static_cast<std::size_t>(y) * size + x;
        out[layout == Layout::CHW ? c * plane + pixel : pixel * 3 + c] = normal();
      }
    }
  }
}

}  // namespace fixres::data
