#pragma once
// Shared helpers of the image-pipeline tests: the fixture manifest written by
// tools/fixtures/images.py, .npy expectations as Images, exact comparison with a useful report.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "common/paths.h"
#include "fixres/data/decode.h"
#include "fixres/data/image.h"
#include "fixres/data/pipeline.h"
#include "fixres/io/npy.h"

namespace fixres::testing {

inline const nlohmann::json& images_manifest() {
  static const nlohmann::json manifest = [] {
    std::ifstream in(fixture("images/manifest.json"));
    if (!in) throw std::runtime_error("missing tests/fixtures/images/manifest.json");
    return nlohmann::json::parse(in);
  }();
  return manifest;
}

/// A pipeline spec of `kind` at `size` with the defaults (FixRes's jitter, ImageNet-free
/// normalisation, FixRes's test protocol).
inline data::PipelineSpec pipeline_spec(data::PipelineKind kind, int size) {
  data::PipelineSpec spec;
  spec.kind = kind;
  spec.size = size;
  return spec;
}

/// tests/fixtures/images/<relative>
inline std::string image_fixture(const std::string& relative) { return fixture("images/" + relative).string(); }

/// An HxWx3 uint8 .npy file as an Image.
inline data::Image npy_image_file(const std::string& path) {
  const io::NpyArray a = io::read_npy(path);
  if (a.dtype != io::DType::UInt8 || a.shape.size() != 3 || a.shape[2] != 3) {
    throw std::runtime_error(path + ": expected an HxWx3 uint8 array, got " + a.shape_string());
  }
  data::Image img(static_cast<int>(a.shape[0]), static_cast<int>(a.shape[1]));
  std::copy(a.data, a.data + a.nbytes(), img.pixels.begin());
  return img;
}

/// tests/fixtures/images/<relative>, an HxWx3 uint8 .npy, as an Image.
inline data::Image npy_image(const std::string& relative) { return npy_image_file(image_fixture(relative)); }

/// Exact equality; on failure reports the number of differing values and the first one.
inline ::testing::AssertionResult images_equal(const data::Image& expected, const data::Image& actual) {
  if (expected.height != actual.height || expected.width != actual.width) {
    return ::testing::AssertionFailure() << "size: expected " << expected.height << "x" << expected.width << ", got "
                                         << actual.height << "x" << actual.width;
  }
  std::size_t differing = 0, first = 0;
  int worst = 0;
  for (std::size_t i = 0; i < expected.pixels.size(); ++i) {
    if (expected.pixels[i] != actual.pixels[i]) {
      if (differing++ == 0) first = i;
      worst = std::max(worst, std::abs(int(expected.pixels[i]) - int(actual.pixels[i])));
    }
  }
  if (differing == 0) return ::testing::AssertionSuccess();
  const std::size_t px = first / 3;
  return ::testing::AssertionFailure() << differing << " of " << expected.pixels.size()
                                       << " values differ (max |diff| " << worst << "); first at y=" << px / expected.width
                                       << " x=" << px % expected.width << " c=" << first % 3 << ": expected "
                                       << int(expected.pixels[first]) << ", got " << int(actual.pixels[first]);
}

}  // namespace fixres::testing
