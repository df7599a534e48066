#pragma once
/// Geometric transforms on HWC uint8 RGB images, each mirroring one Python operation exactly
/// (torchvision 0.14 functional on PIL images, Pillow 9.4, FixRes's Resize). Torch-free.

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

/// crop(resize_bilinear(in, out_height, out_width), box), computing only the pixels the crop
/// keeps (bit-identical: Pillow's two passes are independent per output row and column).
Image resize_and_crop(const Image& in, int out_height, int out_width, const CropBox& box);

/// FixRes's Resize(size, largest) on a PIL image (bilinear, PIL antialiasing).
Image fixres_resize(const Image& in, int size, bool largest = false);

/// F.resized_crop(img, top, left, height, width, [size, size]) with PIL bilinear: the crop
/// (zero-filled outside) resized to size x size.
Image resized_crop(const Image& in, const CropBox& box, int size);

/// FixRes's test view before ToTensor: Resize(fixres_resize_length(S)) then CenterCrop(S),
/// computed fused (only the kept window is resampled).
Image fixres_test_view(const Image& in, int test_size);

}  // namespace fixres::data
