#pragma once
/// FixRes's named transform pipelines, composed from the functions of geometry.h, color.h,
/// augment.h and normalize.h (imnet_finetune/transforms.py and transforms_v2.py):
///  - Test ("test"/"val"): the test protocol's Resize (core/test_protocol.h; by default FixRes's
///    Resize(int((256/224)*S)) with its height-set quirk, bilinear), CenterCrop(S)
///  - Full ("full"/"train"): RandomResizedCrop(S) (or DeiT III's Simple Random Crop),
///    RandomHorizontalFlip, optionally RandAugment / TrivialAugmentWide, ColorJitter(0.3,0.3,0.3)
///  - ValTrain ("val_train"): the protocol's Resize as Test, RandomHorizontalFlip, ColorJitter(0.05,0.05,0.05),
///    the shifted centre crop of transforms_v2
/// each followed by ToTensor + Normalize. Torch-free.

#include <functional>
#include <string>

#include "fixres/core/augment_options.h"
#include "fixres/core/test_protocol.h"
#include "fixres/data/decode.h"
#include "fixres/data/image.h"
#include "fixres/data/normalize.h"
#include "fixres/data/rng.h"

namespace fixres::data {

enum class PipelineKind { Test, Full, ValTrain };

/// "test" or "val" -> Test, "full" or "train" -> Full, "val_train" -> ValTrain; throws
/// std::invalid_argument listing the known names.
PipelineKind pipeline_kind_from_name(const std::string& name);
std::string pipeline_kind_name(PipelineKind kind);

struct PipelineSpec {
  PipelineKind kind = PipelineKind::Test;
  int size = 224;                ///< output side S
  Normalization normalization;   ///< mean/std of the weights
  float jitter = -1.0f;          ///< ColorJitter strength; < 0: FixRes's (0.3 Full, 0.05 ValTrain)
  TestProtocol protocol;         ///< the Resize of Test and ValTrain (Full's RandomResizedCrop is bilinear)
  /// --reprob: random erasing after normalisation (data/random_erasing.h), random kinds only.
  double erase_prob = 0.0;
  /// Full only: --rand-augment / --trivial-augment after the flip (data/auto_augment.h), and
  /// --train-crop simple (Resize(S) of the shorter side with the protocol's interpolation,
  /// RandomCrop(S, padding=4, reflect)) in place of RandomResizedCrop.
  AutoAugmentSpec auto_augment;
  TrainCrop train_crop = TrainCrop::RandomResized;
  /// --rrc-scale: RandomResizedCrop's smallest area fraction (torchvision's scale=(0.08, 1)).
  double rrc_min_scale = 0.08;
};

/// Decodes (at least) the box a RegionRequest asks for: Dataset::load_region bound to an item.
using RegionLoader = std::function<DecodedRegion(const RegionRequest&)>;

class Pipeline {
 public:
  explicit Pipeline(PipelineSpec spec);

  const PipelineSpec& spec() const { return spec_; }
  int output_size() const { return spec_.size; }
  /// The transform in words for the log: "RandomResizedCrop(224), flip, RandAugment(2, 9),
  /// ColorJitter(0.3)".
  std::string describe() const;
  /// Whether the output depends on the random generator.
  bool is_random() const { return spec_.kind != PipelineKind::Test; }

  /// The S x S uint8 image before ToTensor (zero padding included).
  Image view(const Image& in, Rng& rng) const;

  /// view() of an image that `load` decodes only where the pipeline reads it (the test crop's
  /// source rows/columns, the random crop's box); the result is identical to view().
  Image view(const RegionLoader& load, Rng& rng) const;

  /// view() normalised into S * S * 3 floats at `out`.
  void apply(const Image& in, Rng& rng, float* out, Layout layout = Layout::CHW) const;
  void apply(const RegionLoader& load, Rng& rng, float* out, Layout layout = Layout::CHW) const;

 private:
  /// --reprob's random erasing of the normalised output.
  void erase(Rng& rng, float* out, Layout layout) const;
  /// Full's crops: RandomResizedCrop(S) from only the box it reads, or the Simple Random Crop.
  Image random_resized_crop(const RegionLoader& load, Rng& rng) const;
  Image simple_random_crop(const RegionLoader& load, Rng& rng) const;
  /// The decoder reduction PIL's draft() would pick for the protocol's Resize (--fast-decode),
  /// or none.
  std::function<int(int, int)> draft_request() const;

  PipelineSpec spec_;
  float jitter_ = 0.0f;
};

}  // namespace fixres::data
