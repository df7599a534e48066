#pragma once
/// Image decoding that reproduces PIL 9.4's `Image.open(f).convert('RGB')` to the bit.
/// The format is recognised from the content (as PIL does), not from the file extension:
///  - JPEG through libjpeg (libjpeg62-turbo, the library PIL links): islow DCT, fancy upsampling,
///    baseline/progressive; greyscale replicated; CMYK/YCCK read as Adobe-inverted CMYK
///    (PIL's "CMYK;I") and converted with PIL's cmyk2rgb; a truncated file is an error.
///  - PNG through libpng: every colour type and bit depth; palette expanded; alpha and tRNS
///    dropped (convert('RGB')); 16-bit samples keep their high byte, except 16-bit greyscale,
///    which PIL opens as mode "I" and clips to 255 when converting.
///  - binary PPM/PGM (P6/P5, maxval 255) and uncompressed 24/32-bit BMP.
///  - anything else (TIFF, WebP, GIF, …) is refused with an ImageError naming the format.
/// Torch-free and thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "fixres/data/geometry.h"
#include "fixres/data/image.h"

namespace fixres::data {

/// Decodes an in-memory file; `name` (usually the path) prefixes error messages.
/// Throws ImageError for empty, corrupt, truncated or unsupported data.
Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& name);

/// Reads `path` and decodes it; throws ImageError (also when the file cannot be read).
Image read_image(const std::string& path);

/// A decoded rectangle of an image: `image` holds the pixels of rows [top, top + image.height)
/// and columns [left, left + image.width) of the full full_height x full_width decode.
struct DecodedRegion {
  Image image;
  int top = 0;
  int left = 0;
  int full_height = 0;
  int full_width = 0;

  /// Whether `box` (full-image coordinates) lies inside the decoded rectangle.
  bool contains(const CropBox& box) const {
    return box.top >= top && box.left >= left && box.top + box.height <= top + image.height &&
           box.left + box.width <= left + image.width;
  }
};

/// What a transform asks of the decoder. `box`: given the size of the image as decoded (height,
/// width), the box it needs (clamped to the image). `reduction` (optional): given the stored
/// size, 1, 2, 4 or 8 — a JPEG is then decoded by libjpeg's DCT scaling at 1/reduction of each
/// side, rounded up, as PIL's Image.draft() does (other formats ignore it); `box` is then called
/// with the reduced size. Any callable for `box` converts to a request without reduction.
struct RegionRequest {
  std::function<CropBox(int height, int width)> box;
  std::function<int(int height, int width)> reduction;

  RegionRequest() = default;
  template <class F, class = std::enable_if_t<std::is_invocable_r_v<CropBox, F&, int, int> &&
                                              !std::is_same_v<std::decay_t<F>, RegionRequest>>>
  RegionRequest(F f) : box(std::move(f)) {}  // NOLINT(google-explicit-constructor): a lambda is a request

  CropBox operator()(int height, int width) const { return box(height, width); }
};

/// Decodes at least the box `want` asks for, with the same pixel values there as
/// decode_image(). JPEG files skip the rows above/below the box and decode only a column range
/// around it (the costly part of a small centre or random crop); other formats decode everything.
DecodedRegion decode_image_region(const std::uint8_t* data, std::size_t size, const std::string& name,
                                  const RegionRequest& want);

/// Reads `path` and decodes it as decode_image_region() does.
DecodedRegion read_image_region(const std::string& path, const RegionRequest& want);

/// `box` intersected with a height x width image (an empty intersection gives a 0-sized box).
CropBox clamp_box(const CropBox& box, int height, int width);

/// The container format recognised from the first bytes: "JPEG", "PNG", "PPM", "PGM", "BMP",
/// "TIFF", "WEBP", "GIF" or "" when unknown.
std::string sniff_format(const std::uint8_t* data, std::size_t size);

}  // namespace fixres::data
