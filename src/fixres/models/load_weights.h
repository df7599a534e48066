#pragma once
/// The C++ counterpart of the FixRes README's "To load a network" snippet:
///
/// ```
///   auto model = fixres::models::create_model("IGAM_Resnext101_32x48d");
///   auto report = fixres::models::load_weights(*model, "ResNeXt_101_32x48d.pth");  // 100% or throws
///   model->eval();
///   torch::Tensor logits = model->forward(images);  // N×3×S×S, normalised as find_architecture(..).mean/std
/// ```

#include <torch/torch.h>

#include <string>

#include "fixres/io/raw_tensor.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::models {

/// Reads `path` (legacy or zip .pth, or .safetensors; weights under 'model', 'state_dict' or the
/// top level; a leading 'module.' stripped) and copies it into `model`. strict: throws naming the
/// file and every missing, unexpected and mis-shaped key unless everything matches (the model is
/// then left untouched); non-strict: loads what fits and returns the report.
LoadReport load_weights(torch::nn::Module& model, const std::string& path, bool strict = true);

/// The same for weights already read: an error reads "<source>: <what does not fit>" (`source`
/// names the file, and whatever else the caller wants said, e.g. the architecture).
LoadReport load_weights(torch::nn::Module& model, const io::StateDict& weights, const std::string& source,
                        bool strict = true, std::size_t shown = 0);

}  // namespace fixres::models
