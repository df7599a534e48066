#include "fixres/data/decode.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fixres/data/codecs.h"

namespace fixres::data {

namespace codecs {

bool pixel_count_allowed(std::uint64_t height, std::uint64_t width, char* message, std::size_t size) {
  if (height * width <= kMaxImagePixels) return true;  // both < 2^32: no overflow
  std::snprintf(message, size, "image size (%llu x %llu pixels) exceeds the limit of %llu pixels (PIL's "
                "decompression-bomb rule)", static_cast<unsigned long long>(width),
                static_cast<unsigned long long>(height), static_cast<unsigned long long>(kMaxImagePixels));
  return false;
}

void check_pixel_count(const std::string& name, std::uint64_t height, std::uint64_t width) {
  char message[160];
  if (!pixel_count_allowed(height, width, message, sizeof(message))) throw ImageError(name, message);
}

}  // namespace codecs

std::string sniff_format(const std::uint8_t* d, std::size_t n) {
  auto starts = [&](const char* magic, std::size_t len, std::size_t at = 0) {
    return n >= at + len && std::memcmp(d + at, magic, len) == 0;
  };
  if (starts("\xFF\xD8\xFF", 3)) return "JPEG";
  if (starts("\x89PNG\r\n\x1A\n", 8)) return "PNG";
  if (n >= 2 && d[0] == 'P' && (d[1] == '3' || d[1] == '6')) return "PPM";
  if (n >= 2 && d[0] == 'P' && (d[1] == '1' || d[1] == '2' || d[1] == '4' || d[1] == '5')) return "PGM";
  if (starts("BM", 2)) return "BMP";
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return "TIFF";
  if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return "WEBP";
  if (starts("GIF8", 4)) return "GIF";
  return "";
}

Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name) {
  if (size == 0) throw ImageError(name, "empty file");
  const std::string format = sniff_format(data, size);
  if (format == "JPEG") return codecs::decode_jpeg(data, size, name);
  if (format == "PNG") return codecs::decode_png(data, size, name);
  if (format == "PPM" || format == "PGM") return codecs::decode_netpbm(data, size, name);
  if (format == "BMP") return codecs::decode_bmp(data, size, name);
  if (format == "WEBP") return codecs::decode_webp(data, size, name);
  if (format == "TIFF") return codecs::decode_tiff(data, size, name);
  if (!format.empty()) {
    throw ImageError(name, "unsupported image format " + format +
                               " (decoded: JPEG, PNG, WebP, TIFF, binary PPM/PGM, uncompressed BMP)");
  }
  throw ImageError(name, "cannot identify image file (not JPEG, PNG, PPM/PGM, BMP, TIFF, WebP or GIF)");
}

CropBox clamp_box(const CropBox& box, int height, int width) {
  const int top = std::clamp(box.top, 0, height), left = std::clamp(box.left, 0, width);
  const int bottom = std::clamp(box.top + box.height, top, height);
  const int right = std::clamp(box.left + box.width, left, width);
  return {top, left, bottom - top, right - left};
}

DecodedRegion decode_image_region(const std::uint8_t* data, std::size_t size, const std::string& name,
                                  const RegionRequest& want) {
  if (size > 0 && sniff_format(data, size) == "JPEG") return codecs::decode_jpeg_region(data, size, name, &want);
  DecodedRegion region;
  region.image = decode_image(data, size, name);
  region.full_height = region.image.height;
  region.full_width = region.image.width;
  want(region.full_height, region.full_width);  // the caller may draw its random box here
  return region;
}

namespace {

RecycledBytes read_file(const std::string& path) {
  // O_NONBLOCK: a FIFO or device named like an image is refused below instead of blocking open().
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw ImageError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw ImageError(path, "not a regular file");
  }
  RecycledBytes bytes(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 0);
  std::size_t filled = 0;
  for (;;) {
    if (filled == bytes.size()) bytes.resize(std::max<std::size_t>(2 * bytes.size(), 1 << 16));
    const ssize_t got = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      throw ImageError(path, std::string("cannot read: ") + std::strerror(e));
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  bytes.resize(filled);
  ::close(fd);
  return bytes;
}

}  // namespace

Image read_image(const std::string& path) {
  const RecycledBytes bytes = read_file(path);
  return decode_image(bytes.data(), bytes.size(), path);
}

DecodedRegion read_image_region(const std::string& path, const RegionRequest& want) {
  const RecycledBytes bytes = read_file(path);
  return decode_image_region(bytes.data(), bytes.size(), path, want);
}

}  // namespace fixres::data
