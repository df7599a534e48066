// WebP through libwebp's animation decoder, as PIL 9.4 reads every WebP file (WebPImagePlugin with
// HAVE_WEBPANIM: _webp.WebPAnimDecoder, colour mode MODE_RGBA): the first frame's RGBA canvas; PIL
// then calls the image RGB (no alpha in the file: rawmode RGBX) or RGBA, and convert('RGB') drops
// the alpha channel either way, without blending. A still image's one frame is decoded the way
// that decoder decodes it, without its canvases (decode_still_frame).

#include <webp/decode.h>
#include <webp/demux.h>

#include <cstring>
#include <memory>

#include "fixres/data/codecs.h"

namespace fixres::data::codecs {
namespace {

struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};
struct DemuxDeleter {
  void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};

// A still image's frame decoded as the animation decoder decodes it (WebPDecode of the frame's
// ALPH/VP8/VP8L bytes, the same file checks: WebPDemux), but to RGB, its colour samples being
// those of the RGBA canvas. libwebp parses the frame's partitions before it allocates the
// output, where the animation decoder first allocates and clears two canvases: a 79-byte file
// claiming 11021x10240 pixels took 0.4 s (> 1 s under ASan) to be refused. Empty when the file
// is animated or its frame does not cover the canvas (then decoded as an animation).
bool decode_still_frame(WebPDemuxer* demux, const std::string& name, Image* out) {
  if (WebPDemuxGetI(demux, WEBP_FF_FRAME_COUNT) != 1 || (WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & ANIMATION_FLAG)) {
    return false;
  }
  WebPIterator frame;
  if (!WebPDemuxGetFrame(demux, 1, &frame)) return false;
  const bool whole = frame.x_offset == 0 && frame.y_offset == 0 &&
                     frame.width == static_cast<int>(WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH)) &&
                     frame.height == static_cast<int>(WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT));
  WebPDecoderConfig config;
  if (!whole || !WebPInitDecoderConfig(&config)) {
    WebPDemuxReleaseIterator(&frame);
    return false;
  }
  config.output.colorspace = MODE_RGB;
  const VP8StatusCode status = WebPDecode(frame.fragment.bytes, frame.fragment.size, &config);
  WebPDemuxReleaseIterator(&frame);
  if (status != VP8_STATUS_OK) {
    WebPFreeDecBuffer(&config.output);
    throw ImageError(name, "WebP frame could not be decoded (truncated or corrupt file)");
  }
  const WebPRGBABuffer& rgb = config.output.u.RGBA;
  *out = Image(config.output.height, config.output.width);
  for (int y = 0; y < out->height; ++y) std::memcpy(out->row(y), rgb.rgba + static_cast<std::size_t>(y) * rgb.stride, out->row_bytes());
  WebPFreeDecBuffer(&config.output);
  return true;
}

}  // namespace

Image decode_webp(const std::uint8_t* data, std::size_t size, const std::string& name) {
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK) throw ImageError(name, "not a decodable WebP file");
  // The canvas size (VP8X) or the frame's: checked before libwebp allocates the canvas.
  check_pixel_count(name, static_cast<std::uint64_t>(features.height), static_cast<std::uint64_t>(features.width));
  const WebPData input{data, size};
  const std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&input));
  if (!demux) throw ImageError(name, "not a decodable WebP file");
  Image still;
  if (decode_still_frame(demux.get(), name, &still)) return still;
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) throw ImageError(name, "libwebp: version mismatch");
  options.color_mode = MODE_RGBA;
  std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> decoder(WebPAnimDecoderNew(&input, &options));
  if (!decoder) throw ImageError(name, "not a decodable WebP file");
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(decoder.get(), &info) || info.canvas_width == 0 || info.canvas_height == 0) {
    throw ImageError(name, "WebP file without a canvas");
  }
  std::uint8_t* rgba = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &rgba, &timestamp) || rgba == nullptr) {
    throw ImageError(name, "WebP frame could not be decoded (truncated or corrupt file)");
  }
  Image out(static_cast<int>(info.canvas_height), static_cast<int>(info.canvas_width));
  const std::size_t pixels = static_cast<std::size_t>(out.height) * static_cast<std::size_t>(out.width);
  for (std::size_t i = 0; i < pixels; ++i) std::memcpy(&out.pixels[3 * i], rgba + 4 * i, 3);
  return out;
}

}  // namespace fixres::data::codecs
