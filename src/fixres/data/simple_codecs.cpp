// The trivially simple formats of torchvision's extension list: binary PPM/PGM and
// uncompressed BMP. Anything these readers do not cover is refused with a clear message.

#include <cctype>
#include <cstring>
#include <limits>

#include "fixres/data/byte_order.h"
#include "fixres/data/codecs.h"

namespace fixres::data::codecs {
namespace {

// Reads the next unsigned decimal header field, skipping whitespace and '#' comments.
long read_netpbm_field(const std::uint8_t* data, std::size_t size, std::size_t& pos, const std::string& name) {
  while (pos < size) {
    if (data[pos] == '#') {
      while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
    } else if (std::isspace(data[pos])) {
      ++pos;
    } else {
      break;
    }
  }
  if (pos >= size || !std::isdigit(data[pos])) throw ImageError(name, "corrupt PPM/PGM header");
  long value = 0;
  while (pos < size && std::isdigit(data[pos])) {
    value = value * 10 + (data[pos++] - '0');
    if (value > (1L << 24)) throw ImageError(name, "corrupt PPM/PGM header: value too large");
  }
  return value;
}

}  // namespace

Image decode_netpbm(const std::uint8_t* data, std::size_t size, const std::string& name) {
  if (size < 2 || data[0] != 'P' || (data[1] != '5' && data[1] != '6')) {
    throw ImageError(name, "unsupported PNM variant (only binary P5/P6 are decoded)");
  }
  const bool colour = data[1] == '6';
  std::size_t pos = 2;
  const long w = read_netpbm_field(data, size, pos, name);
  const long h = read_netpbm_field(data, size, pos, name);
  const long maxval = read_netpbm_field(data, size, pos, name);
  if (w <= 0 || h <= 0) throw ImageError(name, "corrupt PPM/PGM header: empty image");
  if (maxval != 255) {
    throw ImageError(name, "unsupported PPM/PGM maxval " + std::to_string(maxval) + " (expected 255)");
  }
  check_pixel_count(name, static_cast<std::uint64_t>(h), static_cast<std::uint64_t>(w));
  ++pos;  // the single whitespace byte after maxval
  const std::size_t channels = colour ? 3 : 1;
  const std::size_t need = static_cast<std::size_t>(w) * h * channels;
  if (pos > size || size - pos < need) throw ImageError(name, "PPM/PGM file is truncated");
  Image out(static_cast<int>(h), static_cast<int>(w));
  const std::uint8_t* src = data + pos;
  if (colour) {
    std::memcpy(out.pixels.data(), src, need);
  } else {
    for (std::size_t i = 0; i < need; ++i) out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = src[i];
  }
  return out;
}

Image decode_bmp(const std::uint8_t* data, std::size_t size, const std::string& name) {
  if (size < 54 || data[0] != 'B' || data[1] != 'M') throw ImageError(name, "corrupt BMP header");
  const std::uint32_t offset = le32(data + 10);
  const std::uint32_t header = le32(data + 14);
  if (header < 40) throw ImageError(name, "unsupported BMP (OS/2 core header)");
  const auto w = static_cast<std::int32_t>(le32(data + 18));
  const auto signed_h = static_cast<std::int32_t>(le32(data + 22));
  const int bpp = le16(data + 28);
  const std::uint32_t compression = le32(data + 30);
  if (compression != 0 || (bpp != 24 && bpp != 32)) {
    throw ImageError(name, "unsupported BMP (" + std::to_string(bpp) + " bits per pixel, compression " +
                               std::to_string(compression) + "; only uncompressed 24/32-bit is decoded)");
  }
  if (w <= 0 || signed_h == 0 || signed_h == std::numeric_limits<std::int32_t>::min()) {
    throw ImageError(name, "corrupt BMP header: bad size");
  }
  const bool top_down = signed_h < 0;
  const int h = top_down ? -signed_h : signed_h;
  check_pixel_count(name, static_cast<std::uint64_t>(h), static_cast<std::uint64_t>(w));
  const std::size_t bytes_pp = static_cast<std::size_t>(bpp) / 8;
  const std::size_t stride = (static_cast<std::size_t>(w) * bytes_pp + 3) & ~std::size_t{3};
  if (offset > size || (size - offset) / stride < static_cast<std::size_t>(h)) {
    throw ImageError(name, "BMP file is truncated");
  }
  Image out(h, w);
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* src = data + offset + stride * static_cast<std::size_t>(top_down ? y : h - 1 - y);
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < w; ++x, src += bytes_pp) {
      dst[3 * x] = src[2];
      dst[3 * x + 1] = src[1];
      dst[3 * x + 2] = src[0];
    }
  }
  return out;
}

}  // namespace fixres::data::codecs
