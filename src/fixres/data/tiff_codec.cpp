// TIFF through libtiff (the library PIL 9.4 links for every compressed TIFF), the samples turned
// into RGB as PIL's TiffImagePlugin modes and convert('RGB') turn them:
//   - 8-bit grey (black is zero, or white is zero: inverted) and 1-bit bilevel, replicated;
//   - 8-bit RGB, chunky or planar; RGB with an extra sample: dropped (unassociated alpha, or
//     unspecified), or un-premultiplied first as PIL's "RGBa" unpacker does (associated alpha);
//   - palette images (1-, 2-, 4- or 8-bit indices): the colour map's high bytes, as PIL keeps them;
//   - 16-bit grey ("I;16": values above 255 clip to 255) and 16-bit RGB (the high byte);
//   - YCbCr (JPEG-compressed or not) through libtiff's RGBA interface, as PIL reads it.
// Strips or tiles (tiles of 8- and 16-bit samples). The first image of a multi-page file;
// orientation tags are ignored, as PIL.Image.open does.
// Anything else (floating-point or signed samples, CMYK, CIELab, > 16 bits) is refused by name.

#include <tiffio.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "fixres/data/codecs.h"

namespace fixres::data::codecs {
namespace {

/// The in-memory file libtiff reads through its client callbacks.
struct MemoryFile {
  const std::uint8_t* data;
  toff_t size;
  toff_t pos = 0;
};

tsize_t mem_read(thandle_t h, tdata_t buf, tsize_t n) {
  auto* f = static_cast<MemoryFile*>(h);
  const toff_t left = f->pos < f->size ? f->size - f->pos : 0;
  const toff_t count = std::min<toff_t>(left, static_cast<toff_t>(n));
  std::memcpy(buf, f->data + f->pos, count);
  f->pos += count;
  return static_cast<tsize_t>(count);
}
tsize_t mem_write(thandle_t, tdata_t, tsize_t) { return 0; }
toff_t mem_seek(thandle_t h, toff_t off, int whence) {
  auto* f = static_cast<MemoryFile*>(h);
  const toff_t base = whence == SEEK_CUR ? f->pos : (whence == SEEK_END ? f->size : 0);
  f->pos = base + off;
  return f->pos;
}
int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) { return static_cast<MemoryFile*>(h)->size; }
int mem_map(thandle_t, tdata_t*, toff_t*) { return 0; }
void mem_unmap(thandle_t, tdata_t, toff_t) {}

/// libtiff reports errors through a handler: kept per thread for the message.
thread_local std::string last_error;
void on_error(const char* module, const char* fmt, va_list ap) {
  char text[512];
  std::vsnprintf(text, sizeof text, fmt, ap);
  last_error = std::string(module ? module : "libtiff") + ": " + text;
}

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};

struct Layout {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 1, samples = 1, photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG;
  std::uint16_t sample_format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE;
  std::uint16_t extra = EXTRASAMPLE_UNSPECIFIED;  // the first extra sample's meaning
  bool has_extra = false;
};

Layout read_layout(TIFF* t, const std::string& name) {
  Layout l;
  if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &l.width) || !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &l.height) ||
      l.width == 0 || l.height == 0) {
    throw ImageError(name, "TIFF without image dimensions");
  }
  check_pixel_count(name, l.height, l.width);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &l.bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &l.samples);
  TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &l.planar);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &l.sample_format);
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &l.compression);
  if (!TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &l.photometric)) {
    l.photometric = l.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  }
  std::uint16_t count = 0;
  std::uint16_t* kinds = nullptr;
  if (TIFFGetField(t, TIFFTAG_EXTRASAMPLES, &count, &kinds) && count > 0) {
    l.has_extra = true;
    l.extra = kinds[0];
  }
  return l;
}

