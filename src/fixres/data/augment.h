#pragma once
/// The random augmentations of FixRes's training transforms, as torchvision 0.14 draws them: the
/// parameter draws are separate from their application, so tests can apply fixed parameters and
/// check the draws statistically. Torch-free.

#include <array>

#include "fixres/data/geometry.h"
#include "fixres/data/image.h"
#include "fixres/data/rng.h"

namespace fixres::data {

/// RandomResizedCrop.get_params: up to 10 tries of area fraction ~ U(scale) and aspect ratio
/// log-uniform in `ratio` (w = round(sqrt(area * r)), h = round(sqrt(area / r)), half to even),
/// accepted when it fits, at a uniform position; else the centre fallback (the whole image,
/// or its largest centred crop within the ratio range).
CropBox random_resized_crop_box(int height, int width, Rng& rng, std::array<double, 2> scale = {0.08, 1.0},
                                std::array<double, 2> ratio = {3.0 / 4.0, 4.0 / 3.0});

/// One ColorJitter draw (no hue): the order of the three ops (0 brightness, 1 contrast,
/// 2 saturation, a random permutation as torch.randperm's order) and their factors.
struct ColorJitterParams {
  std::array<int, 3> order{0, 1, 2};
  std::array<float, 3> factors{1.0f, 1.0f, 1.0f};  ///< indexed by op id
};

/// ColorJitter(brightness, contrast, saturation).get_params: factor ~ U[max(0, 1 - x), 1 + x]
/// in float32; an op with strength 0 keeps factor 1 (torchvision skips it).
ColorJitterParams draw_color_jitter(Rng& rng, float brightness, float contrast, float saturation);

/// Applies the ops in `p.order` with their factors (F.adjust_brightness/contrast/saturation).
void apply_color_jitter(Image& img, const ColorJitterParams& p);

/// FixRes v2 'val_train' crop (transforms_v2.center_crop_new): the centre crop moved sideways by
/// sign * jitter pixels, jitter ~ U{0..j} when the left margin j = round((w - size) / 2) is
/// positive, sign = +1 or -1 with equal odds.
struct ShiftedCrop {
  int jitter = 0;
  int sign = 1;
};
ShiftedCrop draw_shifted_crop(int width, int size, Rng& rng);

/// The crop of center_crop_new with a given shift (PIL crop: zero fill outside the image).
Image shifted_center_crop(const Image& in, int size, const ShiftedCrop& shift);

/// RandomCrop(size, padding=4).get_params on a height x width image: the top-left corner in the
/// padded (height + 8) x (width + 8) image, uniform (0, 0 when it is exactly size x size).
CropBox draw_padded_crop(int height, int width, int size, Rng& rng);

/// F.pad(img, 4, padding_mode='reflect') (numpy's reflection, the edge not repeated) then
/// F.crop(box) of the padded image: DeiT III's Simple Random Crop after its Resize.
Image reflect_padded_crop(const Image& in, const CropBox& box);

}  // namespace fixres::data
