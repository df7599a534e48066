#pragma once
/// The decoded image every transform works on: RGB, 8 bits per channel, HWC (row-major, channels
/// interleaved), what PIL's `Image.convert('RGB')` holds. Torch-free.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixres/data/pixel_allocator.h"

namespace fixres::data {

struct Image {
  int height = 0;
  int width = 0;
  RecycledBytes pixels;  ///< height * width * 3 bytes, RGB interleaved (recycled per thread)

  Image() = default;
  /// A zero-filled (black) image.
  Image(int h, int w) : height(h), width(w), pixels(bytes(h, w), 0) {}
  /// An image whose pixels are left as the recycled memory holds them: for code that writes
  /// every pixel.
  static Image uninitialized(int h, int w) {
    Image img;
    img.height = h;
    img.width = w;
    img.pixels = RecycledBytes(bytes(h, w));
    return img;
  }

  bool empty() const { return height == 0 || width == 0; }
  std::size_t row_bytes() const { return static_cast<std::size_t>(width) * 3; }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * row_bytes(); }
  const std::uint8_t* row(int y) const { return pixels.data() + static_cast<std::size_t>(y) * row_bytes(); }

 private:
  static std::size_t bytes(int h, int w) { return static_cast<std::size_t>(h) * static_cast<std::size_t>(w) * 3; }
};

/// A file that cannot be decoded (corrupt, truncated, empty, unsupported format). The message
/// starts with the file name. The loader catches it to skip the image (unless strict).
class ImageError : public std::runtime_error {
 public:
  ImageError(const std::string& name, const std::string& what)
      : std::runtime_error(name + ": " + what), name_(name) {}
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace fixres::data