/// The scanlines of `plane` of a tiled file (samples of 8 or 16 bits), tile by tile.
std::vector<std::uint8_t> read_tiled_plane(TIFF* t, const Layout& l, std::uint16_t plane, std::size_t line_bytes,
                                           const std::string& name) {
  if (l.bits < 8) throw ImageError(name, "tiled TIFF with " + std::to_string(l.bits) + "-bit samples is not decoded");
  std::uint32_t tile_w = 0, tile_h = 0;
  if (!TIFFGetField(t, TIFFTAG_TILEWIDTH, &tile_w) || !TIFFGetField(t, TIFFTAG_TILELENGTH, &tile_h) || tile_w == 0 ||
      tile_h == 0) {
    throw ImageError(name, "tiled TIFF without tile dimensions");
  }
  const std::size_t pixel_bytes = line_bytes / l.width;  // the bytes of one pixel in this plane
  std::vector<std::uint8_t> tile(static_cast<std::size_t>(TIFFTileSize(t)));
  std::vector<std::uint8_t> out(line_bytes * l.height);
  for (std::uint32_t y0 = 0; y0 < l.height; y0 += tile_h) {
    for (std::uint32_t x0 = 0; x0 < l.width; x0 += tile_w) {
      if (TIFFReadTile(t, tile.data(), x0, y0, 0, plane) < 0) throw ImageError(name, "TIFF decode failed: " + last_error);
      const std::size_t cols = std::min(tile_w, l.width - x0), rows = std::min(tile_h, l.height - y0);
      for (std::size_t r = 0; r < rows; ++r) {
        std::memcpy(out.data() + (y0 + r) * line_bytes + x0 * pixel_bytes, tile.data() + r * tile_w * pixel_bytes,
                    cols * pixel_bytes);
      }
    }
  }
  return out;
}

/// The scanlines of `plane` of a stripped file, strip by strip with TIFFReadEncodedStrip as PIL
/// reads them: a strip that does not decode whole (corrupt or missing data) fails the file.
std::vector<std::uint8_t> read_stripped_plane(TIFF* t, const Layout& l, std::uint16_t plane, std::size_t line_bytes,
                                              const std::string& name) {
  std::uint32_t rows_per_strip = l.height;
  TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::max<std::uint32_t>(1, std::min(rows_per_strip, l.height));
  std::vector<std::uint8_t> out(line_bytes * l.height);
  for (std::uint32_t y = 0; y < l.height; y += rows_per_strip) {
    const std::size_t rows = std::min(rows_per_strip, l.height - y);
    const tmsize_t got = TIFFReadEncodedStrip(t, TIFFComputeStrip(t, y, plane), out.data() + y * line_bytes,
                                              static_cast<tmsize_t>(rows * line_bytes));
    if (got < 0) throw ImageError(name, "TIFF decode failed: " + last_error);
  }
  return out;
}

/// Every sample, chunky (samples interleaved per pixel), one byte per sample for bits <= 8, two
/// (native order) for 16; bilevel and palette indices below 8 bits are unpacked to one per byte.
std::vector<std::uint8_t> read_samples(TIFF* t, const Layout& l, const std::string& name) {
  const std::size_t bytes_per_sample = l.bits == 16 ? 2 : 1;
  const std::size_t row_samples = static_cast<std::size_t>(l.width) * l.samples;
  std::vector<std::uint8_t> out(row_samples * bytes_per_sample * l.height);
  const bool planar = l.planar == PLANARCONFIG_SEPARATE && l.samples > 1;
  const std::size_t line_bytes = static_cast<std::size_t>(TIFFScanlineSize(t));
  std::vector<std::uint8_t> line(line_bytes);
  for (std::uint16_t plane = 0; plane < (planar ? l.samples : 1); ++plane) {
    const std::vector<std::uint8_t> lines = TIFFIsTiled(t) ? read_tiled_plane(t, l, plane, line_bytes, name)
                                                           : read_stripped_plane(t, l, plane, line_bytes, name);
    for (std::uint32_t y = 0; y < l.height; ++y) {
      std::memcpy(line.data(), lines.data() + y * line_bytes, line_bytes);
      std::uint8_t* row = out.data() + y * row_samples * bytes_per_sample;
      const std::size_t per_row = planar ? l.width : row_samples;
      for (std::size_t i = 0; i < per_row; ++i) {
        const std::size_t dst = planar ? i * l.samples + plane : i;
        if (l.bits >= 8) {
          std::memcpy(row + dst * bytes_per_sample, line.data() + i * bytes_per_sample, bytes_per_sample);
        } else {  // MSB-first packed samples (libtiff applies FillOrder)
          const std::size_t bit = i * l.bits;
          row[dst] = static_cast<std::uint8_t>((line[bit / 8] >> (8 - l.bits - bit % 8)) & ((1u << l.bits) - 1));
        }
      }
    }
  }
  return out;
}

