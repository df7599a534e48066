// Transforms with fixed parameters against torchvision 0.14 functional on PIL 9.4 images, and the
// whole FixRes test transform on real photographs at five test sizes: 0 differing values.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "data/image_fixtures.h"
#include "fixres/data/augment.h"
#include "fixres/data/color.h"
#include "fixres/data/geometry.h"
#include "fixres/data/normalize.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/resample.h"

namespace fixres::data {
namespace {

using fixres::testing::image_fixture;
using fixres::testing::images_equal;
using fixres::testing::images_manifest;
using fixres::testing::npy_image;

const nlohmann::json& ops() { return images_manifest().at("ops"); }
Image source() { return read_image(image_fixture(ops().at("source"))); }
Image sub_image(const Image& img, const nlohmann::json& box) {  // PIL box (left, top, right, bottom)
  const int l = box[0], t = box[1], r = box[2], b = box[3];
  return crop(img, {t, l, b - t, r - l});
}

TEST(FixResTestTransformTest, MatchesReferenceOnPhotosAtEveryTestSize) {
  const std::vector<int> sizes = images_manifest().at("pipeline_sizes");
  ASSERT_EQ(sizes, (std::vector<int>{224, 320, 331, 384, 480}));
  for (const std::string name : {"landscape", "portrait"}) {
    const Image photo = read_image(image_fixture("pipeline/" + name + ".jpg"));
    for (int s : sizes) {
      SCOPED_TRACE(name + " S=" + std::to_string(s));
      const Image expected = read_image(image_fixture("pipeline/" + name + "_" + std::to_string(s) + ".png"));
      EXPECT_TRUE(images_equal(expected, test_view(photo, s)));
      // The unfused composition gives the same pixels.
      EXPECT_TRUE(images_equal(expected, center_crop(fixres_resize(photo, fixres_resize_length(s)), s, s)));
      Rng rng(0);
      const Pipeline pipeline(testing::pipeline_spec(PipelineKind::Test, s));
      EXPECT_TRUE(images_equal(expected, pipeline.view(photo, rng)));
      // Decoding only the rows and columns the crop reads gives the same pixels.
      const std::string path = image_fixture("pipeline/" + name + ".jpg");
      EXPECT_TRUE(images_equal(expected, pipeline.view([&](const RegionRequest& want) { return read_image_region(path, want); }, rng)));
    }
  }
}

TEST(FixResTestTransformTest, ResizeTargetsAndCropOffsetsMatchReference) {
  for (const auto& t : ops().at("targets")) {
    const int w = t.at("width"), h = t.at("height"), s = t.at("size");
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " S=" + std::to_string(s));
    EXPECT_EQ(fixres_resize_length(s), t.at("resize").get<int>());
    const Size2 target = fixres_resize_target(h, w, fixres_resize_length(s));
    EXPECT_EQ(target.height, t.at("out_height").get<int>());
    EXPECT_EQ(target.width, t.at("out_width").get<int>());
    const Size2 largest = fixres_resize_target(h, w, s, true);
    EXPECT_EQ(largest.height, t.at("largest_height").get<int>());
    EXPECT_EQ(largest.width, t.at("largest_width").get<int>());
    const CropBox box = center_crop_box(target.height, target.width, s, s);
    if (!t.at("crop_top").is_null()) {
      EXPECT_EQ(box.top, t.at("crop_top").get<int>());
    }
    if (!t.at("crop_left").is_null()) {
      EXPECT_EQ(box.left, t.at("crop_left").get<int>());
    }
  }
  EXPECT_EQ(fixres_resize_length(224), 256);
  EXPECT_EQ(fixres_resize_length(320), 365);
  EXPECT_EQ(fixres_resize_length(331), 378);
  EXPECT_EQ(fixres_resize_length(384), 438);
  EXPECT_EQ(fixres_resize_length(480), 548);
}

TEST(ResampleTest, MatchesPillowBilinearIncludingSinglePassCases) {
  const Image src = source();
  for (const auto& c : ops().at("resize")) {
    const int w = c.at("width"), h = c.at("height");
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const Image expected = npy_image(c.at("expected"));
    const Image got = resize(src, h, w);
    EXPECT_TRUE(images_equal(expected, got));
    // Any window of the result equals the same window computed alone.
    if (h > 4 && w > 4) {
      const CropBox box{h / 3, w / 4, h / 2, w / 2};
      EXPECT_TRUE(images_equal(crop(expected, box), resize_window(src, h, w, box)));
    }
  }
  EXPECT_THROW(resize_window(src, 10, 10, {5, 5, 6, 5}), std::invalid_argument);
}

TEST(GeometryTest, CenterCropMatchesTorchvisionWithPadding) {
  const Image src = source();
  for (const auto& c : ops().at("center_crop")) {
    const int h = c.at("height"), w = c.at("width");
    SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w));
    EXPECT_TRUE(images_equal(npy_image(c.at("expected")), center_crop(src, h, w)));
  }
}

TEST(GeometryTest, ResizedCropMatchesTorchvision) {
  const Image src = source();
  for (const auto& c : ops().at("resized_crop")) {
    const CropBox box{c.at("top"), c.at("left"), c.at("height"), c.at("width")};
    SCOPED_TRACE(c.at("expected").get<std::string>());
    EXPECT_TRUE(images_equal(npy_image(c.at("expected")), resized_crop(src, box, c.at("size"))));
  }
}

TEST(GeometryTest, HorizontalFlipMatchesTorchvision) {
  const Image small = sub_image(source(), ops().at("jitter_source"));
  EXPECT_TRUE(images_equal(npy_image(ops().at("hflip")), hflip(small)));
}

