#include "fixres/data/geometry.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "fixres/data/resample.h"

namespace fixres::data {

int fixres_resize_length(int test_size) { return static_cast<int>((256.0 / 224.0) * test_size); }

Size2 fixres_resize_target(int height, int width, int size, bool largest) {
  if (height <= 0 || width <= 0) {
    throw std::invalid_argument("fixres_resize_target: empty image " + std::to_string(height) + "x" +
                                std::to_string(width));
  }
  // int(size * w / h): the product is exact and Python's true division then truncation equals
  // integer floor division for positive operands.
  const auto scaled = [](long long a, long long b, long long c) { return static_cast<int>(a * b / c); };
  if (height < width && largest) return {scaled(size, height, width), size};
  return {size, scaled(size, width, height)};
}

Size2 resize_target(ResizeMode mode, int height, int width, int length) {
  if (mode == ResizeMode::FixRes) return fixres_resize_target(height, width, length);
  if (height <= 0 || width <= 0) {
    throw std::invalid_argument("resize_target: empty image " + std::to_string(height) + "x" + std::to_string(width));
  }
  // int(L * long / short): exact product, then floor division (as fixres_resize_target argues).
  const long long short_side = std::min(height, width), long_side = std::max(height, width);
  const int scaled = static_cast<int>(static_cast<long long>(length) * long_side / short_side);
  return width <= height ? Size2{scaled, length} : Size2{length, scaled};
}

int half_round_even_div2(int x) {
  // floor(x / 2), then round half to even when x is odd.
  const int f = x >= 0 ? x / 2 : -((-x + 1) / 2);
  if (x % 2 == 0) return f;
  return (f % 2 == 0) ? f : f + 1;
}

CropBox center_crop_box(int height, int width, int crop_height, int crop_width) {
  const auto axis = [](int dim, int crop_dim) {
    if (crop_dim > dim) return -((crop_dim - dim) / 2);
    return half_round_even_div2(dim - crop_dim);
  };
  return {axis(height, crop_height), axis(width, crop_width), crop_height, crop_width};
}

Image crop(const Image& in, const CropBox& box) {
  if (box.height <= 0 || box.width <= 0) throw std::invalid_argument("crop: empty crop box");
  Image out(box.height, box.width);
  const int x0 = std::max(box.left, 0), x1 = std::min(box.left + box.width, in.width);
  if (x1 <= x0) return out;
  for (int y = std::max(box.top, 0); y < std::min(box.top + box.height, in.height); ++y) {
    std::copy(in.row(y) + 3 * x0, in.row(y) + 3 * x1, out.row(y - box.top) + 3 * (x0 - box.left));
  }
  return out;
}

Image center_crop(const Image& in, int crop_height, int crop_width) {
  return crop(in, center_crop_box(in.height, in.width, crop_height, crop_width));
}

void hflip_inplace(Image& img) {
  for (int y = 0; y < img.height; ++y) {
    std::uint8_t* r = img.row(y);
    for (int a = 0, b = img.width - 1; a < b; ++a, --b) {
      std::swap(r[3 * a], r[3 * b]);
      std::swap(r[3 * a + 1], r[3 * b + 1]);
      std::swap(r[3 * a + 2], r[3 * b + 2]);
    }
  }
}

Image hflip(const Image& in) {
  Image out = in;
  hflip_inplace(out);
  return out;
}

Image resize_and_crop(const Image& in, int out_height, int out_width, const CropBox& box,
                      Interpolation interpolation) {
  const int y0 = std::max(box.top, 0), y1 = std::min(box.top + box.height, out_height);
  const int x0 = std::max(box.left, 0), x1 = std::min(box.left + box.width, out_width);
  if (y1 <= y0 || x1 <= x0) return Image(box.height, box.width);
  Image window = resize_window(in, out_height, out_width, {y0, x0, y1 - y0, x1 - x0}, interpolation);
  if (y0 == box.top && x0 == box.left && window.height == box.height && window.width == box.width) {
    return window;
  }
  return crop(window, {box.top - y0, box.left - x0, box.height, box.width});
}

Image fixres_resize(const Image& in, int size, bool largest) {
  const Size2 t = fixres_resize_target(in.height, in.width, size, largest);
  return resize(in, t.height, t.width);
}

Image protocol_resize(const Image& in, int test_size, const TestProtocol& protocol) {
  const Size2 t = resize_target(protocol.resize_mode, in.height, in.width, protocol.resize_length(test_size));
  return resize(in, t.height, t.width, protocol.interpolation);
}

Image resized_crop(const Image& in, const CropBox& box, int size) {
  const bool inside = box.top >= 0 && box.left >= 0 && box.top + box.height <= in.height && box.left + box.width <= in.width;
  if (inside && box.height > 0 && box.width > 0) return resized_crop(ImageView{&in, 0, 0, in.height, in.width}, box, size);
  return resize(crop(in, box), size, size);
}

Image test_view(const Image& in, int test_size, const TestProtocol& protocol) {
  const Size2 t = resize_target(protocol.resize_mode, in.height, in.width, protocol.resize_length(test_size));
  return resize_and_crop(in, t.height, t.width, center_crop_box(t.height, t.width, test_size, test_size),
                         protocol.interpolation);
}

}  // namespace fixres::data
