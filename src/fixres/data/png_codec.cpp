// PNG decoding through libpng with the pixel values PIL 9.4's PngImagePlugin + convert('RGB')
// produce, and the 8-bit encoder of the demo's exported folders. libpng reports errors by
// longjmp; as in jpeg_codec.cpp, everything that lives across the setjmp belongs to the caller's
// frame.

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "fixres/data/byte_order.h"
#include "fixres/data/codecs.h"

namespace fixres::data::codecs {
namespace {

/// Where the error callback leaves libpng's message: a member of both the read and the write
/// state, handed to libpng as its error pointer.
struct PngErrorSink {
  char message[256] = {0};
};

struct PngState {
  PngErrorSink sink;
  png_structp png = nullptr;
  png_infop info = nullptr;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  std::vector<png_bytep> rows;
  std::vector<std::uint8_t> wide;  // 16-bit greyscale samples before clipping
  png_uint_32 height = 0;
  bool interlaced = false;
  bool grey16 = false;
  bool rows_started = false;  // png_read_image called: rows_complete() is meaningful
};

extern "C" void fixres_png_error(png_structp png, png_const_charp msg) {
  auto* sink = static_cast<PngErrorSink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof(sink->message), "%s", msg);
  png_longjmp(png, 1);
}

extern "C" void fixres_png_warning(png_structp, png_const_charp) {}

extern "C" void fixres_png_read(png_structp png, png_bytep out, png_size_t length) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > st->size - st->pos) png_error(png, "file is truncated");
  std::memcpy(out, st->data + st->pos, length);
  st->pos += length;
}

/// Whether libpng has delivered every row of the last pass: it is then only finishing the zlib
/// stream and the last IDAT chunk, which PIL never reads (its decoder stops at the last row), so
/// an error from there on does not make the file unreadable.
bool rows_complete(const PngState& st) {
  if (!st.rows_started) return false;
  if (st.interlaced) return png_get_current_pass_number(st.png) >= 7;
  return png_get_current_row_number(st.png) >= st.height;
}

/// Deflate expands at most ~1032:1: an image whose rows need more than that from the bytes left
/// is truncated (PIL: "image file is truncated") and is refused before its rows are allocated.
bool rows_fit_in_data(const PngState& st, std::size_t rowbytes) {
  const double raw = (static_cast<double>(rowbytes) + 1.0) * st.height;
  return raw <= 1032.0 * static_cast<double>(st.size - st.pos) + 4096.0;
}

