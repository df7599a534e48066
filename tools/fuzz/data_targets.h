#pragma once
// The image decoders and the Fashion-MNIST reader of src/fixres/data as fuzz targets. An image
// target skips inputs that are not of its format (decode_image() sniffs the content), so that
// each explores its own decoder; the JPEG target also decodes a region and compares it with the
// whole decode. The documented refusals: ImageError (decoders), std::runtime_error naming the
// file (Fashion-MNIST).

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fixres/data/decode.h"
#include "fixres/data/fashion_mnist.h"
#include "fixres/data/image.h"
#include "fuzz/fuzz_support.h"

namespace fixres::fuzz {
namespace data_checks {

constexpr std::size_t kRegionCheckPixels = std::size_t{1} << 22;

inline void check_image(const data::Image& img, const std::string& name) {
  if (img.height <= 0 || img.width <= 0 ||
      img.pixels.size() != static_cast<std::size_t>(img.height) * static_cast<std::size_t>(img.width) * 3) {
    throw Violation(name + ": decoded " + std::to_string(img.height) + "x" + std::to_string(img.width) + " image holds " +
                    std::to_string(img.pixels.size()) + " bytes");
  }
}

/// decode_image_region() of a box that depends on the input, checked against the full decode of
/// the same file: it decodes too, the box lies inside the decoded rectangle, with the same pixels.
inline void check_region(const std::uint8_t* data, std::size_t size, const std::string& name, const data::Image& full) {
  data::CropBox box;
  const data::RegionRequest want = [&](int height, int width) {
    box = data::clamp_box({height * static_cast<int>(size % 5) / 8, width * static_cast<int>(size % 3) / 6,
                           height / 2 + 1, width / 3 + 1},
                          height, width);
    return box;
  };
  data::DecodedRegion region;
  try {
    region = data::decode_image_region(data, size, name, want);
  } catch (const data::ImageError& e) {
    throw Violation(name + ": the region decode refuses a file that decodes whole: " + e.what());
  }
  check_image(region.image, name + " (region)");
  if (region.full_height != full.height || region.full_width != full.width || !region.contains(box)) {
    throw Violation(name + ": decoded region does not hold the requested box of the " + std::to_string(full.height) + "x" +
                    std::to_string(full.width) + " image");
  }
  for (int y = box.top; y < box.top + box.height; ++y) {
    const std::uint8_t* want_row = full.row(y) + static_cast<std::size_t>(box.left) * 3;
    const std::uint8_t* got_row = region.image.row(y - region.top) + static_cast<std::size_t>(box.left - region.left) * 3;
    if (std::memcmp(want_row, got_row, static_cast<std::size_t>(box.width) * 3) != 0) {
      throw Violation(name + ": region decode differs from the full decode in row " + std::to_string(y));
    }
  }
}

/// The input with the CRC of every whole PNG chunk recomputed, so that mutations reach libpng's
/// chunk readers instead of its CRC check (libpng is not instrumented: the fuzzer cannot solve
/// CRCs by itself). A chunk cut by the end of the input is left as it is.
inline std::vector<std::uint8_t> with_png_crcs(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> out(data, data + size);
  for (std::size_t pos = 8; size - pos >= 12;) {
    const std::size_t length = (std::size_t{out[pos]} << 24) | (std::size_t{out[pos + 1]} << 16) |
                               (std::size_t{out[pos + 2]} << 8) | out[pos + 3];
    if (length > size - pos - 12) break;
    const uLong crc = crc32(0L, out.data() + pos + 4, static_cast<uInt>(length + 4));
    for (int i = 0; i < 4; ++i) out[pos + 8 + length + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
    pos += 12 + length;
  }
  return out;
}

}  // namespace data_checks

/// decode_image() of inputs whose content sniff_format() calls one of `sniffed` (others are
/// skipped, returning true); PNG inputs get their chunk CRCs fixed first (with_png_crcs).
inline Target image_target(const char* target, std::vector<std::string> sniffed, std::string file_name) {
  return {target, [formats = std::move(sniffed), name = std::move(file_name)](const std::uint8_t* input, std::size_t size) {
            if (std::find(formats.begin(), formats.end(), data::sniff_format(input, size)) == formats.end()) return true;
            const std::vector<std::uint8_t> fixed =
                formats.front() == "PNG" ? data_checks::with_png_crcs(input, size) : std::vector<std::uint8_t>();
            const std::uint8_t* data = fixed.empty() ? input : fixed.data();
            data::Image full;
            const bool decoded = refused_as<data::ImageError>(name, [&] {
              full = data::decode_image(data, size, name);
              data_checks::check_image(full, name);
            });
            // The region decode runs the same code whatever the size: compared on images of up to
            // 4 Mpixels, so that a large (legitimate) image is not decoded twice within the 1 s limit.
            if (decoded && formats.front() == "JPEG" && full.pixels.size() <= 3 * data_checks::kRegionCheckPixels) {
              data_checks::check_region(data, size, name, full);
            }
            return decoded;
          }};
}

/// The Fashion-MNIST split of an input holding both its files: a 4-byte little-endian length N,
/// N bytes of train-images-idx3-ubyte.gz, then train-labels-idx1-ubyte.gz (gzip or raw IDX:
/// zlib's gzread reads both). The files are memory files behind symbolic links in a folder of
/// this process.
class IdxFolder {
 public:
  IdxFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/fixres-fuzz-idx.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    root_ = pattern;
    link(images_, kImages);
    link(labels_, kLabels);
  }
  ~IdxFolder() {
    ::unlink((root_ + "/" + kImages).c_str());
    ::unlink((root_ + "/" + kLabels).c_str());
    ::rmdir(root_.c_str());
  }
  IdxFolder(const IdxFolder&) = delete;
  IdxFolder& operator=(const IdxFolder&) = delete;

