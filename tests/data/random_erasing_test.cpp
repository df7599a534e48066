// --reprob: timm's RandomErasing geometry ('pixel' mode) — probability, area and aspect-ratio
// ranges, the box strictly inside, standard-normal fill of exactly the box, in both layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fixres/data/random_erasing.h"

namespace fixres::data {
namespace {

TEST(RandomErasingTest, BoxesFollowTimmsRule) {
  Rng rng(7);
  int erased = 0;
  const int draws = 4000, size = 64;
  for (int i = 0; i < draws; ++i) {
    const auto box = draw_erase_box(size, size, 0.25, rng);
    if (!box) continue;
    ++erased;
    ASSERT_LT(box->height, size);
    ASSERT_LT(box->width, size);
    ASSERT_GE(box->top, 0);
    ASSERT_LE(box->top + box->height, size);
    ASSERT_LE(box->left + box->width, size);
    const double area = static_cast<double>(box->height) * box->width / (size * size);
    EXPECT_GT(area, 0.012);   // 0.02 of the area, before rounding each side
    EXPECT_LT(area, 0.36);    // 1/3
    const double ratio = static_cast<double>(box->height) / box->width;
    EXPECT_GT(ratio, 0.25);   // 0.3 .. 1/0.3 before rounding
    EXPECT_LT(ratio, 4.0);
  }
  EXPECT_NEAR(static_cast<double>(erased) / draws, 0.25, 0.03);
  EXPECT_FALSE(draw_erase_box(size, size, 0.0, rng).has_value());
}

TEST(RandomErasingTest, FillsExactlyTheBoxWithStandardNormals) {
  const int size = 32;
  const EraseBox box{3, 5, 20, 24};
  for (Layout layout : {Layout::CHW, Layout::HWC}) {
    std::vector<float> image(3 * size * size, 7.0f);
    Rng rng(3);
    erase_box(image.data(), size, layout, box, rng);
    double sum = 0, squares = 0;
    int inside = 0;
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
          const std::size_t pixel = static_cast<std::size_t>(y) * size + x;
          const float v = image[layout == Layout::CHW ? c * size * size + pixel : pixel * 3 + c];
          const bool in = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width;
          if (!in) {
            ASSERT_EQ(v, 7.0f);
            continue;
          }
          ++inside;
          sum += v;
          squares += static_cast<double>(v) * v;
        }
      }
    }
    ASSERT_EQ(inside, 3 * 20 * 24);
    EXPECT_NEAR(sum / inside, 0.0, 0.1);
    EXPECT_NEAR(std::sqrt(squares / inside), 1.0, 0.1);
  }
}

}  // namespace
}  // namespace fixres::data
