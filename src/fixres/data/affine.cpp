// Pillow 9.4's Geometry.c (ImagingTransformAffine, affine_fixed, ImagingScaleAffine), Image.rotate
// and torchvision 0.14's _get_inverse_affine_matrix, operation for operation: the double
// arithmetic is evaluated in the same order, so the sampled coordinates are the same bits.

#include "fixres/data/affine.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fixres::data {
namespace {

constexpr double kPi = 3.141592653589793;
// CPython's math.radians / math.degrees multiply by these.
constexpr double kDegToRad = kPi / 180.0;

// Geometry.c's COORD and FLOOR.
int coord(double v) { return v < 0.0 ? -1 : static_cast<int>(v); }
int floor_int(double v) { return v < 0.0 ? static_cast<int>(std::floor(v)) : static_cast<int>(v); }

void copy_pixel(const Image& in, int yin, int xin, std::uint8_t* out) {
  std::memcpy(out, in.row(yin) + 3 * static_cast<std::size_t>(xin), 3);
}

// ImagingScaleAffine: b == d == 0, double arithmetic over a pretabulated column map.
Image scale_affine(const Image& in, const AffineMatrix& a) {
  Image out(in.height, in.width);
  std::vector<int> xintab(static_cast<std::size_t>(out.width), 0);
  double xo = a[2] + a[0] * 0.5;
  double yo = a[5] + a[4] * 0.5;
  int xmin = out.width, xmax = 0;
  for (int x = 0; x < out.width; ++x) {
    const int xin = coord(xo);
    if (xin >= 0 && xin < in.width) {
      xmax = x + 1;
      if (x < xmin) xmin = x;
      xintab[static_cast<std::size_t>(x)] = xin;
    }
    xo += a[0];
  }
  for (int y = 0; y < out.height; ++y) {
    const int yi = coord(yo);
    if (yi >= 0 && yi < in.height) {
      for (int x = xmin; x < xmax; ++x) copy_pixel(in, yi, xintab[static_cast<std::size_t>(x)], out.row(y) + 3 * x);
    }
    yo += a[4];
  }
  return out;
}

bool fits_fixed(const AffineMatrix& a, int x, int y) {
  return std::fabs(x * a[0] + y * a[1] + a[2]) < 32768.0 && std::fabs(x * a[3] + y * a[4] + a[5]) < 32768.0;
}

// affine_fixed: 16.16 fixed point.
Image affine_fixed(const Image& in, const AffineMatrix& a) {
  Image out(in.height, in.width);
  const auto fix = [](double v) { return floor_int(v * 65536.0 + 0.5); };
  const int a0 = fix(a[0]), a1 = fix(a[1]), a3 = fix(a[3]), a4 = fix(a[4]);
  int a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
  int a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
  for (int y = 0; y < out.height; ++y) {
    int xx = a2, yy = a5;
    std::uint8_t* row = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      const int xin = xx >> 16;
      if (xin >= 0 && xin < in.width) {
        const int yin = yy >> 16;
        if (yin >= 0 && yin < in.height) copy_pixel(in, yin, xin, row + 3 * x);
      }
      xx += a0;
      yy += a3;
    }
    a2 += a1;
    a5 += a4;
  }
  return out;
}

// The floating-point fallback of ImagingTransformAffine (coordinates beyond 16.16's range).
Image affine_double(const Image& in, const AffineMatrix& a) {
  Image out(in.height, in.width);
  double xo = a[2] + a[1] * 0.5 + a[0] * 0.5;
  double yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
  for (int y = 0; y < out.height; ++y) {
    double xx = xo, yy = yo;
    std::uint8_t* row = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      const int xin = coord(xx);
      if (xin >= 0 && xin < in.width) {
        const int yin = coord(yy);
        if (yin >= 0 && yin < in.height) copy_pixel(in, yin, xin, row + 3 * x);
      }
      xx += a[0];
      yy += a[3];
    }
    xo += a[1];
    yo += a[4];
  }
  return out;
}

// Python's round(v, 15): the correctly rounded 15-decimal value (glibc's printf rounds the exact
// binary value half to even, as CPython's dtoa does).
double round15(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.15f", v);
  return std::strtod(text, nullptr);
}

enum class Turn { Quarter, Half, ThreeQuarters };

// Image.transpose(ROTATE_90 / ROTATE_180 / ROTATE_270) (counter-clockwise turns).
Image transpose(const Image& in, Turn turn) {
  const bool swap = turn != Turn::Half;
  Image out(swap ? in.width : in.height, swap ? in.height : in.width);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sy = 0, sx = 0;
      if (turn == Turn::Quarter) sy = x, sx = in.width - 1 - y;
      if (turn == Turn::Half) sy = in.height - 1 - y, sx = in.width - 1 - x;
      if (turn == Turn::ThreeQuarters) sy = in.height - 1 - x, sx = y;
      copy_pixel(in, sy, sx, out.row(y) + 3 * x);
    }
  }
  return out;
}

}  // namespace

Image affine_nearest(const Image& in, const AffineMatrix& a) {
  if (a[1] == 0 && a[3] == 0) return scale_affine(in, a);
  const int w = in.width, h = in.height;
  if (fits_fixed(a, 0, 0) && fits_fixed(a, w, h) && fits_fixed(a, 0, h) && fits_fixed(a, w, 0)) {
    return affine_fixed(in, a);
  }
  return affine_double(in, a);
}

AffineMatrix inverse_affine_matrix(const std::array<double, 2>& center, const AffineParams& p) {
  const double rot = p.angle * kDegToRad;
  const double sx = p.shear[0] * kDegToRad;
  const double sy = p.shear[1] * kDegToRad;
  const double cx = center[0], cy = center[1];
  const double tx = p.translate[0], ty = p.translate[1];
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  AffineMatrix m{d, -b, 0.0, -c, a, 0.0};
  for (double& v : m) v /= p.scale;
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

Image affine(const Image& in, const AffineParams& p) {
  const std::array<double, 2> center = p.center.value_or(std::array<double, 2>{in.width * 0.5, in.height * 0.5});
  return affine_nearest(in, inverse_affine_matrix(center, p));
}

Image rotate(const Image& in, double angle) {
  angle = std::fmod(angle, 360.0);  // Python's angle % 360.0: the sign of the divisor
  if (angle < 0.0) angle += 360.0;
  if (angle == 0.0) return in;
  if (angle == 180.0) return transpose(in, Turn::Half);
  if ((angle == 90.0 || angle == 270.0) && in.width == in.height) {
    return transpose(in, angle == 90.0 ? Turn::Quarter : Turn::ThreeQuarters);
  }
  const double cx = in.width / 2.0, cy = in.height / 2.0;
  const double r = -(angle * kDegToRad);
  AffineMatrix m{round15(std::cos(r)), round15(std::sin(r)), 0.0, round15(-std::sin(r)), round15(std::cos(r)), 0.0};
  // transform(-cx, -cy, matrix): a * x + b * y + c
  const double c = m[0] * -cx + m[1] * -cy + m[2];
  const double f = m[3] * -cx + m[4] * -cy + m[5];
  m[2] = c + cx;
  m[5] = f + cy;
  return affine_nearest(in, m);
}

}  // namespace fixres::data
