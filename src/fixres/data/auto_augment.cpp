#include "fixres/data/auto_augment.h"

#include <cmath>
#include <stdexcept>

#include "fixres/data/affine.h"
#include "fixres/data/color.h"
#include "fixres/data/image_ops.h"

namespace fixres::data {
namespace {

constexpr const char* kNames[kAugmentOpCount] = {"Identity",   "ShearX",    "ShearY",     "TranslateX", "TranslateY",
                                                 "Rotate",     "Brightness", "Color",     "Contrast",   "Sharpness",
                                                 "Posterize",  "Solarize",  "AutoContrast", "Equalize"};

// CPython's math.degrees multiplies by 180 / pi.
constexpr double kRadToDeg = 180.0 / 3.141592653589793;

// torch.linspace(start, end, steps) in float32 as Debian's torch 1.13 computes it on the CPU (its
// AVX2 kernel, the capability it dispatches to on the machines seen): step = (end - start) /
// (steps - 1); value i = start + step * i below steps / 2, end - step * (steps - 1 - i) above,
// each one fused multiply-add (the kernel is built with FMA contraction); the head, in blocks of
// 2 x 8, starts each block of 8 that way and adds step * j (rounded) for its j-th element.
std::vector<float> linspace(float start, float end, int steps) {
  std::vector<float> v(static_cast<std::size_t>(steps), start);
  if (steps <= 1) return v;
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int halfway = steps / 2;
  const auto at = [&](int i) {
    return i < halfway ? std::fma(step, static_cast<float>(i), start)
                       : std::fma(-step, static_cast<float>(steps - i - 1), end);
  };
  constexpr int kLanes = 8;
  int i = 0;
  for (; i + 2 * kLanes <= steps; i += 2 * kLanes) {
    for (int block = i; block < i + 2 * kLanes; block += kLanes) {
      const float base = at(block);
      for (int j = 0; j < kLanes; ++j) {
        const float offset = static_cast<float>(j) * step;  // rounded, then added: not fused
        v[static_cast<std::size_t>(block + j)] = base + offset;
      }
    }
  }
  for (; i < steps; ++i) v[static_cast<std::size_t>(i)] = at(i);
  return v;
}

// 8 - (torch.arange(num_bins) / ((num_bins - 1) / levels)).round().int(): float32 division,
// rounding half to even.
std::vector<float> posterize_bits(int num_bins, double levels) {
  const float divisor = static_cast<float>((num_bins - 1) / levels);
  std::vector<float> v(static_cast<std::size_t>(num_bins));
  for (int i = 0; i < num_bins; ++i) {
    v[static_cast<std::size_t>(i)] = static_cast<float>(8 - static_cast<int>(std::nearbyint(static_cast<float>(i) / divisor)));
  }
  return v;
}

Image shear(const Image& in, double magnitude, int axis) {
  AffineParams p;
  p.shear[static_cast<std::size_t>(axis)] = std::atan(magnitude) * kRadToDeg;
  p.center = std::array<double, 2>{0.0, 0.0};
  return affine(in, p);
}

Image translate(const Image& in, double magnitude, int axis) {
  AffineParams p;
  p.translate[static_cast<std::size_t>(axis)] = static_cast<double>(static_cast<long long>(magnitude));  // int()
  return affine(in, p);
}

// ImageEnhance's factor: 1.0 + magnitude in double, then Pillow's float alpha.
float enhance_factor(double magnitude) { return static_cast<float>(1.0 + magnitude); }

int draw_below(Rng& rng, int n) { return static_cast<int>(rng.randint(0, n)); }

}  // namespace

const char* augment_op_name(AugmentOp op) { return kNames[static_cast<int>(op)]; }

std::optional<AugmentOp> augment_op_from_name(const std::string& name) {
  for (int i = 0; i < kAugmentOpCount; ++i) {
    if (name == kNames[i]) return static_cast<AugmentOp>(i);
  }
  return std::nullopt;
}

Image apply_augment_op(const Image& in, AugmentOp op, double magnitude) {
  Image out = in;
  switch (op) {
    case AugmentOp::Identity: return out;
    case AugmentOp::ShearX: return shear(in, magnitude, 0);
    case AugmentOp::ShearY: return shear(in, magnitude, 1);
    case AugmentOp::TranslateX: return translate(in, magnitude, 0);
    case AugmentOp::TranslateY: return translate(in, magnitude, 1);
    case AugmentOp::Rotate: return rotate(in, magnitude);
    case AugmentOp::Brightness: adjust_brightness(out, enhance_factor(magnitude)); return out;
    case AugmentOp::Color: adjust_saturation(out, enhance_factor(magnitude)); return out;
    case AugmentOp::Contrast: adjust_contrast(out, enhance_factor(magnitude)); return out;
    case AugmentOp::Sharpness: adjust_sharpness(out, enhance_factor(magnitude)); return out;
    case AugmentOp::Posterize: posterize(out, static_cast<int>(magnitude)); return out;
    case AugmentOp::Solarize: solarize(out, magnitude); return out;
    case AugmentOp::AutoContrast: autocontrast(out); return out;
    case AugmentOp::Equalize: equalize(out); return out;
  }
  throw std::logic_error("apply_augment_op: unknown operation");
}

OpMagnitudes augment_magnitudes(AutoAugmentKind kind, AugmentOp op, int num_bins, int height, int width) {
  const bool wide = kind == AutoAugmentKind::TrivialAugmentWide;
  const float shear_max = wide ? 0.99f : 0.3f, enhance_max = wide ? 0.99f : 0.9f;
  switch (op) {
    case AugmentOp::Identity:
    case AugmentOp::AutoContrast:
    case AugmentOp::Equalize: return {};
    case AugmentOp::ShearX:
    case AugmentOp::ShearY: return {linspace(0.0f, shear_max, num_bins), true};
    case AugmentOp::TranslateX:
    case AugmentOp::TranslateY: {
      const int extent = op == AugmentOp::TranslateX ? width : height;
      const float end = wide ? 32.0f : static_cast<float>(150.0 / 331.0 * extent);
      return {linspace(0.0f, end, num_bins), true};
    }
    case AugmentOp::Rotate: return {linspace(0.0f, wide ? 135.0f : 30.0f, num_bins), true};
    case AugmentOp::Brightness:
    case AugmentOp::Color:
    case AugmentOp::Contrast:
    case AugmentOp::Sharpness: return {linspace(0.0f, enhance_max, num_bins), true};
    case AugmentOp::Posterize: return {posterize_bits(num_bins, wide ? 6.0 : 4.0), false};
    case AugmentOp::Solarize: return {linspace(255.0f, 0.0f, num_bins), false};
  }
  throw std::logic_error("augment_magnitudes: unknown operation");
}

Image auto_augment(const Image& in, const AutoAugmentSpec& spec, Rng& rng) {
  if (!spec.enabled()) return in;
  const bool wide = spec.kind == AutoAugmentKind::TrivialAugmentWide;
  const int ops = wide ? 1 : spec.num_ops;
  Image img = in;
  for (int k = 0; k < ops; ++k) {
    const auto op = static_cast<AugmentOp>(draw_below(rng, kAugmentOpCount));
    const OpMagnitudes m = augment_magnitudes(spec.kind, op, spec.num_bins, img.height, img.width);
    double magnitude = 0.0;
    if (!m.values.empty()) {
      const int bin = wide ? draw_below(rng, static_cast<int>(m.values.size())) : spec.magnitude;
      magnitude = static_cast<double>(m.values.at(static_cast<std::size_t>(bin)));
    }
    if (m.is_signed && draw_below(rng, 2) == 1) magnitude = -magnitude;
    img = apply_augment_op(img, op, magnitude);
  }
  return img;
}

}  // namespace fixres::data
