// A port of the arithmetic of Pillow 9.4's libImaging/Resample.c (bilinear and bicubic filters, 8
// bits per channel). The order of operations in the coefficient computation is kept exactly, since the
// double results are rounded to fixed point.

#include "fixres/data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FIXRES_RESAMPLE_AVX2 1
#endif

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

// The horizontal coefficients laid out with one tap count for every output pixel, the largest:
// a pixel with fewer taps gets zero coefficients, its window moved left where it would run past
// the last input column. Zero terms change no sum, and the loop then has no data-dependent
// branch (tap counts alternating between 3 and 4 mispredicted about every other pixel).
struct UniformTaps {
  int taps = 0;                 // 0: the input is narrower than the widest window
  std::vector<int> start;       // first input column, relative to the input image's column 0
  std::vector<std::int32_t> k;  // taps per output pixel
};

UniformTaps uniform_taps(const Coefficients& c, int col_offset, int in_width) {
  UniformTaps u;
  const int n = static_cast<int>(c.min.size());
  const int taps = *std::max_element(c.taps.begin(), c.taps.end());
  if (taps > in_width) return u;
  u.taps = taps;
  u.start.resize(n);
  u.k.assign(static_cast<std::size_t>(n) * taps, 0);
  for (int x = 0; x < n; ++x) {
    const int first = c.min[x] - col_offset;
    const int start = std::min(first, in_width - taps);
    u.start[x] = start;
    std::copy_n(&c.k[static_cast<std::size_t>(x) * c.ksize], c.taps[x], &u.k[static_cast<std::size_t>(x) * taps + (first - start)]);
  }
  return u;
}

template <int Taps>
void filter_row(const std::uint8_t* src, const UniformTaps& u, int first, int end, std::uint8_t* dst) {
  const std::int32_t* k = u.k.data() + static_cast<std::size_t>(first) * u.taps;
  for (int x = first; x < end; ++x, k += u.taps) {
    filter_pixel<Taps>(src + 3 * static_cast<std::size_t>(u.start[x]), k, u.taps, dst + 3 * x);
  }
}

#ifdef FIXRES_RESAMPLE_AVX2
// Two output pixels per 256-bit vector, one in each half: per tap, the tap's input pixel of each
// (4 bytes read: R, G, B and one byte of the next pixel, whose coefficient lane is unused) is
// widened to 4 int32 and multiplied by the tap's coefficient; the sums are shifted and clipped
// like clip8 (the saturating packs clip to 0..255). Integer sums: exactly Pillow's values.
// Reads one byte past the last input pixel a window touches: the caller keeps that inside the
// buffer. Returns the first pixel it did not compute (pairs only).
__attribute__((target("avx2"))) int filter_row_avx2(const std::uint8_t* src, const UniformTaps& u, int end,
                                                    std::uint8_t* dst) {
  const int taps = u.taps;
  const __m256i half = _mm256_set1_epi32(1 << (kPrecisionBits - 1));
  int x = 0;
  for (; x + 1 < end; x += 2) {
    const std::uint8_t* p0 = src + 3 * static_cast<std::size_t>(u.start[x]);
    const std::uint8_t* p1 = src + 3 * static_cast<std::size_t>(u.start[x + 1]);
    const std::int32_t* k0 = &u.k[static_cast<std::size_t>(x) * taps];
    const std::int32_t* k1 = k0 + taps;
    __m256i acc = half;
    for (int t = 0; t < taps; ++t) {
      std::uint32_t a, b;
      std::memcpy(&a, p0 + 3 * t, 4);
      std::memcpy(&b, p1 + 3 * t, 4);
      const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(a | (std::uint64_t{b} << 32)));
      const __m256i v = _mm256_cvtepu8_epi32(bytes);
      const __m256i kv = _mm256_setr_m128i(_mm_set1_epi32(k0[t]), _mm_set1_epi32(k1[t]));
      acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(v, kv));
    }
    acc = _mm256_srai_epi32(acc, kPrecisionBits);
    const __m256i packed = _mm256_packus_epi16(_mm256_packs_epi32(acc, acc), _mm256_setzero_si256());
    const std::uint32_t lo = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm256_castsi256_si128(packed)));
    const std::uint32_t hi = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm256_extracti128_si256(packed, 1)));
    std::memcpy(dst + 3 * x, &lo, 3);
    std::memcpy(dst + 3 * x + 3, &hi, 3);
  }
  return x;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// One output row of the horizontal pass; `row_end` is one past the last byte of the buffer the
