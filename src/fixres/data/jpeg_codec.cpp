// JPEG decoding through libjpeg with PIL 9.4's conventions (JpegImagePlugin + JpegDecode.c).
//
// libjpeg reports fatal errors by calling error_exit, which must not return: we longjmp back to
// the decoding routine. To keep that safe in C++, every object that lives across the setjmp
// (libjpeg state, output image, scratch rows) belongs to the caller's frame and is passed by
// pointer; the routine with the setjmp owns no object with a destructor. After a failure the
// caller destroys the libjpeg state, then throws — the way torchvision's decoder cleans up.

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "fixres/data/codecs.h"

namespace fixres::data::codecs {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct JpegState {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  bool created = false;
  std::vector<JSAMPLE> scratch;  // one row of 1 or 4 samples per pixel
  const RegionRequest* want = nullptr;  // null: the whole image
  CropBox box;                          // requested box, clamped to the image
  int top = 0, left = 0;                // position of the decoded rectangle in the image
  int full_height = 0, full_width = 0;
};

// Extra pixels decoded around a requested box, so that the edges of a partial decode (where
// libjpeg's fancy upsampler sees the cut as an image border) stay outside the box.
constexpr int kRegionMargin = 16;

extern "C" void fixres_jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

extern "C" void fixres_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
  // PIL ignores libjpeg's warnings, except that running out of data before the last row is its
  // "image file is truncated" error; once every row is out, a missing EOI does not matter (its
  // decoder stops there). Trace messages (msg_level >= 0) are ignored.
  if (msg_level >= 0 || cinfo->err->msg_code != JWRN_JPEG_EOF) return;
  const auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->output_height == 0 || d->output_scanline < d->output_height) fixres_jpeg_error_exit(cinfo);
}

