#include "fixres/data/pipeline.h"

#include <stdexcept>

#include "fixres/data/augment.h"
#include "fixres/data/geometry.h"

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
  if (spec_.size <= 0) throw std::invalid_argument("Pipeline: size must be positive, got " + std::to_string(spec_.size));
  if (spec_.jitter >= 0.0f) {
    jitter_ = spec_.jitter;
  } else {
    jitter_ = spec_.kind == PipelineKind::Full ? 0.3f : (spec_.kind == PipelineKind::ValTrain ? 0.05f : 0.0f);
  }
}

Image Pipeline::view(const Image& in, Rng& rng) const {
  const int s = spec_.size;
  switch (spec_.kind) {
    case PipelineKind::Test:
      return fixres_test_view(in, s);
    case PipelineKind::Full: {
      Image out = resized_crop(in, random_resized_crop_box(in.height, in.width, rng), s);
      if (rng.uniform() < 0.5) hflip_inplace(out);
      apply_color_jitter(out, draw_color_jitter(rng, jitter_, jitter_, jitter_));
      return out;
    }
    case PipelineKind::ValTrain: {
      Image resized = fixres_resize(in, fixres_resize_length(s));
      if (rng.uniform() < 0.5) hflip_inplace(resized);
      apply_color_jitter(resized, draw_color_jitter(rng, jitter_, jitter_, jitter_));
      return shifted_center_crop(resized, s, draw_shifted_crop(resized.width, s, rng));
    }
  }
  throw std::logic_error("Pipeline: unknown kind");
}

void Pipeline::apply(const Image& in, Rng& rng, float* out, Layout layout) const {
  to_tensor_normalize(view(in, rng), spec_.normalization, out, layout);
}

}  // namespace fixres::data
