// Damaged files decided as PIL 9.4 decides them (tools/fixtures/corrupt.py): a file that
// `Image.open(f).convert('RGB')` decodes is an image with PIL's pixels, a file PIL refuses is
// an ImageError (the loader skips it). 1,200 seeded mutations (truncation, flipped, overwritten,
// inserted and deleted bytes, bad chunk CRCs and segment lengths, appended garbage) of every
// JPEG/PNG flavour, BMP, PPM/PGM and WebP file of the decode fixtures.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/paths.h"
#include "fixres/data/decode.h"
#include "fixres/data/geometry.h"

namespace fixres::data {
namespace {

struct Corpus {
  nlohmann::json manifest;
  std::vector<std::uint8_t> bytes;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    std::ifstream m(testing::fixture("corrupt/manifest.json"));
    std::ifstream b(testing::fixture("corrupt/corpus.bin"), std::ios::binary);
    if (!m || !b) throw std::runtime_error("missing tests/fixtures/corrupt/ (tools/make_fixtures.py corrupt)");
    out.manifest = nlohmann::json::parse(m);
    out.bytes.assign(std::istreambuf_iterator<char>(b), std::istreambuf_iterator<char>());
    return out;
  }();
  return c;
}

/// "" when `image` (or the error) is what PIL gave for `entry`, else what differs.
std::string verdict_difference(const nlohmann::json& entry, const Image* image, const std::string& error) {
  std::ostringstream why;
  const bool pil_decodes = entry.at("decodes").get<bool>();
  if (!pil_decodes) {
    if (image != nullptr) why << "PIL refuses (" << entry.at("error").get<std::string>() << "), fixres decodes";
    return why.str();
  }
  if (image == nullptr) return "PIL decodes, fixres refuses: " + error;
  const uLong crc = crc32(0L, image->pixels.data(), static_cast<uInt>(image->pixels.size()));
  if (image->height != entry.at("height").get<int>() || image->width != entry.at("width").get<int>() ||
      crc != entry.at("crc32").get<uLong>()) {
    why << "pixels differ (" << image->height << "x" << image->width << " vs " << entry.at("height") << "x"
        << entry.at("width") << ")";
  }
  return why.str();
}

/// Decodes every corpus file with `decode` and reports each one decided unlike PIL.
template <typename Decode>
void expect_pil_verdicts(Decode decode) {
  const Corpus& c = corpus();
  const auto& files = c.manifest.at("files");
  ASSERT_GE(files.size(), 1000u);
  std::size_t differing = 0, decoded = 0;
  for (const auto& entry : files) {
    const std::uint8_t* data = c.bytes.data() + entry.at("offset").get<std::size_t>();
    const std::size_t size = entry.at("size").get<std::size_t>();
    const std::string name = entry.at("name");
    std::string difference;
    try {
      const Image image = decode(data, size, name);
      ++decoded;
      difference = verdict_difference(entry, &image, "");
    } catch (const ImageError& e) {
      difference = verdict_difference(entry, nullptr, e.what());
    }
    if (!difference.empty()) {
      ++differing;
      ADD_FAILURE() << name << ": " << difference;
    }
  }
  EXPECT_EQ(differing, 0u);
  EXPECT_EQ(decoded, c.manifest.at("pil_decodes").get<std::size_t>());
}

TEST(CorruptCorpusTest, DecodeOrSkipAsPilDecides) {
  expect_pil_verdicts([](const std::uint8_t* data, std::size_t size, const std::string& name) {
    return decode_image(data, size, name);
  });
}

/// The loader's region decode (JPEG rows above and below a crop skipped, a column range cut)
/// decides the same way: damage outside the crop still makes PIL refuse the whole file. Inside
/// the requested box, its pixels are the full decode's.
void expect_region_verdicts(const std::function<CropBox(int, int)>& box_of) {
  expect_pil_verdicts([&](const std::uint8_t* data, std::size_t size, const std::string& name) {
    CropBox box;
    const DecodedRegion region = decode_image_region(data, size, name, [&](int h, int w) {
      box = clamp_box(box_of(h, w), h, w);
      return box;
    });
    if (region.top == 0 && region.left == 0 && region.image.height == region.full_height &&
        region.image.width == region.full_width) {
      return region.image;
    }
    // A partial decode decided "image": the full decode must too (else the partial image is what
    // is compared with PIL's verdict, and reported).
    Image full;
    try {
      full = decode_image(data, size, name);
    } catch (const ImageError&) {
      return region.image;
    }
    const CropBox inside{box.top - region.top, box.left - region.left, box.height, box.width};
    EXPECT_EQ(crop(full, box).pixels, crop(region.image, inside).pixels) << name << ": region pixels differ";
    return full;
  });
}

TEST(CorruptCorpusTest, CentreRegionDecodeDecidesAsPil) {
  expect_region_verdicts([](int h, int w) { return center_crop_box(h, w, h / 2, w / 2); });
}

TEST(CorruptCorpusTest, TopLeftRegionDecodeDecidesAsPil) {
  // The rows below the box are skipped: a truncated tail must still be noticed.
  expect_region_verdicts([](int h, int w) { return CropBox{0, 0, std::max(1, h / 4), std::max(1, w / 4)}; });
}

}  // namespace
}  // namespace fixres::data
