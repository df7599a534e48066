#pragma once
/// How a test image becomes S x S (the test transform's protocol, torch-free so that the CLI binds
/// flags onto it): Resize to a length L(S) — FixRes's way (the height set, the seed's quirk) or
/// torchvision's Resize(int) (the shorter side set) — with Pillow's bilinear or bicubic filter,
/// then CenterCrop(S). L(S) = floor(S / crop_pct) (timm's rule; FixRes's int(256/224 * S) is
/// crop_pct 0.875, the same integer for every S up to 4096), or a fixed resize_size
/// (torchvision references' --val-resize-size).

#include <optional>
#include <string>

namespace fixres::data {

/// --resize-mode: `fixres` sets the height to L whatever the orientation (imnet_finetune's
/// Resize), `shorter` sets the shorter side (torchvision's Resize(int): the longer side is
/// int(L * long / short)).
enum class ResizeMode { FixRes, Shorter };

/// --interpolation: Pillow 9.4's BILINEAR or BICUBIC (a = -0.5) filter, antialiased.
enum class Interpolation { Bilinear, Bicubic };

struct TestProtocol {
  ResizeMode resize_mode = ResizeMode::FixRes;
  Interpolation interpolation = Interpolation::Bilinear;
  double crop_pct = 0.875;  ///< 0 < crop_pct <= 1
  int resize_size = 0;      ///< > 0: L(S) = resize_size for every S (crop_pct unused)
  /// --fast-decode: a JPEG the Resize shrinks by 2, 4 or 8 or more is decoded at that reduction
  /// by libjpeg's DCT scaling and the Resize runs from there: PIL's Image.draft('RGB', target)
  /// before the transform, faster and not bit-identical to the full decode.
  bool fast_decode = false;

  /// L(S), the resize length at test size S.
  int resize_length(int test_size) const;
  /// "resize the height to floor(S/0.875), bilinear", "resize the shorter side to 232, bicubic";
  /// with fast_decode, what it changes.
  std::string describe() const;
};

/// The overrides a command gives (--crop-pct, --resize-size, --resize-mode, --interpolation,
/// --fast-decode) over
/// the weights' own protocol; unset fields keep it.
struct TestProtocolOverrides {
  std::optional<double> crop_pct;
  std::optional<int> resize_size;
  std::optional<ResizeMode> resize_mode;
  std::optional<Interpolation> interpolation;
  bool fast_decode = false;

  bool any() const { return crop_pct || resize_size || resize_mode || interpolation || fast_decode; }
};

/// `base` with the overrides applied. Throws std::invalid_argument naming the flag for a crop-pct
/// outside (0, 1], a resize size < 1, or --crop-pct together with --resize-size.
TestProtocol apply_overrides(const TestProtocol& base, const TestProtocolOverrides& overrides);

/// PIL's Image.draft() reduction for a JPEG of height x width drafted to target_height x
/// target_width: 8, 4, 2 or 1, the largest that min(width // target_width, height //
/// target_height) reaches.
int draft_reduction(int height, int width, int target_height, int target_width);

/// "fixres"/"shorter", "bilinear"/"bicubic".
std::string resize_mode_name(ResizeMode mode);
std::string interpolation_name(Interpolation interpolation);

}  // namespace fixres::data
