// WebP as PIL 9.4 reads every WebP file (WebPImagePlugin with HAVE_WEBPANIM: _webp.WebPAnimDecoder,
// colour mode MODE_RGBA): the first frame's RGBA canvas; PIL then calls the image RGB (no alpha
// in the file: rawmode RGBX) or RGBA, and convert('RGB') drops the alpha channel either way,
// without blending. That first canvas is what libwebp's animation decoder makes of frame 1 (always
// a key frame): a transparent black canvas (the background colour is ignored) with the frame's
// decoded samples written over it at the frame's offset, unblended. We compose it the same way,
// after the same checks of the file (WebPDemux), decoding the frame with WebPDecode straight to
// RGB, without the animation decoder's two canvases of 4 bytes a pixel: libwebp parses the
// frame's partitions before it allocates, so a truncated frame is refused before any canvas
// (fuzzing: a 79-byte file claiming 11021x10240 pixels, a 518-byte animation with a
// 2687069x59 canvas, took seconds).

#include <webp/decode.h>
#include <webp/demux.h>

#include <cstring>
#include <memory>

#include "fixres/data/codecs.h"

namespace fixres::data::codecs {
namespace {

struct DemuxDeleter {
  void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};

struct FrameIterator {
  WebPIterator it;
  ~FrameIterator() { WebPDemuxReleaseIterator(&it); }
};

struct DecodedBuffer {
  WebPDecoderConfig config;
  ~DecodedBuffer() { WebPFreeDecBuffer(&config.output); }
};

}  // namespace

Image decode_webp(const std::uint8_t* data, std::size_t size, const std::string& name) {
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK) throw ImageError(name, "not a decodable WebP file");
  // The canvas size (VP8X) or the frame's: checked before anything of that size is allocated.
  check_pixel_count(name, static_cast<std::uint64_t>(features.height), static_cast<std::uint64_t>(features.width));
  const WebPData input{data, size};
  const std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&input));
  if (!demux) throw ImageError(name, "not a decodable WebP file");
  const auto canvas_width = static_cast<int>(WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_WIDTH));
  const auto canvas_height = static_cast<int>(WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_HEIGHT));
  if (canvas_width <= 0 || canvas_height <= 0) throw ImageError(name, "WebP file without a canvas");
  check_pixel_count(name, static_cast<std::uint64_t>(canvas_height), static_cast<std::uint64_t>(canvas_width));

  FrameIterator frame;
  DecodedBuffer decoded;
  if (!WebPDemuxGetFrame(demux.get(), 1, &frame.it) || !WebPInitDecoderConfig(&decoded.config)) {
    throw ImageError(name, "WebP file without a frame");
  }
  decoded.config.output.colorspace = MODE_RGB;
  if (WebPDecode(frame.it.fragment.bytes, frame.it.fragment.size, &decoded.config) != VP8_STATUS_OK) {
    throw ImageError(name, "WebP frame could not be decoded (truncated or corrupt file)");
  }
  const WebPDecBuffer& out_buffer = decoded.config.output;
  const int x0 = frame.it.x_offset, y0 = frame.it.y_offset;
  if (x0 < 0 || y0 < 0 || out_buffer.width > canvas_width - x0 || out_buffer.height > canvas_height - y0) {
    throw ImageError(name, "WebP frame lies outside the canvas");
  }
  Image out(canvas_height, canvas_width);
  const std::size_t frame_row = static_cast<std::size_t>(out_buffer.width) * 3;
  for (int y = 0; y < out_buffer.height; ++y) {
    std::memcpy(out.row(y0 + y) + static_cast<std::size_t>(x0) * 3,
                out_buffer.u.RGBA.rgba + static_cast<std::size_t>(y) * out_buffer.u.RGBA.stride, frame_row);
  }
  return out;
}

}  // namespace fixres::data::codecs