// source row belongs to (the vector kernel reads a byte beyond a pixel).
void filter_row_any(const std::uint8_t* src, const std::uint8_t* row_end, const UniformTaps& u, std::uint8_t* dst) {
  const int n = static_cast<int>(u.start.size());
  int done = 0;
#ifdef FIXRES_RESAMPLE_AVX2
  if (cpu_has_avx2()) {
    // Pixels whose window reaches the buffer's last byte are left to the scalar loop.
    int end = n;
    while (end > 0 && src + 3 * static_cast<std::size_t>(u.start[end - 1] + u.taps) >= row_end) --end;
    done = filter_row_avx2(src, u, end, dst);
  }
#endif
  switch (u.taps) {  // the common tap counts unrolled at compile time
    case 2: filter_row<2>(src, u, done, n, dst); break;
    case 3: filter_row<3>(src, u, done, n, dst); break;
    case 4: filter_row<4>(src, u, done, n, dst); break;
    case 5: filter_row<5>(src, u, done, n, dst); break;
    default: filter_row<0>(src, u, done, n, dst); break;
  }
}

// Rows [row0, row0 + rows) of `in` (whose column 0 is input column `col_offset`), resampled
// horizontally to the coefficient window: Pillow's per-pixel loop, vectorised two pixels at a
// time (measured faster here than vectorising across rows, which needs the image transposed).
Image horizontal_pass(const Image& in, int row0, int rows, int col_offset, const Coefficients& c) {
  const int out_w = static_cast<int>(c.min.size());
  Image out = Image::uninitialized(rows, out_w);
  const UniformTaps u = uniform_taps(c, col_offset, in.width);
  const std::uint8_t* buffer_end = in.pixels.data() + in.pixels.size();
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* src = in.row(row0 + y);
    std::uint8_t* dst = out.row(y);
    if (u.taps > 0) {
      filter_row_any(src, buffer_end, u, dst);
      continue;
    }
    // An input narrower than a window: Pillow's loop as it is.
    for (int x = 0; x < out_w; ++x) {
      filter_pixel<0>(src + 3 * static_cast<std::size_t>(c.min[x] - col_offset), &c.k[static_cast<std::size_t>(x) * c.ksize],
                      c.taps[x], dst + 3 * x);
    }
  }
  return out;
}

// Output lines from the lines of `in` (line 0 is input line `line_offset`), each line restricted
// to [col0, col0 + cols) pixels.
Image filter_lines(const Image& in, int line_offset, int col0, int cols, const Coefficients& c) {
  const int out_lines = static_cast<int>(c.min.size());
  Image out = Image::uninitialized(out_lines, cols);
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
  Image out = Image::uninitialized(h, w);
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

Image resized_crop(const ImageView& view, const CropBox& box, int size) {
  const Image& in = *view.image;
  if (box.height <= 0 || box.width <= 0 || box.top < view.top || box.left < view.left ||
      box.top + box.height > view.top + in.height || box.left + box.width > view.left + in.width) {
    throw std::invalid_argument("resized_crop: the crop box is not inside the decoded part");
  }
  // The part in the box's coordinates: it starts (view.top - box.top, view.left - box.left).
  const ImageView crop_view{&in, view.top - box.top, view.left - box.left, box.height, box.width};
  return resize_window(crop_view, size, size, {0, 0, size, size});
}

Image resize(const Image& in, int out_height, int out_width, Interpolation interpolation) {
  return resize_window(in, out_height, out_width, {0, 0, out_height, out_width}, interpolation);
}

}  // namespace fixres::data
