// The demo's data helpers (subsets, the PNG ImageFolder export read back by ImageFolder); `fixres
// demo` itself is tested through the binary in tests/cli/engine_commands/demo_cli_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/paths.h"
#include "fixres/data/codecs.h"
#include "fixres/data/decode.h"
#include "fixres/data/fashion_mnist.h"
#include "fixres/data/image_folder.h"
#include "fixres/engine/demo_data.h"

namespace fixres {
namespace {

namespace fs = std::filesystem;

TEST(DemoData, RandomSubsetIsSeededSortedAndDistinct) {
  const auto base = std::make_shared<data::FashionMnist>(false);
  const auto a = engine::random_subset(base, 500, 7);
  const auto b = engine::random_subset(base, 500, 7);
  const auto c = engine::random_subset(base, 500, 8);
  ASSERT_EQ(a->size(), 500);
  const auto& sa = dynamic_cast<const engine::DatasetSubset&>(*a);
  const auto& sb = dynamic_cast<const engine::DatasetSubset&>(*b);
  const auto& sc = dynamic_cast<const engine::DatasetSubset&>(*c);
  bool differs = false;
  for (std::int64_t i = 0; i < 500; ++i) {
    EXPECT_EQ(sa.at(i), sb.at(i));
    if (i > 0) {
      EXPECT_LT(sa.at(i - 1), sa.at(i));
    }
    differs |= sa.at(i) != sc.at(i);
    EXPECT_EQ(a->label(i), base->label(sa.at(i)));
  }
  EXPECT_TRUE(differs) << "another seed draws other images";
  EXPECT_EQ(engine::random_subset(base, 0, 7), base);
  EXPECT_EQ(engine::random_subset(base, base->size(), 7), base);
}

TEST(DemoData, ClassFoldersKeepTheLabelOrder) {
  EXPECT_EQ(engine::export_class_folder(0, 10, "T-shirt/top"), "0_T-shirt_top");
  EXPECT_EQ(engine::export_class_folder(9, 10, "Ankle boot"), "9_Ankle_boot");
  EXPECT_EQ(engine::export_class_folder(7, 12, "x"), "07_x");
  EXPECT_LT(engine::export_class_folder(2, 12, "b"), engine::export_class_folder(10, 12, "a"));
}

TEST(DemoData, PngRoundTripsGreyAndColour) {
  data::Image grey(3, 5);
  data::Image colour(4, 2);
  for (std::size_t i = 0; i < grey.pixels.size(); i += 3) {
    grey.pixels[i] = grey.pixels[i + 1] = grey.pixels[i + 2] = static_cast<std::uint8_t>(17 * i);
  }
  for (std::size_t i = 0; i < colour.pixels.size(); ++i) colour.pixels[i] = static_cast<std::uint8_t>(31 * i + 5);
  for (const data::Image* image : {&grey, &colour}) {
    const auto png = data::codecs::encode_png(*image);
    const data::Image back = data::decode_image(png.data(), png.size(), "round trip");
    EXPECT_EQ(back.height, image->height);
    EXPECT_EQ(back.width, image->width);
    EXPECT_EQ(back.pixels, image->pixels);
  }
}

TEST(DemoData, ExportedFolderReadsBackAsTheSameDataset) {
  const auto base = std::make_shared<data::FashionMnist>(false);
  const auto subset = engine::random_subset(base, 60, 3);
  const fs::path dir = testing::scratch_dir("demo_export") / "val";
  const auto summary = engine::export_image_folder(*subset, dir.string(), engine::Reporter{});
  EXPECT_EQ(summary.images, 60);
  const data::ImageFolder folder(dir.string());
  ASSERT_EQ(folder.size(), 60);
  ASSERT_EQ(folder.num_classes(), 10);
  EXPECT_EQ(folder.classes()[0], "0_T-shirt_top");
  // ImageFolder lists class by class; each exported file is named after its subset position.
  for (std::int64_t i = 0; i < folder.size(); ++i) {
    const std::int64_t position = std::stoll(fs::path(folder.path(i)).stem().string());
    EXPECT_EQ(folder.label(i), subset->label(position));
    EXPECT_EQ(folder.load(i).pixels, subset->load(position).pixels) << folder.path(i);
  }
}

}  // namespace
}  // namespace fixres
