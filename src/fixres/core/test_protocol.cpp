#include "fixres/core/test_protocol.h"

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
  return "resize " + side + " to " + length + ", " + interpolation_name(interpolation) + ", centre crop S";
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
  return p;
}

}  // namespace fixres::data
