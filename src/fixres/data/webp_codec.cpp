// WebP through libwebp's animation decoder, as PIL 9.4 reads every WebP file (WebPImagePlugin with
// HAVE_WEBPANIM: _webp.WebPAnimDecoder, colour mode MODE_RGBA): the first frame's RGBA canvas; PIL
// then calls the image RGB (no alpha in the file: rawmode RGBX) or RGBA, and convert('RGB') drops
// the alpha channel either way, without blending.

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

}  // namespace

Image decode_webp(const std::uint8_t* data, std::size_t size, const std::string& name) {
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK) throw ImageError(name, "not a decodable WebP file");
  // The canvas size (VP8X) or the frame's: checked before libwebp allocates the canvas.
  check_pixel_count(name, static_cast<std::uint64_t>(features.height), static_cast<std::uint64_t>(features.width));
  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) throw ImageError(name, "libwebp: version mismatch");
  options.color_mode = MODE_RGBA;
  const WebPData input{data, size};
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