ImageError unsupported_layout(const Layout& l, const std::string& name) {
  return ImageError(name, "unsupported TIFF layout (photometric " + std::to_string(l.photometric) + ", " +
                              std::to_string(l.samples) + " samples of " + std::to_string(l.bits) + " bits)");
}

/// Whether to_rgb() can convert samples of this shape (at most 4 samples of 1, 2, 4, 8 or 16 bits).
/// Checked before any sample is read: libtiff sizes a scanline from both, a 60-pixel-wide file
/// claiming 65535 samples of 65535 bits would need a gigabyte per row.
bool decodable_samples(const Layout& l) {
  return l.samples >= 1 && l.samples <= 4 && (l.bits == 1 || l.bits == 2 || l.bits == 4 || l.bits == 8 || l.bits == 16);
}

std::uint8_t clip8(int v) { return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

Image to_rgb(TIFF* t, const Layout& l, const std::vector<std::uint8_t>& s, const std::string& name) {
  Image out(static_cast<int>(l.height), static_cast<int>(l.width));
  const std::size_t n = static_cast<std::size_t>(l.width) * l.height;
  auto put = [&out](std::size_t i, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    out.pixels[3 * i] = r, out.pixels[3 * i + 1] = g, out.pixels[3 * i + 2] = b;
  };
  const bool grey = l.photometric == PHOTOMETRIC_MINISBLACK || l.photometric == PHOTOMETRIC_MINISWHITE;
  if (grey && l.samples == 1 && l.bits <= 8 && (l.bits == 1 || l.bits == 8)) {
    const bool inverted = l.photometric == PHOTOMETRIC_MINISWHITE;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t v = l.bits == 1 ? (s[i] ? 255 : 0) : s[i];
      if (inverted) v = static_cast<std::uint8_t>(255 - v);
      put(i, v, v, v);
    }
    return out;
  }
  if (grey && l.samples == 1 && l.bits == 16 && l.photometric == PHOTOMETRIC_MINISBLACK) {
    const auto* v = reinterpret_cast<const std::uint16_t*>(s.data());
    for (std::size_t i = 0; i < n; ++i) put(i, clip8(v[i]), clip8(v[i]), clip8(v[i]));  // PIL's I;16 -> RGB
    return out;
  }
  if (l.photometric == PHOTOMETRIC_PALETTE && l.samples == 1 && l.bits <= 8) {
    std::uint16_t *r = nullptr, *g = nullptr, *b = nullptr;
    if (!TIFFGetField(t, TIFFTAG_COLORMAP, &r, &g, &b)) throw ImageError(name, "palette TIFF without a colour map");
    for (std::size_t i = 0; i < n; ++i) put(i, r[s[i]] >> 8, g[s[i]] >> 8, b[s[i]] >> 8);
    return out;
  }
  if (l.photometric == PHOTOMETRIC_RGB && (l.samples == 3 || (l.samples == 4 && l.has_extra)) &&
      (l.bits == 8 || l.bits == 16)) {
    const std::size_t step = l.samples * (l.bits == 16 ? 2 : 1);
    const bool premultiplied = l.samples == 4 && l.extra == EXTRASAMPLE_ASSOCALPHA;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t* p = s.data() + i * step;
      if (l.bits == 16) {  // PIL's RGB;16 unpackers keep the high byte
        const auto* w = reinterpret_cast<const std::uint16_t*>(p);
        put(i, w[0] >> 8, w[1] >> 8, w[2] >> 8);
      } else if (premultiplied && p[3] != 255) {  // PIL's unpackRGBa
        const int a = p[3];
        if (a == 0) put(i, 0, 0, 0);
        else put(i, clip8(p[0] * 255 / a), clip8(p[1] * 255 / a), clip8(p[2] * 255 / a));
      } else {
        put(i, p[0], p[1], p[2]);
      }
    }
    return out;
  }
  throw unsupported_layout(l, name);
}

