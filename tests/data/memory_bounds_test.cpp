// Memory bounds (issue 20, item 2): a small file whose header claims a huge image is refused
// before its pixels are allocated. Each read runs in a child process whose address space may
// grow by 64 MB only, so a decoder that allocated what the header claims would fail there.
//   - above PIL's decompression-bomb limit (2 x 89,478,485 pixels): refused as PIL refuses it;
//   - below it, but more pixels than the file's data can encode: refused as truncated (PIL
//     refuses the same file as truncated, after allocating).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/memory_limit.h"
#include "common/paths.h"
#include "data/image_fixtures.h"
#include "fixres/data/decode.h"
#include "fixres/data/fashion_mnist.h"

namespace fixres::data {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kHeadroom = 64u << 20;

void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

void png_chunk(Bytes& b, const char* type, const Bytes& data) {
  put_be32(b, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = b.size();
  b.insert(b.end(), type, type + 4);
  b.insert(b.end(), data.begin(), data.end());
  put_be32(b, static_cast<std::uint32_t>(crc32(0L, b.data() + start, static_cast<uInt>(b.size() - start))));
}

/// A valid PNG header of width x height RGB pixels followed by a few bytes of image data.
Bytes png_claiming(std::uint32_t width, std::uint32_t height) {
  Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  png_chunk(b, "IHDR", ihdr);
  png_chunk(b, "IDAT", {0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01});
  png_chunk(b, "IEND", {});
  return b;
}

/// A real JPEG photo whose frame header is edited to claim width x height.
Bytes jpeg_claiming(std::uint16_t width, std::uint16_t height) {
  const std::string path = testing::image_fixture("decode/jpeg_420.jpg");
  std::ifstream in(path, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t i = 2; i + 9 < b.size(); ++i) {
    if (b[i] == 0xFF && (b[i + 1] == 0xC0 || b[i + 1] == 0xC2)) {
      b[i + 5] = static_cast<std::uint8_t>(height >> 8);
      b[i + 6] = static_cast<std::uint8_t>(height);
      b[i + 7] = static_cast<std::uint8_t>(width >> 8);
      b[i + 8] = static_cast<std::uint8_t>(width);
      return b;
    }
  }
  ADD_FAILURE() << "no SOF marker in " << path;
  return b;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

/// The decode of `file`, bounded: refused with an ImageError that says why (not out of memory).
void expect_refused_within_bounds(const Bytes& file, const std::string& why) {
  std::string message;
  const auto outcome = testing::run_bounded<ImageError>(
      kHeadroom, [&] { decode_image(file.data(), file.size(), "claim"); },
      [&](const ImageError& e) {
        const std::string what = e.what();
        return what.find(why) != std::string::npos && what.find("memory") == std::string::npos;
      });
  EXPECT_EQ(outcome, testing::BoundedOutcome::Refused)
      << testing::outcome_name(outcome) << " (expected an ImageError containing '" << why << "')";
  // The same in this process, for the message.
  try {
    decode_image(file.data(), file.size(), "claim");
    ADD_FAILURE() << "decoded";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST(MemoryBoundsTest, PngAboveThePixelLimitIsRefusedAsPilRefusesIt) {
  expect_refused_within_bounds(png_claiming(40000, 40000), "exceeds the limit of 178956970 pixels");
}

TEST(MemoryBoundsTest, PngWhoseDataCannotHoldItsRowsIsTruncated) {
  expect_refused_within_bounds(png_claiming(10000, 10000), "file is truncated");  // 300 MB from 60 bytes
}

TEST(MemoryBoundsTest, JpegAboveThePixelLimitIsRefusedAsPilRefusesIt) {
  expect_refused_within_bounds(jpeg_claiming(60000, 60000), "exceeds the limit of 178956970 pixels");
}

TEST(MemoryBoundsTest, JpegWhoseDataCannotHoldItsBlocksIsTruncated) {
  expect_refused_within_bounds(jpeg_claiming(12000, 12000), "image file is truncated");  // 432 MB from 2 KB
}

TEST(MemoryBoundsTest, BmpAndPpmLongerThanTheirDataAreTruncated) {
  Bytes bmp(54, 0);
  bmp[0] = 'B';
  bmp[1] = 'M';
  bmp[10] = 54;
  bmp[14] = 40;
  const std::uint32_t side = 10000;
  std::memcpy(&bmp[18], &side, 4);
  std::memcpy(&bmp[22], &side, 4);
  bmp[26] = 1;
  bmp[28] = 24;
  expect_refused_within_bounds(bmp, "BMP file is truncated");
  expect_refused_within_bounds(text("P6\n10000 10000\n255\nabc"), "PPM/PGM file is truncated");
}

/// A gzip file holding `content`, then `zeros` zero bytes (a gzip bomb: ~1 KB per MB).
void write_gz(const std::string& path, const Bytes& content, std::size_t zeros = 0) {
  gzFile f = gzopen(path.c_str(), "wb9");
  ASSERT_NE(f, nullptr);
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  const Bytes block(1 << 20, 0);
  for (std::size_t done = 0; done < zeros; done += block.size()) gzwrite(f, block.data(), static_cast<unsigned>(block.size()));
  gzclose(f);
}

TEST(MemoryBoundsTest, FashionMnistHeaderClaimingMoreImagesThanTheFileHoldsIsRefused) {
  const auto dir = testing::scratch_dir("memory_bounds_idx");
  Bytes images;
  for (std::uint32_t v : {2051u, 1000000000u, 28u, 28u}) put_be32(images, v);  // 784 GB claimed
  Bytes labels;
  for (std::uint32_t v : {2049u, 1000000000u}) put_be32(labels, v);
  write_gz((dir / "t10k-images-idx3-ubyte.gz").string(), images, 100u << 20);  // 100 MB of it in ~100 KB
  write_gz((dir / "t10k-labels-idx1-ubyte.gz").string(), labels);
  std::string message;
  const auto outcome = testing::run_bounded<std::runtime_error>(
      kHeadroom, [&] { FashionMnist(false, dir.string()); },
      [](const std::runtime_error& e) { return std::string(e.what()).find("file is truncated") != std::string::npos; });
  EXPECT_EQ(outcome, testing::BoundedOutcome::Refused) << testing::outcome_name(outcome);
}

}  // namespace
}  // namespace fixres::data
