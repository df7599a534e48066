#include "fixres/data/pipeline.h"

#include <stdexcept>

#include "fixres/core/format.h"
#include "fixres/data/augment.h"
#include "fixres/data/auto_augment.h"
#include "fixres/data/geometry.h"
#include "fixres/data/random_erasing.h"
#include "fixres/data/resample.h"

namespace fixres::data {

PipelineKind pipeline_kind_from_name(const std::string& name) {
  if (name == "test" || name == "val") return PipelineKind::Test;
  if (name == "full" || name == "train") return PipelineKind::Full;
  if (name == "val_train") return PipelineKind::ValTrain;
  throw std::invalid_argument("unknown transform pipeline '" + name +
                              "' (expected test/val, full/train or val_train)");
}

std::string pipeline_kind_name(PipelineKind kind) {
  switch (kind) {
    case PipelineKind::Test: return "test";
    case PipelineKind::Full: return "full";
    case PipelineKind::ValTrain: return "val_train";
  }
  return "?";
}

Pipeline::Pipeline(PipelineSpec spec) : spec_(spec) {
  // An internal invariant, not input validation: sizes are checked where they enter the engine
  // (engine::check_input_size, with the flag's name).
  if (spec_.size <= 0) throw std::logic_error("Pipeline: size must be positive, got " + std::to_string(spec_.size));
  if (spec_.jitter >= 0.0f) {
    jitter_ = spec_.jitter;
  } else {
    jitter_ = spec_.kind == PipelineKind::Full ? 0.3f : (spec_.kind == PipelineKind::ValTrain ? 0.05f : 0.0f);
  }
}

Image Pipeline::view(const RegionLoader& load, Rng& rng) const {
  const int s = spec_.size;
  const TestProtocol& protocol = spec_.protocol;
  switch (spec_.kind) {
    case PipelineKind::Test: {
      // Resize + CenterCrop: only the crop window of the resize is computed, from only the
      // source pixels it reads.
      Size2 target;
      CropBox box, window;
      RegionRequest request = [&](int h, int w) {
        target = resize_target(protocol.resize_mode, h, w, protocol.resize_length(s));
        box = center_crop_box(target.height, target.width, s, s);
        window = clamp_box(box, target.height, target.width);
        return resize_source_box(h, w, target.height, target.width, window, protocol.interpolation);
      };
      request.reduction = draft_request();
      const DecodedRegion r = load(request);
      Image out = resize_window(ImageView{&r.image, r.top, r.left, r.full_height, r.full_width}, target.height,
                                target.width, window, protocol.interpolation);
      if (window.height == s && window.width == s) return out;
      return crop(out, {box.top - window.top, box.left - window.left, s, s});  // zero padding
    }
    case PipelineKind::Full: {
      Image out = spec_.train_crop == TrainCrop::Simple ? simple_random_crop(load, rng) : random_resized_crop(load, rng);
      if (rng.uniform() < 0.5) hflip_inplace(out);
      if (spec_.auto_augment.enabled()) out = auto_augment(out, spec_.auto_augment, rng);
      apply_color_jitter(out, draw_color_jitter(rng, jitter_, jitter_, jitter_));
      return out;
    }
    case PipelineKind::ValTrain: {
      RegionRequest request = [](int h, int w) { return CropBox{0, 0, h, w}; };
      request.reduction = draft_request();
      const DecodedRegion r = load(request);
      Image resized = protocol_resize(r.image, s, protocol);
      if (rng.uniform() < 0.5) hflip_inplace(resized);
      if (spec_.auto_augment.enabled()) resized = auto_augment(resized, spec_.auto_augment, rng);
      apply_color_jitter(resized, draw_color_jitter(rng, jitter_, jitter_, jitter_));
      return shifted_center_crop(resized, s, draw_shifted_crop(resized.width, s, rng));
    }
  }
  throw std::logic_error("Pipeline: unknown kind");
}

std::function<int(int, int)> Pipeline::draft_request() const {
  if (!spec_.protocol.fast_decode) return {};
  return [this](int h, int w) {
    // PIL: img.draft('RGB', target), the target of the protocol's Resize for the stored size.
    const Size2 t = resize_target(spec_.protocol.resize_mode, h, w, spec_.protocol.resize_length(spec_.size));
    return draft_reduction(h, w, t.height, t.width);
  };
}

std::string Pipeline::describe() const {
  const std::string s = std::to_string(spec_.size);
  if (spec_.kind == PipelineKind::Test) return "the test transform at " + s + " px";
  std::string text;
  if (spec_.kind == PipelineKind::ValTrain) {
    text = "the test transform's Resize, flip";
  } else if (spec_.train_crop == TrainCrop::Simple) {
    text = "Resize(" + s + ") + RandomCrop(" + s + ", padding 4, reflect), flip";
  } else {
    text = "RandomResizedCrop(" + s;
    if (spec_.rrc_min_scale != 0.08) text += ", scale " + engine::format_number("%g", spec_.rrc_min_scale) + "-1";
    text += "), flip";
  }
  if (spec_.auto_augment.enabled()) text += ", " + data::describe(spec_.auto_augment);
  if (jitter_ > 0.0f) text += ", ColorJitter(" + engine::format_number("%g", jitter_) + ")";
  if (spec_.kind == PipelineKind::ValTrain) text += ", shifted centre crop(" + s + ")";
  if (spec_.erase_prob > 0.0) text += ", RandomErasing(" + engine::format_number("%g", spec_.erase_prob) + ")";
  return text;
}

Image Pipeline::random_resized_crop(const RegionLoader& load, Rng& rng) const {
  CropBox box;
  const DecodedRegion r = load([&](int h, int w) { return box = random_resized_crop_box(h, w, rng, {spec_.rrc_min_scale, 1.0}); });
  return resized_crop(ImageView{&r.image, r.top, r.left, r.full_height, r.full_width}, box, spec_.size);
}

Image Pipeline::simple_random_crop(const RegionLoader& load, Rng& rng) const {
  const DecodedRegion r = load([](int h, int w) { return CropBox{0, 0, h, w}; });
  const Size2 t = resize_target(ResizeMode::Shorter, r.image.height, r.image.width, spec_.size);
  const Image resized = resize(r.image, t.height, t.width, spec_.protocol.interpolation);
  return reflect_padded_crop(resized, draw_padded_crop(resized.height, resized.width, spec_.size, rng));
}

Image Pipeline::view(const Image& in, Rng& rng) const {
  return view(
      [&in](const RegionRequest& want) {
        want(in.height, in.width);
        return DecodedRegion{in, 0, 0, in.height, in.width};
      },
      rng);
}

void Pipeline::apply(const Image& in, Rng& rng, float* out, Layout layout) const {
  to_tensor_normalize(view(in, rng), spec_.normalization, out, layout);
  erase(rng, out, layout);
}

void Pipeline::apply(const RegionLoader& load, Rng& rng, float* out, Layout layout) const {
  to_tensor_normalize(view(load, rng), spec_.normalization, out, layout);
  erase(rng, out, layout);
}

void Pipeline::erase(Rng& rng, float* out, Layout layout) const {
  if (spec_.erase_prob <= 0.0 || !is_random()) return;
  if (const auto box = draw_erase_box(spec_.size, spec_.size, spec_.erase_prob, rng)) {
    erase_box(out, spec_.size, layout, *box, rng);
  }
}

}  // namespace fixres::data
