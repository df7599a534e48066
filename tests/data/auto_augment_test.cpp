// RandAugment / TrivialAugmentWide operations and DeiT III's Simple Random Crop against
// torchvision 0.14 + Pillow 9.4 (tests/fixtures/augment, tools/fixtures/augment.py): every
// operation at every magnitude the fixture holds, on real photo crops and on flat, tiny and
// few-level images, must give the same bytes.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "common/paths.h"
#include "data/image_fixtures.h"
#include "fixres/data/augment.h"
#include "fixres/data/auto_augment.h"
#include "fixres/data/geometry.h"
#include "fixres/core/augment_options.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/resample.h"
#include "fixres/io/npy.h"

namespace fixres::data {
namespace {

using testing::images_equal;

const nlohmann::json& cases() {
  static const nlohmann::json j = [] {
    std::ifstream in(testing::fixture("augment/cases.json"));
    if (!in) throw std::runtime_error("missing tests/fixtures/augment/cases.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

/// Image k of a [K, H, W, 3] uint8 .npy, its top-left height x width.
Image stacked_image(const io::NpyArray& a, std::int64_t k, int height, int width) {
  Image img(height, width);
  const std::int64_t h = a.shape[1], w = a.shape[2];
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = a.data + ((k * h + y) * w) * 3;
    std::copy(row, row + 3 * width, img.row(y));
  }
  return img;
}

std::vector<Image> sources(const std::string& file, const nlohmann::json& list) {
  const io::NpyArray a = io::read_npy(testing::fixture("augment/" + file).string());
  std::vector<Image> out;
  for (std::size_t k = 0; k < list.size(); ++k) {
    out.push_back(stacked_image(a, static_cast<std::int64_t>(k), list[k].at("height"), list[k].at("width")));
  }
  return out;
}

TEST(AutoAugmentTest, EveryOperationMatchesTorchvisionOnPilImages) {
  const std::vector<Image> src = sources("sources.npy", cases().at("sources"));
  const io::NpyArray outputs = io::read_npy(testing::fixture("augment/outputs.npy").string());
  std::size_t offset = 0, checked = 0;
  std::map<std::string, int> per_op;
  for (const auto& c : cases().at("cases")) {
    const Image& in = src.at(c.at("source").get<std::size_t>());
    const auto op = augment_op_from_name(c.at("op"));
    ASSERT_TRUE(op) << c.dump();
    Image expected(in.height, in.width);
    ASSERT_LE(offset + expected.pixels.size(), outputs.nbytes());
    std::copy(outputs.data + offset, outputs.data + offset + expected.pixels.size(), expected.pixels.begin());
    offset += expected.pixels.size();
    EXPECT_TRUE(images_equal(expected, apply_augment_op(in, *op, c.at("magnitude").get<double>())))
        << c.at("op") << "(" << c.at("magnitude") << ") on " << cases().at("sources")[c.at("source").get<int>()].at("name");
    ++per_op[c.at("op")];
    ++checked;
  }
  EXPECT_EQ(offset, outputs.nbytes());
  EXPECT_EQ(per_op.size(), static_cast<std::size_t>(kAugmentOpCount));
  EXPECT_GT(checked, 500u);
}

TEST(AutoAugmentTest, MagnitudeTablesAreTorchvisionsFloat32Linspaces) {
  std::vector<std::tuple<std::string, AutoAugmentKind, int, int>> tables = {
      {"rand_224x224", AutoAugmentKind::RandAugment, 224, 224},
      {"rand_160x96", AutoAugmentKind::RandAugment, 160, 96},
      {"trivial", AutoAugmentKind::TrivialAugmentWide, 0, 0}};
  for (const auto& s : cases().at("sources")) {
    tables.emplace_back("rand_" + s.at("name").get<std::string>(), AutoAugmentKind::RandAugment, s.at("height"),
                        s.at("width"));
  }
  for (const auto& [key, kind, h, w] : tables) {
    const auto& table = cases().at("tables").at(key);
    ASSERT_EQ(table.size(), static_cast<std::size_t>(kAugmentOpCount)) << key;
    for (int i = 0; i < kAugmentOpCount; ++i) {
      const auto op = static_cast<AugmentOp>(i);
      const auto& entry = table.at(augment_op_name(op));
      const OpMagnitudes m = augment_magnitudes(kind, op, 31, h, w);
      EXPECT_EQ(m.is_signed, entry.at("signed").get<bool>()) << key << " " << augment_op_name(op);
      const auto values = entry.at("values").get<std::vector<double>>();
      ASSERT_EQ(m.values.size(), values.size()) << key << " " << augment_op_name(op);
      for (std::size_t b = 0; b < values.size(); ++b) {
        EXPECT_EQ(static_cast<double>(m.values[b]), values[b]) << key << " " << augment_op_name(op) << " bin " << b;
      }
    }
  }
}

TEST(AutoAugmentTest, SimpleRandomCropMatchesTorchvisionResizePadCrop) {
  const std::vector<Image> src = sources("simple_crop_sources.npy", cases().at("simple_crop_sources"));
  const io::NpyArray crops = io::read_npy(testing::fixture("augment/simple_crop.npy").string());
  std::int64_t k = 0;
  for (const auto& c : cases().at("simple_crop")) {
    const Image& in = src.at(c.at("source") == "coffee" ? 0 : 1);
    const int size = c.at("size");
    const Size2 t = resize_target(ResizeMode::Shorter, in.height, in.width, size);
    EXPECT_EQ(t.height, c.at("resized")[0].get<int>());
    EXPECT_EQ(t.width, c.at("resized")[1].get<int>());
    Image out = reflect_padded_crop(resize(in, t.height, t.width, Interpolation::Bicubic),
                                    {c.at("top").get<int>(), c.at("left").get<int>(), size, size});
    if (c.at("flip").get<bool>()) hflip_inplace(out);
    EXPECT_TRUE(images_equal(stacked_image(crops, k++, size, size), out)) << c.dump();
  }
}

TEST(AutoAugmentTest, PaddedCropDrawsCoverEveryOffset) {
  Rng rng(5);
  std::map<std::pair<int, int>, int> seen;
  for (int i = 0; i < 4000; ++i) {
    const CropBox b = draw_padded_crop(20, 22, 20, rng);  // padded 28 x 30: tops 0..8, lefts 0..10
    ASSERT_TRUE(b.top >= 0 && b.top <= 8 && b.left >= 0 && b.left <= 10) << b.top << "," << b.left;
    ++seen[{b.top, b.left}];
  }
  EXPECT_EQ(seen.size(), 9u * 11u);
  EXPECT_THROW(draw_padded_crop(10, 30, 20, rng), std::invalid_argument);
}

TEST(AutoAugmentTest, PoliciesDrawEveryOperationAndBothSigns) {
  // A gradient image on which every op at a non-zero magnitude changes something: the outputs of
  // TrivialAugmentWide over many draws take many distinct values, and RandAugment with M = 0
  // (magnitude-free except posterize 8 bits and solarize 255) often leaves the image unchanged.
  Image img(24, 32);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      std::uint8_t* p = img.row(y) + 3 * x;
      p[0] = static_cast<std::uint8_t>(8 * x), p[1] = static_cast<std::uint8_t>(10 * y), p[2] = static_cast<std::uint8_t>(3 * (x + y));
    }
  }
  AutoAugmentSpec trivial;
  trivial.kind = AutoAugmentKind::TrivialAugmentWide;
  std::set<RecycledBytes> distinct;
  int unchanged = 0;
  for (int i = 0; i < 600; ++i) {
    Rng rng = Rng::for_sample(3, 0, i);
    const Image out = auto_augment(img, trivial, rng);
    unchanged += out.pixels == img.pixels;
    distinct.insert(out.pixels);
  }
  EXPECT_GT(distinct.size(), 200u);
  EXPECT_LT(unchanged, 150);  // Identity (1/14) and the zero bins
  AutoAugmentSpec zero = parse_rand_augment("2,0");
  unchanged = 0;
  for (int i = 0; i < 300; ++i) {
    Rng rng = Rng::for_sample(3, 0, i);
    unchanged += auto_augment(img, zero, rng).pixels == img.pixels;
  }
  // Per op the image is unchanged unless it is AutoContrast or Equalize (no value reaches 255): 12/14.
  EXPECT_NEAR(unchanged / 300.0, (12.0 / 14) * (12.0 / 14), 0.08);
}

TEST(AutoAugmentTest, RandAugmentFlagIsValidated) {
  const AutoAugmentSpec s = parse_rand_augment("3,15");
  EXPECT_EQ(s.num_ops, 3);
  EXPECT_EQ(s.magnitude, 15);
  for (const char* bad : {"2", "2,31", "0,9", "2,-1", "a,b", "2,9,1", "2;9"}) {
    EXPECT_THROW(parse_rand_augment(bad), std::invalid_argument) << bad;
  }
  try {
    parse_rand_augment("2,40");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--rand-augment"), std::string::npos);
  }
}

TEST(AutoAugmentTest, FullPipelineWithSimpleCropAndRandAugmentIsPerSample) {
  Image img(90, 120);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>((i * 7) % 251);
  PipelineSpec spec = testing::pipeline_spec(PipelineKind::Full, 48);
  spec.train_crop = TrainCrop::Simple;
  spec.auto_augment = parse_rand_augment("2,9");
  const Pipeline p(spec);
  Rng a = Rng::for_sample(1, 2, 3), b = Rng::for_sample(1, 2, 3), c = Rng::for_sample(1, 2, 4);
  const Image va = p.view(img, a);
  EXPECT_EQ(va.height, 48);
  EXPECT_EQ(va.width, 48);
  EXPECT_TRUE(images_equal(va, p.view(img, b)));
  EXPECT_NE(va.pixels, p.view(img, c).pixels);
}

}  // namespace
}  // namespace fixres::data
