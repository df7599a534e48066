#pragma once
/// Geometric transforms on HWC uint8 RGB images, each mirroring one Python operation exactly
/// (torchvision 0.14 functional on PIL images, Pillow 9.4, FixRes's Resize). Torch-free.

#include "fixres/core/test_protocol.h"
#include "fixres/data/image.h"

namespace fixres::data {

/// A crop rectangle in pixel coordinates; may extend past the image (zero fill, as PIL's crop).
struct CropBox {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
};

/// An output size.
struct Size2 {
  int height = 0;
  int width = 0;
};

/// FixRes's test resize length for test size S: int((256 / 224) * S) computed in double
/// (224 -> 256, 320 -> 365, 331 -> 378, 384 -> 438, 480 -> 548).
int fixres_resize_length(int test_size);

/// FixRes's Resize.target_size (imnet_finetune/transforms.py): the *height* becomes `size` and the
/// width int(size * w / h), whatever the orientation; with `largest` and a landscape image the
/// width becomes `size` and the height int(size * h / w).
Size2 fixres_resize_target(int height, int width, int size, bool largest = false);

/// The Resize target of `protocol`'s mode at length L: FixRes's fixres_resize_target(h, w, L), or
/// torchvision 0.14's Resize(L) (_compute_resized_output_size): the shorter side becomes L, the
/// longer int(L * long / short).
Size2 resize_target(ResizeMode mode, int height, int width, int length);

/// Python's round() of x / 2 for an integer x: half to even.
int half_round_even_div2(int x);

/// torchvision 0.14 F.center_crop geometry: an axis longer than the crop starts at
/// round-half-even((dim - crop) / 2); a shorter one is zero-padded d // 2 before and d - d // 2
/// after (the box starts at -(d // 2)).
CropBox center_crop_box(int height, int width, int crop_height, int crop_width);

/// PIL's img.crop((left, top, left + width, top + height)): pixels outside the image are 0.
Image crop(const Image& in, const CropBox& box);

/// torchvision F.center_crop (with its zero padding).
Image center_crop(const Image& in, int crop_height, int crop_width);

/// F.hflip.
Image hflip(const Image& in);

/// In place F.hflip.
void hflip_inplace(Image& img);

/// crop(resize(in, out_height, out_width, interpolation), box), computing only the pixels the crop
/// keeps (bit-identical: Pillow's two passes are independent per output row and column).
Image resize_and_crop(const Image& in, int out_height, int out_width, const CropBox& box,
                      Interpolation interpolation = Interpolation::Bilinear);

/// FixRes's Resize(size, largest) on a PIL image (bilinear, PIL antialiasing).
Image fixres_resize(const Image& in, int size, bool largest = false);

/// The test protocol's Resize at test size S (no crop): resize_target(mode, h, w, L(S)) with its
/// interpolation.
Image protocol_resize(const Image& in, int test_size, const TestProtocol& protocol);

/// F.resized_crop(img, top, left, height, width, [size, size]) with PIL bilinear: the crop
/// (zero-filled outside) resized to size x size.
Image resized_crop(const Image& in, const CropBox& box, int size);

/// The test view before ToTensor: `protocol`'s Resize at S then CenterCrop(S), computed fused
/// (only the kept window is resampled). The default protocol is FixRes's: Resize(int(256/224 S))
/// setting the height, bilinear.
Image test_view(const Image& in, int test_size, const TestProtocol& protocol = {});

}  // namespace fixres::data
