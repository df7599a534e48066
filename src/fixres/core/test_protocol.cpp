#include "fixres/core/test_protocol.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "fixres/core/format.h"

namespace fixres::data {

int TestProtocol::resize_length(int test_size) const {
  if (resize_size > 0) return resize_size;
  // timm's math.floor(img_size / crop_pct), in double as Python.
  return static_cast<int>(std::floor(static_cast<double>(test_size) / crop_pct));
}

std::string resize_mode_name(ResizeMode mode) { return mode == ResizeMode::FixRes ? "fixres" : "shorter"; }

std::string interpolation_name(Interpolation interpolation) {
  return interpolation == Interpolation::Bilinear ? "bilinear" : "bicubic";
}

std::string TestProtocol::describe() const {
  const std::string side = resize_mode == ResizeMode::FixRes ? "the height" : "the shorter side";
  const std::string length =
      resize_size > 0 ? std::to_string(resize_size) : "floor(S/" + engine::format_number("%g", crop_pct) + ")";
  std::string text = "resize " + side + " to " + length + ", " + interpolation_name(interpolation) + ", centre crop S";
  if (fast_decode) text += "; fast decode: JPEGs at 1/2, 1/4 or 1/8 where the resize shrinks that much (PIL's draft)";
  return text;
}

int draft_reduction(int height, int width, int target_height, int target_width) {
  // JpegImagePlugin.draft: scale = min(w // tw, h // th), then the largest of 8, 4, 2, 1 it reaches.
  const int scale = std::min(width / std::max(target_width, 1), height / std::max(target_height, 1));
  for (const int s : {8, 4, 2}) {
    if (scale >= s) return s;
  }
  return 1;
}

TestProtocol apply_overrides(const TestProtocol& base, const TestProtocolOverrides& o) {
  if (o.crop_pct && o.resize_size) {
    throw std::invalid_argument("--crop-pct and --resize-size exclude each other (give one)");
  }
  TestProtocol p = base;
  if (o.crop_pct) {
    if (!(*o.crop_pct > 0.0 && *o.crop_pct <= 1.0)) {
      throw std::invalid_argument("--crop-pct must be in (0, 1], got " + engine::format_number("%g", *o.crop_pct));
    }
    p.crop_pct = *o.crop_pct;
    p.resize_size = 0;
  }
  if (o.resize_size) {
    if (*o.resize_size < 1 || *o.resize_size > 8192) {
      throw std::invalid_argument("--resize-size must be in [1, 8192], got " + std::to_string(*o.resize_size));
    }
    p.resize_size = *o.resize_size;
  }
  if (o.resize_mode) p.resize_mode = *o.resize_mode;
  if (o.interpolation) p.interpolation = *o.interpolation;
  if (o.fast_decode) p.fast_decode = true;
  return p;
}

}  // namespace fixres::data
