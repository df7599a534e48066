// A port of the arithmetic of Pillow 9.4's libImaging/Resample.c (bilinear and bicubic filters, 8
// bits per channel). The order of operations in the coefficient computation is kept exactly, since the
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

// Resample.c bicubic_filter: Keys' cubic convolution with a = -0.5, written as Pillow writes it
// (the double results are rounded to fixed point, so the operation order matters).
double bicubic_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Resample.c's struct filter: the kernel and its support at scale 1.
struct Filter {
  double (*kernel)(double);
  double support;
};

Filter filter_of(Interpolation interpolation) {
  return interpolation == Interpolation::Bicubic ? Filter{bicubic_filter, 2.0} : Filter{bilinear_filter, 1.0};
}

// Fixed-point coefficients of output positions [first, first + count) along one axis.
struct Coefficients {
  int ksize = 0;
  std::vector<int> min;          // first input index used, per output position
  std::vector<int> taps;         // number of input indices used
  std::vector<std::int32_t> k;   // ksize per output position
};

Coefficients precompute(int in_size, int out_size, int first, int count, const Filter& filter) {
  // Resample.c precompute_coeffs() with box (0, in_size).
  const double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = filter.support * filterscale;
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
      const double v = filter.kernel((x + xmin - center + 0.5) * ss);
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

// dst[i] = clip8(1/2 + sum_t src(first + t)[i] * k[t]) for i < n, where src(r) = base + r * stride:
// one output line of a pass, accumulated line by line so that it vectorises. Integer sums do not
// depend on their order, so this equals Pillow's per-pixel loop exactly. Built for AVX2 too and
// chosen at run time (the baseline x86-64 build has no 32-bit vector multiply).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void filter_line(const std::uint8_t* base, std::size_t stride, int first, int taps, const std::int32_t* k,
                 std::size_t n, std::int32_t* acc, std::uint8_t* dst) {
  for (std::size_t i = 0; i < n; ++i) acc[i] = 1 << (kPrecisionBits - 1);
  for (int t = 0; t < taps; ++t) {
    const std::uint8_t* src = base + static_cast<std::size_t>(first + t) * stride;
    const std::int32_t kt = k[t];
    for (std::size_t i = 0; i < n; ++i) acc[i] += src[i] * kt;
  }
  for (std::size_t i = 0; i < n; ++i) dst[i] = clip8(acc[i]);
}

// One RGB output pixel of the horizontal pass from `taps` input pixels at `p` (Pillow's loop);
// Taps > 0 fixes the count at compile time.
template <int Taps>
inline void filter_pixel(const std::uint8_t* p, const std::int32_t* k, int taps, std::uint8_t* dst) {
  std::int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
  const int n = Taps > 0 ? Taps : taps;
  for (int t = 0; t < n; ++t, p += 3) {
    s0 += p[0] * k[t];
    s1 += p[1] * k[t];
    s2 += p[2] * k[t];
  }
  dst[0] = clip8(s0);
  dst[1] = clip8(s1);
  dst[2] = clip8(s2);
}

// Rows [row0, row0 + rows) of `in` (whose column 0 is input column `col_offset`), resampled
// horizontally to the coefficient window: Pillow's per-pixel loop (measured faster here than
// vectorising across rows, which needs the image transposed).
Image horizontal_pass(const Image& in, int row0, int rows, int col_offset, const Coefficients& c) {
  const int out_w = static_cast<int>(c.min.size());
  Image out(rows, out_w);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* src = in.row(row0 + y);
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < out_w; ++x) {
      const std::int32_t* k = &c.k[static_cast<std::size_t>(x) * c.ksize];
      const std::uint8_t* p = src + 3 * static_cast<std::size_t>(c.min[x] - col_offset);
      // The common tap counts (2-3: bilinear enlarging, 4-5: bicubic) unrolled at compile time.
      switch (c.taps[x]) {
        case 2: filter_pixel<2>(p, k, 2, dst + 3 * x); break;
        case 3: filter_pixel<3>(p, k, 3, dst + 3 * x); break;
        case 4: filter_pixel<4>(p, k, 4, dst + 3 * x); break;
        case 5: filter_pixel<5>(p, k, 5, dst + 3 * x); break;
        default: filter_pixel<0>(p, k, c.taps[x], dst + 3 * x); break;
      }
    }
  }
  return out;
}