TEST(GeometryTest, HalfRoundEvenMatchesPythonRound) {
  EXPECT_EQ(half_round_even_div2(0), 0);
  EXPECT_EQ(half_round_even_div2(1), 0);   // round(0.5) = 0
  EXPECT_EQ(half_round_even_div2(3), 2);   // round(1.5) = 2
  EXPECT_EQ(half_round_even_div2(5), 2);   // round(2.5) = 2
  EXPECT_EQ(half_round_even_div2(45), 22); // 365 -> 320
  EXPECT_EQ(half_round_even_div2(47), 24); // 378 -> 331
}

TEST(ColorTest, JitterOpsMatchTorchvisionForEveryFactor) {
  const Image small = sub_image(source(), ops().at("jitter_source"));
  for (const auto& c : ops().at("jitter")) {
    const std::string kind = c.at("kind");
    const float factor = c.at("factor").get<float>();
    SCOPED_TRACE(kind + " " + std::to_string(factor));
    Image img = small;
    if (kind == "brightness") adjust_brightness(img, factor);
    if (kind == "contrast") adjust_contrast(img, factor);
    if (kind == "saturation") adjust_saturation(img, factor);
    EXPECT_TRUE(images_equal(npy_image(c.at("expected")), img));
  }
}

TEST(ColorTest, JitterChainInGivenOrderMatchesTorchvision) {
  const auto& c = ops().at("color_jitter_chain");
  ColorJitterParams p;
  for (int i = 0; i < 3; ++i) {
    p.order[i] = c.at("order")[i];
    p.factors[i] = c.at("factors")[i].get<float>();
  }
  Image img = sub_image(source(), ops().at("jitter_source"));
  apply_color_jitter(img, p);
  EXPECT_TRUE(images_equal(npy_image(c.at("expected")), img));
}

TEST(GeometryTest, V2ShiftedCenterCropMatchesFixRes) {
  const Image src = source();
  for (const auto& c : ops().at("v2_crop")) {
    SCOPED_TRACE(c.at("expected").get<std::string>());
    const int s = c.at("size");
    const Image resized = fixres_resize(sub_image(src, c.at("box")), fixres_resize_length(s));
    const Image got = shifted_center_crop(resized, s, {c.at("jitter").get<int>(), c.at("sign").get<int>()});
    EXPECT_TRUE(images_equal(npy_image(c.at("expected")), got));
  }
}

// Every value of every channel, in an odd number of pixels (the vector loops' tail), both layouts,
// against ToTensor + Normalize (tools/fixtures/images.py make_normalize_every_value).
TEST(NormalizeTest, EveryValueMatchesTorchvisionInBothLayouts) {
  Image img(1, 259);
  for (int x = 0; x < 259; ++x) {
    const int v = x % 256;
    img.pixels[3 * x] = static_cast<std::uint8_t>(v);
    img.pixels[3 * x + 1] = static_cast<std::uint8_t>(255 - v);
    img.pixels[3 * x + 2] = static_cast<std::uint8_t>((37 * v) % 256);
  }
  for (const auto& [tag, norm] : {std::pair{"imagenet", Normalization::imagenet()}, std::pair{"half", Normalization::half()}}) {
    const io::NpyArray expected = io::read_npy(image_fixture(std::string("ops/normalize_every_") + tag + ".npy"));
    ASSERT_EQ(expected.shape, (std::vector<std::int64_t>{3, 1, 259}));
    std::vector<float> chw(expected.numel()), hwc(expected.numel());
    to_tensor_normalize(img, norm, chw.data(), Layout::CHW);
    to_tensor_normalize(img, norm, hwc.data(), Layout::HWC);
    const float* e = expected.as<float>();
    for (std::size_t i = 0; i < chw.size(); ++i) {
      ASSERT_EQ(std::memcmp(&chw[i], &e[i], sizeof(float)), 0) << tag << " CHW value " << i;
      ASSERT_EQ(std::memcmp(&hwc[(i % 259) * 3 + i / 259], &e[i], sizeof(float)), 0) << tag << " HWC value " << i;
    }
  }
}

TEST(NormalizeTest, MatchesToTensorNormalizeBitExactly) {
  const Image img = sub_image(source(), ops().at("normalize_source"));
  for (const auto& c : ops().at("normalize")) {
    Normalization norm;
    for (int k = 0; k < 3; ++k) {
      norm.mean[k] = c.at("mean")[k].get<float>();
      norm.std[k] = c.at("std")[k].get<float>();
    }
    const io::NpyArray expected = io::read_npy(image_fixture(c.at("expected")));
    ASSERT_EQ(expected.shape, (std::vector<std::int64_t>{3, img.height, img.width}));
    std::vector<float> chw(expected.numel()), hwc(expected.numel());
    to_tensor_normalize(img, norm, chw.data(), Layout::CHW);
    to_tensor_normalize(img, norm, hwc.data(), Layout::HWC);
    const float* e = expected.as<float>();
    float max_abs = 0.0f;
    std::size_t differing = 0;
    const std::size_t plane = static_cast<std::size_t>(img.height) * img.width;
    for (std::size_t i = 0; i < chw.size(); ++i) {
      max_abs = std::max(max_abs, std::fabs(chw[i] - e[i]));
      differing += std::memcmp(&chw[i], &e[i], sizeof(float)) != 0;
      EXPECT_EQ(hwc[(i % plane) * 3 + i / plane], chw[i]);
    }
    EXPECT_EQ(differing, 0u) << "max |diff| " << max_abs;
  }
}

}  // namespace
}  // namespace fixres::data