/// Reads the header and sets the transforms to PIL's convert('RGB'); false with a message when
/// the layout is not one PIL converts this way.
bool read_header(PngState* st, Image* out) {
  png_set_read_fn(st->png, st, fixres_png_read);
  // PIL checks the CRC of every chunk before the first IDAT (a mismatch: "broken PNG file"),
  // and none from the image data on.
  png_set_crc_action(st->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  png_read_info(st->png, st->info);
  png_set_crc_action(st->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
  const png_uint_32 w = png_get_image_width(st->png, st->info);
  st->height = png_get_image_height(st->png, st->info);
  const int depth = png_get_bit_depth(st->png, st->info);
  const int type = png_get_color_type(st->png, st->info);
  st->interlaced = png_get_interlace_type(st->png, st->info) != PNG_INTERLACE_NONE;
  if (!pixel_count_allowed(st->height, w, st->sink.message, sizeof(st->sink.message))) return false;
  // PIL opens 16-bit greyscale as mode "I" (32-bit ints) and convert('RGB') clips each value
  // to 255 instead of scaling it: keep the 16-bit samples for that case.
  st->grey16 = type == PNG_COLOR_TYPE_GRAY && depth == 16;
  if (!rows_fit_in_data(*st, png_get_rowbytes(st->png, st->info))) {
    std::snprintf(st->sink.message, sizeof(st->sink.message), "file is truncated");
    return false;
  }
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(st->png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(st->png);
  if (depth == 16 && !st->grey16) png_set_strip_16(st->png);
  png_set_strip_alpha(st->png);
  if (!st->grey16 && (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA)) {
    png_set_gray_to_rgb(st->png);
  }
  png_set_interlace_handling(st->png);
  png_read_update_info(st->png, st->info);
  const int channels = png_get_channels(st->png, st->info);
  const std::size_t rowbytes = png_get_rowbytes(st->png, st->info);
  if (st->grey16 ? (channels != 1 || rowbytes != 2 * std::size_t{w})
                 : (channels != 3 || rowbytes != 3 * std::size_t{w})) {
    std::snprintf(st->sink.message, sizeof(st->sink.message),
                  "unexpected layout after conversion (color type %d, depth %d)", type, depth);
    return false;
  }
  *out = Image(static_cast<int>(st->height), static_cast<int>(w));
  if (st->grey16) st->wide.resize(rowbytes * st->height);
  st->rows.resize(st->height);
  for (png_uint_32 y = 0; y < st->height; ++y) {
    st->rows[y] = st->grey16 ? st->wide.data() + rowbytes * y : out->row(static_cast<int>(y));
  }
  return true;
}

/// Returns false after a libpng error (message in st->sink). Owns no C++ objects.
bool run_decode(PngState* st, Image* out) {
  if (setjmp(png_jmpbuf(st->png))) return rows_complete(*st);
  if (!read_header(st, out)) return false;
  st->rows_started = true;
  png_read_image(st->png, st->rows.data());
  return true;
}

/// 16-bit greyscale as PIL's mode "I" converts it: each value clipped to 255.
void clip_grey16(const PngState& st, Image* out) {
  const std::size_t w = static_cast<std::size_t>(out->width);
  for (int y = 0; y < out->height; ++y) {
    const std::uint8_t* src = st.wide.data() + 2 * w * static_cast<std::size_t>(y);
    std::uint8_t* dst = out->row(y);
    for (std::size_t x = 0; x < w; ++x) {
      const int v = (src[2 * x] << 8) | src[2 * x + 1];
      dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = static_cast<std::uint8_t>(std::min(v, 255));
    }
  }
}

/// A file cut inside its last IDAT chunk, as PIL reads it: PIL hands the decoder whatever image
/// data there is and succeeds when the rows are complete. libpng reads a chunk whole, so the copy
/// returned here declares the IDAT as long as what remains and ends with an IEND; empty when
/// the file is not cut inside an IDAT.
std::vector<std::uint8_t> shortened_last_idat(const std::uint8_t* data, std::size_t size) {
  std::size_t pos = 8;
  while (pos + 8 <= size) {
    const std::size_t length = be32(data + pos);
    const bool idat = std::memcmp(data + pos + 4, "IDAT", 4) == 0;
    if (length + 12 <= size - pos) {
      pos += length + 12;
      continue;
    }
    if (!idat) return {};
    const std::size_t kept = std::min(length, size - pos - 8);
    std::vector<std::uint8_t> copy(data, data + pos + 8 + kept);
    for (int i = 0; i < 4; ++i) copy[pos + i] = static_cast<std::uint8_t>(kept >> (24 - 8 * i));
    static const std::uint8_t kTail[16] = {0, 0, 0, 0, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    copy.insert(copy.end(), kTail, kTail + sizeof(kTail));  // the IDAT's (unchecked) CRC, then IEND
    return copy;
  }
  return {};
}

}  // namespace

Image decode_png(const std::uint8_t* data, std::size_t size, const std::string& name) {
  PngState st;
  const std::vector<std::uint8_t> shortened = shortened_last_idat(data, size);
  st.data = shortened.empty() ? data : shortened.data();
  st.size = shortened.empty() ? size : shortened.size();
  st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st.sink, fixres_png_error, fixres_png_warning);
  if (st.png) st.info = png_create_info_struct(st.png);
  if (!st.png || !st.info) {
    png_destroy_read_struct(&st.png, nullptr, nullptr);
    throw ImageError(name, "cannot decode PNG: out of memory");
  }
  Image image;
  const bool ok = run_decode(&st, &image);
  png_destroy_read_struct(&st.png, &st.info, nullptr);
  if (!ok) throw ImageError(name, std::string("cannot decode PNG: ") + st.sink.message);
  if (st.grey16) clip_grey16(st, &image);
  return image;
}

namespace {

struct PngWriteState {
  PngErrorSink sink;
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::vector<std::uint8_t> out;
};

extern "C" void fixres_png_write(png_structp png, png_bytep data, png_size_t length) {
  auto* st = static_cast<PngWriteState*>(png_get_io_ptr(png));
  st->out.insert(st->out.end(), data, data + length);
}

extern "C" void fixres_png_flush(png_structp) {}

bool run_encode(PngWriteState* st, int height, int width, bool grey, const std::uint8_t* base, std::size_t stride) {
  if (setjmp(png_jmpbuf(st->png))) return false;
  png_set_write_fn(st->png, st, fixres_png_write, fixres_png_flush);
  png_set_IHDR(st->png, st->info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               grey ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(st->png, st->info);
  for (int y = 0; y < height; ++y) {
    png_write_row(st->png, const_cast<png_bytep>(base + static_cast<std::size_t>(y) * stride));
  }
  png_write_end(st->png, nullptr);
  return true;
}

bool is_grey(const Image& image) {
  for (std::size_t i = 0; i + 2 < image.pixels.size(); i += 3) {
    if (image.pixels[i] != image.pixels[i + 1] || image.pixels[i] != image.pixels[i + 2]) return false;
  }
  return true;
}

}  // namespace

std::vector<std::uint8_t> encode_png(const Image& image) {
  if (image.empty()) throw std::runtime_error("encode_png: empty image");
  const bool grey = is_grey(image);
  std::vector<std::uint8_t> rows;
  if (grey) {
    rows.resize(static_cast<std::size_t>(image.height) * static_cast<std::size_t>(image.width));
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = image.pixels[3 * i];
  }
  const std::size_t stride = grey ? static_cast<std::size_t>(image.width) : image.row_bytes();
  const std::uint8_t* base = grey ? rows.data() : image.pixels.data();

  PngWriteState st;
  st.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st.sink, fixres_png_error, fixres_png_warning);
  if (st.png) st.info = png_create_info_struct(st.png);
  if (!st.png || !st.info) {
    png_destroy_write_struct(&st.png, nullptr);
    throw std::runtime_error("cannot encode PNG: out of memory");
  }
  const bool ok = run_encode(&st, image.height, image.width, grey, base, stride);
  png_destroy_write_struct(&st.png, &st.info);
  if (!ok) throw std::runtime_error(std::string("cannot encode PNG: ") + st.sink.message);
  return std::move(st.out);
}

}  // namespace fixres::data::codecs