// PIL's "CMYK;I" unpacker inverts the samples, then Convert.c cmyk2rgb maps to RGB with
// MULDIV255 rounding.
inline std::uint8_t cmyk_channel(int inverted_ink, int nk) {
  const int ink = 255 - inverted_ink;
  const int tmp = ink * nk + 128;
  const int v = nk - (((tmp >> 8) + tmp) >> 8);
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Huffman codes are at least one bit long, so every block of every component in a scan costs at
// least one bit: a header whose smallest component has more blocks than the data left has bits
// describes a truncated file (PIL: "image file is truncated"), refused before anything is
// allocated for it. Arithmetic coding has no such floor and is left to the decoder.
bool entropy_data_can_hold(const jpeg_decompress_struct& cinfo) {
  if (cinfo.arith_code) return true;
  std::uint64_t blocks = std::numeric_limits<std::uint64_t>::max();
  for (int c = 0; c < cinfo.num_components; ++c) {
    const jpeg_component_info& comp = cinfo.comp_info[c];
    blocks = std::min<std::uint64_t>(blocks, std::uint64_t{comp.width_in_blocks} * comp.height_in_blocks);
  }
  return blocks <= 8 * std::uint64_t{cinfo.src->bytes_in_buffer} + 8192;
}

// The rows below a region are not needed, but PIL refuses a file whose data ends (or breaks)
// before the last row. They are skipped (entropy decoding only, no IDCT) but for the last one,
// which is read: jpeg_skip_scanlines() to the very end would return without reading anything.
void finish_rows_below(JpegState* st) {
  const auto last = static_cast<JDIMENSION>(st->full_height - 1);
  if (st->cinfo.output_scanline < last) jpeg_skip_scanlines(&st->cinfo, last - st->cinfo.output_scanline);
  st->scratch.resize(static_cast<std::size_t>(st->cinfo.output_width) * st->cinfo.output_components);
  JSAMPROW row = st->scratch.data();
  jpeg_read_scanlines(&st->cinfo, &row, 1);
}

// Returns false after a libjpeg error (message in st->err.message). Owns no C++ objects.
bool run_decode(const std::uint8_t* data, std::size_t size, JpegState* st, Image* out) {
  st->cinfo.err = jpeg_std_error(&st->err.pub);
  st->err.pub.error_exit = fixres_jpeg_error_exit;
  st->err.pub.emit_message = fixres_jpeg_emit_message;
  st->err.message[0] = '\0';
  if (setjmp(st->err.jump)) return false;

  jpeg_create_decompress(&st->cinfo);
  st->created = true;
  jpeg_mem_src(&st->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&st->cinfo, TRUE);
  // PIL's mode follows the number of components in the frame header.
  switch (st->cinfo.num_components) {
    case 1: st->cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: st->cinfo.out_color_space = JCS_RGB; break;
    case 4: st->cinfo.out_color_space = JCS_CMYK; break;
    default:
      std::snprintf(st->err.message, sizeof(st->err.message), "unsupported JPEG with %d components",
                    st->cinfo.num_components);
      return false;
  }
  // libjpeg's defaults are PIL's: JDCT_ISLOW, fancy upsampling, no scaling.
  if (!pixel_count_allowed(st->cinfo.image_height, st->cinfo.image_width, st->err.message, sizeof(st->err.message))) {
    return false;
  }
  if (!entropy_data_can_hold(st->cinfo)) {
    std::snprintf(st->err.message, sizeof(st->err.message), "image file is truncated (%ux%u pixels need more "
                  "data than the file holds)", st->cinfo.image_width, st->cinfo.image_height);
    return false;
  }
  if (st->want && st->want->reduction) {
    // PIL's draft(): decoderconfig (scale, 0) sets scale_num 1, scale_denom = scale and keeps
    // ISLOW and fancy upsampling; the output is ceil(size / scale).
    const int reduction = st->want->reduction(static_cast<int>(st->cinfo.image_height), static_cast<int>(st->cinfo.image_width));
    if (reduction != 1 && reduction != 2 && reduction != 4 && reduction != 8) {
      std::snprintf(st->err.message, sizeof(st->err.message), "internal: JPEG reduction %d (expected 1, 2, 4 or 8)", reduction);
      return false;
    }
    st->cinfo.scale_num = 1;
    st->cinfo.scale_denom = static_cast<unsigned int>(reduction);
  }
  jpeg_calc_output_dimensions(&st->cinfo);
  st->full_height = static_cast<int>(st->cinfo.output_height);
  st->full_width = static_cast<int>(st->cinfo.output_width);
  int row_begin = 0, row_end = st->full_height;
  if (st->want) {
    st->box = clamp_box((*st->want)(st->full_height, st->full_width), st->full_height, st->full_width);
    row_begin = std::max(0, st->box.top - kRegionMargin);
    row_end = std::min(st->full_height, st->box.top + st->box.height + kRegionMargin);
  }
  jpeg_start_decompress(&st->cinfo);
  if (st->want) {
    const int x0 = std::max(0, st->box.left - kRegionMargin);
    const int x1 = std::min(st->full_width, st->box.left + st->box.width + kRegionMargin);
    if (x0 > 0 || x1 < st->full_width) {
      JDIMENSION xoffset = static_cast<JDIMENSION>(x0), width = static_cast<JDIMENSION>(x1 - x0);
      jpeg_crop_scanline(&st->cinfo, &xoffset, &width);  // widens to iMCU boundaries
      st->left = static_cast<int>(xoffset);
    }
    if (row_begin > 0) jpeg_skip_scanlines(&st->cinfo, static_cast<JDIMENSION>(row_begin));
  }
  st->top = row_begin;
  const int w = static_cast<int>(st->cinfo.output_width);
  const int comps = st->cinfo.output_components;
  *out = Image::uninitialized(row_end - row_begin, w);
  if (comps != 3) st->scratch.resize(static_cast<std::size_t>(w) * comps);
  while (static_cast<int>(st->cinfo.output_scanline) < row_end) {
    const int y = static_cast<int>(st->cinfo.output_scanline) - row_begin;
    std::uint8_t* dst = out->row(y);
    if (comps == 3) {
      JSAMPROW row = dst;
      jpeg_read_scanlines(&st->cinfo, &row, 1);
      continue;
    }
    JSAMPROW row = st->scratch.data();
    jpeg_read_scanlines(&st->cinfo, &row, 1);
    const JSAMPLE* src = st->scratch.data();
    if (comps == 1) {
      for (int x = 0; x < w; ++x) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
    } else {
      for (int x = 0; x < w; ++x, src += 4) {
        const int nk = src[3];  // 255 - ink(K) = the inverted sample itself
        dst[3 * x + 0] = cmyk_channel(src[0], nk);
        dst[3 * x + 1] = cmyk_channel(src[1], nk);
        dst[3 * x + 2] = cmyk_channel(src[2], nk);
      }
    }
  }
  if (row_end < st->full_height) finish_rows_below(st);
  jpeg_finish_decompress(&st->cinfo);
  jpeg_destroy_decompress(&st->cinfo);
  st->created = false;
  return true;
}

}  // namespace

DecodedRegion decode_jpeg_region(const std::uint8_t* data, std::size_t size, const std::string& name,
                                 const RegionRequest* want) {
  JpegState state;
  state.want = want;
  DecodedRegion region;
  bool ok = false;
  try {
    ok = run_decode(data, size, &state, &region.image);
  } catch (...) {  // from the caller's RegionRequest or an allocation
    if (state.created) jpeg_destroy_decompress(&state.cinfo);
    throw;
  }
  if (!ok) {
    if (state.created) jpeg_destroy_decompress(&state.cinfo);
    throw ImageError(name, std::string("cannot decode JPEG: ") + state.err.message);
  }
  region.top = state.top;
  region.left = state.left;
  region.full_height = state.full_height;
  region.full_width = state.full_width;
  return region;
}

Image decode_jpeg(const std::uint8_t* data, std::size_t size, const std::string& name) {
  return decode_jpeg_region(data, size, name, nullptr).image;
}

}  // namespace fixres::data::codecs
