#include "fixres/data/normalize.h"

#include <cstddef>

namespace fixres::data {

void to_tensor_normalize(const Image& img, const Normalization& norm, float* out, Layout layout) {
  // 3 x 256 table of every possible value; each entry computed with torchvision's float32 ops.
  float lut[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float scaled = static_cast<float>(v) / 255.0f;
      const float centred = scaled - norm.mean[c];
      lut[c][v] = centred / norm.std[c];
    }
  }
  const std::size_t n = static_cast<std::size_t>(img.height) * img.width;
  const std::uint8_t* p = img.pixels.data();
  if (layout == Layout::HWC) {
    for (std::size_t i = 0; i < n; ++i, p += 3, out += 3) {
      out[0] = lut[0][p[0]];
      out[1] = lut[1][p[1]];
      out[2] = lut[2][p[2]];
    }
    return;
  }
  float* r = out;
  float* g = out + n;
  float* b = out + 2 * n;
  for (std::size_t i = 0; i < n; ++i, p += 3) {
    r[i] = lut[0][p[0]];
    g[i] = lut[1][p[1]];
    b[i] = lut[2][p[2]];
  }
}

}  // namespace fixres::data