  /// Writes both files from the input; returns the folder.
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::size_t split = 0;
    if (size >= 4) {
      std::uint32_t n = 0;
      std::memcpy(&n, data, 4);
      data += 4;
      size -= 4;
      split = std::min<std::size_t>(n, size);
    }
    images_.write(data, split);
    labels_.write(data + split, size - split);
    return root_;
  }

 private:
  static constexpr const char* kImages = "train-images-idx3-ubyte.gz";
  static constexpr const char* kLabels = "train-labels-idx1-ubyte.gz";
  void link(const MemoryFile& file, const char* as) {
    if (::symlink(file.path().c_str(), (root_ + "/" + as).c_str()) != 0) {
      throw std::system_error(errno, std::generic_category(), "symlink");
    }
  }
  std::string root_;
  MemoryFile images_{"images.gz"};
  MemoryFile labels_{"labels.gz"};
};

/// FashionMnist(train) over IdxFolder's files: every label in range, first and last items 28x28.
inline bool feed_fashion_mnist(const std::uint8_t* data, std::size_t size) {
  static IdxFolder folder;
  const std::string& root = folder.write(data, size);
  return refused_as<std::runtime_error>(root, [&] {
    const data::FashionMnist set(true, root);
    set.describe();
    if (set.size() == 0) return;
    for (std::int64_t i : {std::int64_t{0}, set.size() - 1}) {
      if (set.label(i) < 0 || set.label(i) >= set.num_classes()) throw Violation(root + ": label out of range");
      const data::Image img = set.load(i);
      if (img.height != data::FashionMnist::kSide || img.width != data::FashionMnist::kSide) {
        throw Violation(root + ": item is not 28x28");
      }
      data_checks::check_image(img, set.item_name(i));
    }
  });
}

/// The rows of the data targets.
inline std::vector<Target> data_targets() {
  return {
      image_target("jpeg", {"JPEG"}, "fuzz.jpg"), image_target("png", {"PNG"}, "fuzz.png"),
      image_target("tiff", {"TIFF"}, "fuzz.tiff"), image_target("webp", {"WEBP"}, "fuzz.webp"),
      image_target("bmp", {"BMP"}, "fuzz.bmp"), image_target("ppm", {"PPM", "PGM"}, "fuzz.ppm"),
      {"fashion_mnist", feed_fashion_mnist},
  };
}

}  // namespace fixres::fuzz
