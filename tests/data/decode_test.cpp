// Decoding parity with PIL 9.4's Image.open(f).convert('RGB') on real photographs.

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "data/image_fixtures.h"
#include "fixres/data/decode.h"
#include "fixres/data/geometry.h"

namespace fixres::data {
namespace {

using fixres::testing::image_fixture;
using fixres::testing::images_equal;
using fixres::testing::images_manifest;
using fixres::testing::fixture;
using fixres::testing::npy_image;

TEST(DecodeTest, MatchesPilOnEveryFormatVariant) {
  const auto& cases = images_manifest().at("decode");
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    const std::string file = c.at("file");
    SCOPED_TRACE(file);
    EXPECT_TRUE(images_equal(npy_image(c.at("expected")), read_image(image_fixture(file))));
  }
}

TEST(DecodeTest, OriginalPhotoJpegsDecodeBitExactly) {
  for (const auto& c : images_manifest().at("originals")) {
    const std::string file = c.at("file");
    SCOPED_TRACE(file);
    const Image img = read_image(image_fixture(file));
    ASSERT_EQ(img.height, c.at("height").get<int>());
    ASSERT_EQ(img.width, c.at("width").get<int>());
    const uLong crc = crc32(0L, img.pixels.data(), static_cast<uInt>(img.pixels.size()));
    EXPECT_EQ(crc, c.at("crc32").get<uLong>());
  }
}

TEST(DecodeTest, BadFilesThrowImageErrorNamingTheFile) {
  for (const auto& c : images_manifest().at("bad")) {
    const std::string file = c.at("file");
    SCOPED_TRACE(file);
    const std::string path = image_fixture(file);
    if (c.at("pil_decodes").get<bool>()) {
      // What PIL decodes (the TIFF and WebP of this folder) is an image for us too.
      EXPECT_NO_THROW(read_image(path));
      continue;
    }
    try {
      read_image(path);
      ADD_FAILURE() << "decoded without error";
    } catch (const ImageError& e) {
      EXPECT_EQ(e.name(), path);
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

// WebP and TIFF variants (tools/fixtures/formats.py) decode as PIL's convert('RGB'): 0 differing values.
TEST(DecodeTest, WebPAndTiffMatchPil) {
  std::ifstream in(fixture("formats/cases.json"));
  ASSERT_TRUE(in) << "missing tests/fixtures/formats/cases.json";
  const nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_EQ(cases.size(), 22u);
  for (const auto& c : cases) {
    const std::string file = c.at("file");
    SCOPED_TRACE(file);
    const Image expected = fixres::testing::npy_image_file(fixture(c.at("expected").get<std::string>()).string());
    EXPECT_TRUE(images_equal(expected, read_image(fixture(file).string())));
  }
}

TEST(DecodeTest, RegionDecodeEqualsFullDecodeInsideTheBox) {
  // libjpeg-turbo's skip/crop decode, on every fixture JPEG (baseline, progressive, 4:2:0,
  // 4:2:2, 4:4:4, odd sizes, greyscale, CMYK, restart markers, camera originals), for random boxes.
  std::vector<std::string> files;
  for (const auto& c : images_manifest().at("decode")) files.push_back(c.at("file"));
  for (const auto& c : images_manifest().at("originals")) files.push_back(c.at("file"));
  std::uint64_t state = 12345;
  auto next = [&state](int n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33) % static_cast<std::uint64_t>(n));
  };
  int checked = 0;
  for (const auto& file : files) {
    const std::string path = image_fixture(file);
    const Image full = read_image(path);
    for (int k = 0; k < 25; ++k) {
      const int h = 1 + next(full.height), w = 1 + next(full.width);
      const CropBox box{next(full.height - h + 1), next(full.width - w + 1), h, w};
      const DecodedRegion r = read_image_region(path, [&](int fh, int fw) {
        EXPECT_EQ(fh, full.height);
        EXPECT_EQ(fw, full.width);
        return box;
      });
      ASSERT_TRUE(r.contains(box)) << file;
      EXPECT_TRUE(images_equal(crop(full, box), crop(r.image, {box.top - r.top, box.left - r.left, h, w})))
          << file << " box " << box.top << "," << box.left << " " << h << "x" << w;
      ++checked;
    }
  }
  EXPECT_GE(checked, 500);
}

TEST(DecodeTest, MissingFileThrowsImageError) {
  EXPECT_THROW(read_image(image_fixture("decode/does_not_exist.jpg")), ImageError);
}

TEST(DecodeTest, SniffsFormatsFromContent) {
  const std::uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0};
  const std::uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  const std::uint8_t webp[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  EXPECT_EQ(sniff_format(jpeg, sizeof(jpeg)), "JPEG");
  EXPECT_EQ(sniff_format(png, sizeof(png)), "PNG");
  EXPECT_EQ(sniff_format(webp, sizeof(webp)), "WEBP");
  EXPECT_EQ(sniff_format(jpeg, 2), "");
}

}  // namespace
}  // namespace fixres::data