/// YCbCr through libtiff's RGBA interface (what PIL does for it), top row first. The first strip
/// or tile that fails to decode fails the file, as in PIL (which reads them one by one); without
/// stop-on-error libtiff went on through every broken strip (a 1,367-byte file of 13905x1478
/// pixels with no strip data "decoded" blank, > 1 s under ASan).
Image ycbcr_to_rgb(TIFF* t, const Layout& l, const std::string& name) {
  std::vector<std::uint32_t> raster(static_cast<std::size_t>(l.width) * l.height);
  if (!TIFFReadRGBAImageOriented(t, l.width, l.height, raster.data(), ORIENTATION_TOPLEFT, /*stop_on_error=*/1)) {
    throw ImageError(name, "TIFF decode failed: " + last_error);
  }
  Image out(static_cast<int>(l.height), static_cast<int>(l.width));
  for (std::size_t i = 0; i < raster.size(); ++i) {
    out.pixels[3 * i] = static_cast<std::uint8_t>(TIFFGetR(raster[i]));
    out.pixels[3 * i + 1] = static_cast<std::uint8_t>(TIFFGetG(raster[i]));
    out.pixels[3 * i + 2] = static_cast<std::uint8_t>(TIFFGetB(raster[i]));
  }
  return out;
}

}  // namespace

Image decode_tiff(const std::uint8_t* data, std::size_t size, const std::string& name) {
  MemoryFile file{data, static_cast<toff_t>(size)};
  TIFFSetErrorHandler(on_error);
  TIFFSetWarningHandler(nullptr);
  last_error.clear();
  std::unique_ptr<TIFF, TiffCloser> t(TIFFClientOpen(name.c_str(), "rm", &file, mem_read, mem_write, mem_seek,
                                                     mem_close, mem_size, mem_map, mem_unmap));
  if (!t) throw ImageError(name, "not a readable TIFF file: " + last_error);
  const Layout l = read_layout(t.get(), name);
  if (l.sample_format != SAMPLEFORMAT_UINT) throw ImageError(name, "TIFF with non-integer or signed samples");
  if (!decodable_samples(l)) throw unsupported_layout(l, name);
  if (l.photometric == PHOTOMETRIC_YCBCR) return ycbcr_to_rgb(t.get(), l, name);
  // Uncompressed samples are stored as they are: a file shorter than they are is truncated (PIL:
  // "image file is truncated"), refused before anything is allocated for them. libtiff reads
  // strips whose byte counts it had to guess as zeros: a 216-byte file decoded to 16.7 Mpixels.
  const std::uint64_t planes = l.planar == PLANARCONFIG_SEPARATE ? l.samples : 1;
  const std::uint64_t raw = static_cast<std::uint64_t>(TIFFScanlineSize64(t.get())) * l.height * planes;
  if (l.compression == COMPRESSION_NONE && raw > size) {
    throw ImageError(name, "image file is truncated (" + std::to_string(l.width) + "x" + std::to_string(l.height) +
                               " uncompressed pixels need " + std::to_string(raw) + " bytes, the file has " +
                               std::to_string(size) + ")");
  }
  return to_rgb(t.get(), l, read_samples(t.get(), l, name), name);
}

}  // namespace fixres::data::codecs
