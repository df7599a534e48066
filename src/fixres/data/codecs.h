#pragma once
/// The per-format decoders behind decode_image() (decode.h). Each takes a whole in-memory file,
/// returns RGB HWC uint8 exactly as PIL 9.4's convert('RGB') would, and throws ImageError.
/// Plus the one encoder fixres needs (PNG, for the demo's exported folders).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fixres/data/decode.h"
#include "fixres/data/image.h"

namespace fixres::data::codecs {

/// PIL's decompression-bomb rule (Image.open refuses an image of more than twice
/// Image.MAX_IMAGE_PIXELS = 89,478,485 pixels), applied by every decoder before it allocates.
constexpr std::uint64_t kMaxImagePixels = 2ull * 89478485ull;

/// False (with the reason in message[0..size)) when height x width exceeds kMaxImagePixels.
bool pixel_count_allowed(std::uint64_t height, std::uint64_t width, char* message, std::size_t size);

/// Throws ImageError naming `name` when height x width exceeds kMaxImagePixels.
void check_pixel_count(const std::string& name, std::uint64_t height, std::uint64_t width);

/// libjpeg decode (see decode.h for the PIL conventions mirrored).
Image decode_jpeg(const std::uint8_t* data, std::size_t size, const std::string& name);

/// libjpeg decode of the rows and column range covering (*want)(height, width) plus a margin
/// (libjpeg-turbo's jpeg_skip_scanlines / jpeg_crop_scanline); the whole image when want is null.
DecodedRegion decode_jpeg_region(const std::uint8_t* data, std::size_t size, const std::string& name,
                                 const RegionRequest* want);

/// libpng decode (see decode.h).
Image decode_png(const std::uint8_t* data, std::size_t size, const std::string& name);

/// An 8-bit PNG of `image` (the demo's exported folders): greyscale when every pixel has
/// R = G = B (decoded back to the same RGB by PIL's convert('RGB') and by decode_png), RGB
/// otherwise. Throws std::runtime_error on a libpng failure.
std::vector<std::uint8_t> encode_png(const Image& image);

/// WebP (lossy, lossless, with alpha; an animation's first frame) through libwebp, as PIL.
Image decode_webp(const std::uint8_t* data, std::size_t size, const std::string& name);

/// TIFF through libtiff (see tiff_codec.cpp for the layouts decoded as PIL does, and those refused).
Image decode_tiff(const std::uint8_t* data, std::size_t size, const std::string& name);

/// Binary PPM (P6) and PGM (P5) with maxval 255.
Image decode_netpbm(const std::uint8_t* data, std::size_t size, const std::string& name);

/// Uncompressed (BI_RGB) 24- and 32-bit BMP, bottom-up or top-down.
Image decode_bmp(const std::uint8_t* data, std::size_t size, const std::string& name);

}  // namespace fixres::data::codecs
