// The random draws of the training transforms: distributions checked statistically, and the
// draws reproducible from (seed, epoch, global position).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "data/image_fixtures.h"
#include "fixres/data/augment.h"
#include "fixres/data/decode.h"
#include "fixres/data/pipeline.h"

namespace fixres::data {
namespace {

// Kolmogorov-Smirnov distance of samples against U(lo, hi).
double ks_uniform(std::vector<double> v, double lo, double hi) {
  std::sort(v.begin(), v.end());
  double d = 0.0;
  const double n = static_cast<double>(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double cdf = (v[i] - lo) / (hi - lo);
    d = std::max({d, std::fabs(cdf - i / n), std::fabs(cdf - (i + 1) / n)});
  }
  return d;
}

TEST(RandomResizedCropTest, AcceptedDrawsFollowTorchvisionDistributions) {
  // With scale (0.08, 0.5) every first try fits a square image (w <= sqrt(0.5 * 4/3) side),
  // so the accepted draws are the raw ones: area fraction ~ U(0.08, 0.5), log aspect ratio
  // ~ U(log 3/4, log 4/3), position uniform, up to the rounding of w and h. (With the default
  // scale, draws that do not fit are retried, as torchvision does; see the fallback test.)
  const int side = 4000;
  std::vector<double> area, log_ratio, top_frac;
  for (int i = 0; i < 20000; ++i) {
    Rng rng = Rng::for_sample(7, 0, i);
    const CropBox b = random_resized_crop_box(side, side, rng, {0.08, 0.5});
    ASSERT_GT(b.width, 0);
    ASSERT_LE(b.left + b.width, side);
    ASSERT_LE(b.top + b.height, side);
    ASSERT_GE(b.top, 0);
    area.push_back(static_cast<double>(b.width) * b.height / (double(side) * side));
    log_ratio.push_back(std::log(static_cast<double>(b.width) / b.height));
    if (b.height < side) top_frac.push_back(static_cast<double>(b.top) / (side - b.height));
  }
  // 1.36 / sqrt(n) is the 5% critical value; allow 2x for rounding of w, h and ratio-clipped tries.
  const double crit = 2 * 1.36 / std::sqrt(20000.0);
  EXPECT_LT(ks_uniform(area, 0.08, 0.5), crit);
  EXPECT_LT(ks_uniform(log_ratio, std::log(3.0 / 4.0), std::log(4.0 / 3.0)), crit);
  EXPECT_LT(ks_uniform(top_frac, 0.0, 1.0), 2 * 1.36 / std::sqrt(double(top_frac.size())));
}

TEST(RandomResizedCropTest, FallsBackToTheCentreForExtremeShapes) {
  // A 1000x10 strip: no try fits (the ratio range cannot reach 100:1), so the centre crop
  // of the largest 4/3 box is returned, as torchvision does.
  Rng rng(3);
  const CropBox b = random_resized_crop_box(10, 1000, rng);
  EXPECT_EQ(b.height, 10);
  EXPECT_EQ(b.width, 13);  // round(10 * 4/3)
  EXPECT_EQ(b.top, 0);
  EXPECT_EQ(b.left, (1000 - 13) / 2);
  const CropBox tall = random_resized_crop_box(1000, 10, rng);
  EXPECT_EQ(tall.width, 10);
  EXPECT_EQ(tall.height, 13);  // round(10 / (3/4))
}

TEST(ColorJitterTest, FactorsAreUniformAndOrdersEquallyLikely) {
  std::vector<double> b, c, s;
  std::map<std::array<int, 3>, int> orders;
  const int n = 12000;
  for (int i = 0; i < n; ++i) {
    Rng rng = Rng::for_sample(1, 2, i);
    const ColorJitterParams p = draw_color_jitter(rng, 0.3f, 0.3f, 0.3f);
    b.push_back(p.factors[0]);
    c.push_back(p.factors[1]);
    s.push_back(p.factors[2]);
    ++orders[p.order];
  }
  const double crit = 1.63 / std::sqrt(double(n));  // 1% critical value
  EXPECT_LT(ks_uniform(b, 0.7, 1.3), crit);
  EXPECT_LT(ks_uniform(c, 0.7, 1.3), crit);
  EXPECT_LT(ks_uniform(s, 0.7, 1.3), crit);
  ASSERT_EQ(orders.size(), 6u);
  for (const auto& [order, count] : orders) EXPECT_NEAR(count, n / 6.0, 5 * std::sqrt(n / 6.0));
  // Strength 0 leaves the factor at 1; the lower bound is clipped at 0.
  Rng rng(5);
  const ColorJitterParams none = draw_color_jitter(rng, 0.0f, 0.0f, 0.0f);
  EXPECT_EQ(none.factors, (std::array<float, 3>{1.0f, 1.0f, 1.0f}));
  for (int i = 0; i < 200; ++i) EXPECT_GE(draw_color_jitter(rng, 1.5f, 1.5f, 1.5f).factors[1], 0.0f);
}

TEST(ShiftedCropTest, JitterCoversZeroToMarginAndBothSigns) {
  std::map<int, int> jitters;
  int positive = 0;
  const int n = 6000;
  for (int i = 0; i < n; ++i) {
    Rng rng = Rng::for_sample(9, 0, i);
    const ShiftedCrop c = draw_shifted_crop(292, 256, rng);  // margin round(36 / 2) = 18
    ++jitters[c.jitter];
    positive += c.sign > 0;
  }
  EXPECT_EQ(jitters.begin()->first, 0);
  EXPECT_EQ(jitters.rbegin()->first, 18);
  EXPECT_EQ(jitters.size(), 19u);
  EXPECT_NEAR(positive, n / 2.0, 5 * std::sqrt(n / 4.0));
  Rng rng(1);
  EXPECT_EQ(draw_shifted_crop(200, 256, rng).jitter, 0);  // no margin: no jitter
}

TEST(PipelineTest, DrawsDependOnlyOnTheSampleKey) {
  Image img(90, 120);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>(i * 7 % 251);
  for (const auto kind : {PipelineKind::Full, PipelineKind::ValTrain}) {
    const Pipeline p(testing::pipeline_spec(kind, 32));
    Rng a = Rng::for_sample(3, 1, 17), b = Rng::for_sample(3, 1, 17), c = Rng::for_sample(3, 1, 18);
    const Image va = p.view(img, a), vb = p.view(img, b), vc = p.view(img, c);
    EXPECT_EQ(va.pixels, vb.pixels);
    EXPECT_NE(va.pixels, vc.pixels);
    EXPECT_EQ(va.height, 32);
    EXPECT_EQ(va.width, 32);
  }
  EXPECT_EQ(pipeline_kind_from_name("val"), PipelineKind::Test);
  EXPECT_EQ(pipeline_kind_from_name("train"), PipelineKind::Full);
  EXPECT_EQ(pipeline_kind_from_name("val_train"), PipelineKind::ValTrain);
  EXPECT_THROW(pipeline_kind_from_name("nope"), std::invalid_argument);
}

TEST(PipelineTest, PartialDecodingGivesTheSameTrainingViews) {
  const std::string path = std::string(FIXRES_FIXTURES_DIR) + "/images/pipeline/landscape.jpg";
  const Image full = read_image(path);
  for (const auto kind : {PipelineKind::Full, PipelineKind::ValTrain, PipelineKind::Test}) {
    const Pipeline p(testing::pipeline_spec(kind, 96));
    for (int i = 0; i < 8; ++i) {
      Rng a = Rng::for_sample(5, 0, i), b = Rng::for_sample(5, 0, i);
      const Image whole = p.view(full, a);
      const Image part = p.view([&](const RegionRequest& want) { return read_image_region(path, want); }, b);
      EXPECT_EQ(whole.pixels, part.pixels) << pipeline_kind_name(kind) << " sample " << i;
    }
  }
}

TEST(RngTest, FlipAndIntegersAreUniform) {
  Rng rng(11);
  int heads = 0;
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    heads += rng.uniform() < 0.5;
    ++counts[static_cast<std::size_t>(rng.randint(0, 7))];
  }
  EXPECT_NEAR(heads, 35000, 5 * std::sqrt(17500.0));
  for (int c : counts) EXPECT_NEAR(c, 10000, 5 * 100);
}

}  // namespace
}  // namespace fixres::data
