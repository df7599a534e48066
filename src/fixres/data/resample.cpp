// A port of the arithmetic of Pillow 9.4's libImaging/Resample.c (bilinear filter, 8 bits per
// channel). The order of operations in the coefficient computation is kept exactly, since the
// double results are rounded to fixed point.

#include "fixres/data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fixres::data {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

// Fixed-point coefficients of output positions [first, first + count) along one axis.
struct Coefficients {
  int ksize = 0;
  std::vector<int> min;          // first input index used, per output position
  std::vector<int> taps;         // number of input indices used
  std::vector<std::int32_t> k;   // ksize per output position
};

Coefficients precompute(int in_size, int out_size, int first, int count) {
  // Resample.c precompute_coeffs() with box (0, in_size).
  const double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.min.resize(count);
  c.taps.resize(count);
  c.k.assign(static_cast<std::size_t>(count) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int i = 0; i < count; ++i) {
    const int xx = first + i;
    const double center = 0.0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; ++x) {
      const double v = bilinear_filter((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) w[x] /= ww;
    }
    // normalize_coeffs_8bpc()
    std::int32_t* k = &c.k[static_cast<std::size_t>(i) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      k[x] = w[x] < 0 ? static_cast<std::int32_t>(-0.5 + w[x] * (1 << kPrecisionBits))
                      : static_cast<std::int32_t>(0.5 + w[x] * (1 << kPrecisionBits));
    }
    c.min[i] = xmin;
    c.taps[i] = xmax;
  }
  return c;
}

inline std::uint8_t clip8(std::int32_t v) {
  v >>= kPrecisionBits;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Rows [row0, row0 + rows) of `in`, columns resampled to the coefficient window.
Image horizontal_pass(const Image& in, int row0, int rows, const Coefficients& c) {
  const int out_w = static_cast<int>(c.min.size());
  Image out(rows, out_w);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* src = in.row(row0 + y);
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < out_w; ++x) {
      const std::int32_t* k = &c.k[static_cast<std::size_t>(x) * c.ksize];
      const std::uint8_t* p = src + 3 * c.min[x];
      std::int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int t = 0; t < c.taps[x]; ++t, p += 3) {
        s0 += p[0] * k[t];
        s1 += p[1] * k[t];
        s2 += p[2] * k[t];
      }
      dst[3 * x] = clip8(s0);
      dst[3 * x + 1] = clip8(s1);
      dst[3 * x + 2] = clip8(s2);
    }
  }
  return out;
}

// Output rows from `in` (whose row 0 is input row `row_offset`), columns [col0, col0 + cols).
Image vertical_pass(const Image& in, int row_offset, int col0, int cols, const Coefficients& c) {
  const int out_h = static_cast<int>(c.min.size());
  Image out(out_h, cols);
  const std::size_t n = static_cast<std::size_t>(cols) * 3;
  std::vector<std::int32_t> acc(n);
  for (int y = 0; y < out_h; ++y) {
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const std::int32_t* k = &c.k[static_cast<std::size_t>(y) * c.ksize];
    for (int t = 0; t < c.taps[y]; ++t) {
      const std::uint8_t* src = in.row(c.min[y] + t - row_offset) + 3 * static_cast<std::size_t>(col0);
      const std::int32_t kt = k[t];
      for (std::size_t i = 0; i < n; ++i) acc[i] += src[i] * kt;
    }
    std::uint8_t* dst = out.row(y);
    for (std::size_t i = 0; i < n; ++i) dst[i] = clip8(acc[i]);
  }
  return out;
}

Image copy_window(const Image& in, int top, int left, int h, int w) {
  Image out(h, w);
  for (int y = 0; y < h; ++y) {
    std::copy_n(in.row(top + y) + 3 * static_cast<std::size_t>(left), out.row_bytes(), out.row(y));
  }
  return out;
}

}  // namespace

Image resize_bilinear_window(const Image& in, int out_height, int out_width, int top, int left,
                             int window_height, int window_width) {
  if (in.empty() || out_height <= 0 || out_width <= 0) {
    throw std::invalid_argument("resize_bilinear: empty input or output (input " + std::to_string(in.height) +
                                "x" + std::to_string(in.width) + ", output " + std::to_string(out_height) + "x" +
                                std::to_string(out_width) + ")");
  }
  if (top < 0 || left < 0 || window_height <= 0 || window_width <= 0 || top + window_height > out_height ||
      left + window_width > out_width) {
    throw std::invalid_argument("resize_bilinear: window outside the " + std::to_string(out_height) + "x" +
                                std::to_string(out_width) + " output");
  }
  const bool need_horizontal = out_width != in.width;
  const bool need_vertical = out_height != in.height;
  if (!need_horizontal && !need_vertical) return copy_window(in, top, left, window_height, window_width);
  if (!need_vertical) {
    return horizontal_pass(in, top, window_height, precompute(in.width, out_width, left, window_width));
  }
  const Coefficients vert = precompute(in.height, out_height, top, window_height);
  if (!need_horizontal) return vertical_pass(in, 0, left, window_width, vert);
  // Input rows the vertical pass reads (Resample.c's ybox_first/ybox_last, for the window).
  const int first_row = vert.min.front();
  const int last_row = vert.min.back() + vert.taps.back();
  const Image temp =
      horizontal_pass(in, first_row, last_row - first_row, precompute(in.width, out_width, left, window_width));
  return vertical_pass(temp, first_row, 0, window_width, vert);
}

Image resize_bilinear(const Image& in, int out_height, int out_width) {
  return resize_bilinear_window(in, out_height, out_width, 0, 0, out_height, out_width);
}

}  // namespace fixres::data