// Output lines from the lines of `in` (line 0 is input line `line_offset`), each line restricted
// to [col0, col0 + cols) pixels.
Image filter_lines(const Image& in, int line_offset, int col0, int cols, const Coefficients& c) {
  const int out_lines = static_cast<int>(c.min.size());
  Image out(out_lines, cols);
  const std::size_t n = static_cast<std::size_t>(cols) * 3;
  std::vector<std::int32_t> acc(n);
  const std::uint8_t* base = in.pixels.data() + 3 * static_cast<std::size_t>(col0);
  for (int y = 0; y < out_lines; ++y) {
    filter_line(base, in.row_bytes(), c.min[y] - line_offset, c.taps[y], &c.k[static_cast<std::size_t>(y) * c.ksize], n,
                acc.data(), out.row(y));
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

std::string size_text(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }

void check_window(int in_height, int in_width, int out_height, int out_width, const CropBox& w) {
  if (in_height <= 0 || in_width <= 0 || out_height <= 0 || out_width <= 0) {
    throw std::invalid_argument("resize: empty input or output (input " + size_text(in_height, in_width) +
                                ", output " + size_text(out_height, out_width) + ")");
  }
  if (w.top < 0 || w.left < 0 || w.height <= 0 || w.width <= 0 || w.top + w.height > out_height ||
      w.left + w.width > out_width) {
    throw std::invalid_argument("resize: window outside the " + size_text(out_height, out_width) + " output");
  }
}

}  // namespace

CropBox resize_source_box(int in_height, int in_width, int out_height, int out_width, const CropBox& window,
                          Interpolation interpolation) {
  const Filter filter = filter_of(interpolation);
  check_window(in_height, in_width, out_height, out_width, window);
  CropBox box{window.top, window.left, window.height, window.width};
  if (out_height != in_height) {
    const Coefficients v = precompute(in_height, out_height, window.top, window.height, filter);
    box.top = v.min.front();
    box.height = v.min.back() + v.taps.back() - box.top;
  }
  if (out_width != in_width) {
    const Coefficients h = precompute(in_width, out_width, window.left, window.width, filter);
    box.left = h.min.front();
    box.width = h.min.back() + h.taps.back() - box.left;
  }
  return box;
}

Image resize_window(const ImageView& view, int out_height, int out_width, const CropBox& window,
                    Interpolation interpolation) {
  const Image& in = *view.image;
  const Filter filter = filter_of(interpolation);
  const CropBox need = resize_source_box(view.full_height, view.full_width, out_height, out_width, window, interpolation);
  if (need.top < view.top || need.left < view.left || need.top + need.height > view.top + in.height ||
      need.left + need.width > view.left + in.width) {
    throw std::invalid_argument("resize: the partial image does not hold the pixels the window reads");
  }
  const bool need_horizontal = out_width != view.full_width;
  const bool need_vertical = out_height != view.full_height;
  if (!need_horizontal && !need_vertical) {
    return copy_window(in, window.top - view.top, window.left - view.left, window.height, window.width);
  }
  if (!need_vertical) {
    const Coefficients horiz = precompute(view.full_width, out_width, window.left, window.width, filter);
    return horizontal_pass(in, window.top - view.top, window.height, view.left, horiz);
  }
  const Coefficients vert = precompute(view.full_height, out_height, window.top, window.height, filter);
  if (!need_horizontal) return filter_lines(in, view.top, window.left - view.left, window.width, vert);
  // Input rows the vertical pass reads (Resample.c's ybox_first/ybox_last, for the window).
  const int first_row = vert.min.front();
  const int last_row = vert.min.back() + vert.taps.back();
  const Coefficients horiz = precompute(view.full_width, out_width, window.left, window.width, filter);
  const Image temp = horizontal_pass(in, first_row - view.top, last_row - first_row, view.left, horiz);
  return filter_lines(temp, first_row, 0, window.width, vert);
}

Image resize_window(const Image& in, int out_height, int out_width, const CropBox& window, Interpolation interpolation) {
  check_window(in.height, in.width, out_height, out_width, window);
  return resize_window(ImageView{&in, 0, 0, in.height, in.width}, out_height, out_width, window, interpolation);
}

Image resize(const Image& in, int out_height, int out_width, Interpolation interpolation) {
  return resize_window(in, out_height, out_width, {0, 0, out_height, out_width}, interpolation);
}

}  // namespace fixres::data
