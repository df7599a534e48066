// The test protocols of today's weights (crop-pct or a fixed resize size, FixRes's or torchvision's
// Resize, Pillow's bilinear or bicubic filter) against torchvision 0.14 + PIL 9.4 on real photos of
// both orientations and an odd-sized one (tools/fixtures/protocols.py): 0 differing values.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <stdexcept>

#include "common/paths.h"
#include "fixres/core/test_protocol.h"
#include "fixres/data/decode.h"
#include "fixres/data/geometry.h"
#include "fixres/data/pipeline.h"
#include "fixres/io/crc32.h"

namespace fixres::data {
namespace {

const nlohmann::json& cases() {
  static const nlohmann::json all = [] {
    std::ifstream in(testing::fixture("protocols/cases.json"));
    if (!in) throw std::runtime_error("missing tests/fixtures/protocols/cases.json");
    return nlohmann::json::parse(in);
  }();
  return all;
}

TestProtocol protocol_of(const nlohmann::json& c) {
  TestProtocolOverrides o;
  if (c.contains("crop_pct")) o.crop_pct = c.at("crop_pct").get<double>();
  if (c.contains("resize_size")) o.resize_size = c.at("resize_size").get<int>();
  o.resize_mode = c.at("mode") == "shorter" ? ResizeMode::Shorter : ResizeMode::FixRes;
  o.interpolation = c.at("interpolation") == "bicubic" ? Interpolation::Bicubic : Interpolation::Bilinear;
  return apply_overrides(TestProtocol{}, o);
}

::testing::AssertionResult matches(const nlohmann::json& c, const Image& got) {
  if (got.height != c.at("height").get<int>() || got.width != c.at("width").get<int>()) {
    return ::testing::AssertionFailure() << "size " << got.height << "x" << got.width;
  }
  const auto crc = io::crc32_update(0, got.pixels.data(), got.pixels.size());
  if (crc != c.at("crc32").get<std::uint32_t>()) return ::testing::AssertionFailure() << "pixels differ (CRC-32)";
  return ::testing::AssertionSuccess();
}

TEST(TestProtocolTest, EveryProtocolMatchesTorchvisionOnPhotos) {
  ASSERT_EQ(cases().size(), 132u);
  for (const auto& c : cases()) {
    const std::string path = testing::fixture(c.at("image").get<std::string>()).string();
    const int size = c.at("size");
    const TestProtocol protocol = protocol_of(c);
    SCOPED_TRACE(c.dump());
    EXPECT_EQ(protocol.resize_length(size), c.at("resize_length").get<int>());
    const Image photo = read_image(path);
    EXPECT_TRUE(matches(c, test_view(photo, size, protocol)));
    // The unfused composition, and the pipeline decoding only the rows and columns the crop reads.
    EXPECT_TRUE(matches(c, center_crop(protocol_resize(photo, size, protocol), size, size)));
    PipelineSpec spec;
    spec.size = size;
    spec.protocol = protocol;
    const Pipeline pipeline(spec);
    Rng rng(0);
    EXPECT_TRUE(matches(c, pipeline.view([&](const RegionRequest& want) { return read_image_region(path, want); }, rng)));
  }
}

// --fast-decode against PIL: img.draft('RGB', target) then the same transform, on photos and the
// decode fixtures (grey, CMYK, progressive, 4:2:2, odd sizes), reductions 1, 2, 4 and 8.
TEST(TestProtocolTest, FastDecodeIsPilsDraftThenTheTransform) {
  std::ifstream in(testing::fixture("protocols/fast_decode.json"));
  ASSERT_TRUE(in) << "missing tests/fixtures/protocols/fast_decode.json";
  const nlohmann::json all = nlohmann::json::parse(in);
  ASSERT_EQ(all.size(), 76u);
  std::set<int> reductions;
  for (const auto& c : all) {
    SCOPED_TRACE(c.dump());
    TestProtocol protocol = protocol_of(c);
    protocol.fast_decode = true;
    PipelineSpec spec;
    spec.size = c.at("size");
    spec.protocol = protocol;
    const Pipeline pipeline(spec);
    Rng rng(0);
    const std::string path = testing::fixture(c.at("image").get<std::string>()).string();
    int decoded_height = 0, decoded_width = 0;
    const Image got = pipeline.view(
        [&](const RegionRequest& want) {
          DecodedRegion r = read_image_region(path, want);
          decoded_height = r.full_height;
          decoded_width = r.full_width;
          return r;
        },
        rng);
    EXPECT_EQ(decoded_height, c.at("decoded_height").get<int>());
    EXPECT_EQ(decoded_width, c.at("decoded_width").get<int>());
    EXPECT_TRUE(matches(c, got));
    reductions.insert(c.at("reduction").get<int>());
    if (c.at("reduction") == 1) {  // nothing to reduce: the exact path's pixels
      EXPECT_TRUE(matches(c, test_view(read_image(path), spec.size, protocol_of(c))));
    }
  }
  EXPECT_EQ(reductions, (std::set<int>{1, 2, 4, 8}));
}

TEST(TestProtocolTest, DraftReductionIsPilsChoice) {
  EXPECT_EQ(draft_reduction(427, 640, 256, 383), 1);  // 640 // 383 = 1
  EXPECT_EQ(draft_reduction(427, 640, 109, 163), 2);  // min(3, 3)
  EXPECT_EQ(draft_reduction(427, 640, 54, 80), 4);    // min(8, 7)
  EXPECT_EQ(draft_reduction(427, 640, 27, 40), 8);    // min(16, 15): 8 at most
  EXPECT_EQ(draft_reduction(600, 512, 300, 100), 2);  // the smaller ratio decides
}

TEST(TestProtocolTest, CropPctOf0875IsFixResResizeAtEverySize) {
  const TestProtocol fixres;
  EXPECT_EQ(fixres.crop_pct, 0.875);
  for (int s = 1; s <= 4096; ++s) ASSERT_EQ(fixres.resize_length(s), fixres_resize_length(s)) << s;
}

TEST(TestProtocolTest, ShorterSideTargetsAsTorchvision) {
  // torchvision 0.14 _compute_resized_output_size: the shorter side set, the longer int(L*long/short).
  EXPECT_EQ(resize_target(ResizeMode::Shorter, 375, 500, 256).height, 256);
  EXPECT_EQ(resize_target(ResizeMode::Shorter, 375, 500, 256).width, 341);
  EXPECT_EQ(resize_target(ResizeMode::Shorter, 500, 375, 256).height, 341);
  EXPECT_EQ(resize_target(ResizeMode::Shorter, 500, 375, 256).width, 256);
  EXPECT_EQ(resize_target(ResizeMode::Shorter, 300, 300, 232).width, 232);
  // FixRes's sets the height even for a portrait image.
  EXPECT_EQ(resize_target(ResizeMode::FixRes, 500, 375, 256).height, 256);
  EXPECT_EQ(resize_target(ResizeMode::FixRes, 500, 375, 256).width, 192);
}

TEST(TestProtocolTest, BadOverridesNameTheFlag) {
  auto message = [](const TestProtocolOverrides& o) {
    try {
      apply_overrides(TestProtocol{}, o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  TestProtocolOverrides zero;
  zero.crop_pct = 0.0;
  EXPECT_NE(message(zero).find("--crop-pct"), std::string::npos);
  TestProtocolOverrides above;
  above.crop_pct = 1.01;
  EXPECT_NE(message(above).find("--crop-pct"), std::string::npos);
  TestProtocolOverrides both;
  both.crop_pct = 0.9;
  both.resize_size = 232;
  EXPECT_NE(message(both).find("--resize-size"), std::string::npos);
  TestProtocolOverrides tiny;
  tiny.resize_size = 0;
  EXPECT_NE(message(tiny).find("--resize-size"), std::string::npos);
}

}  // namespace
}  // namespace fixres::data
