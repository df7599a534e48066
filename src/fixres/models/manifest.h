#pragma once
/// State-dict manifests (names, shapes, order) of modules, and the architecture description
/// behind `fixres inspect --architecture`.

#include <torch/torch.h>

#include <string>
#include <vector>

#include "fixres/core/architecture_info.h"

namespace fixres::models {

/// Parameters and buffers in PyTorch's state_dict order: each module's own parameters, then its
/// own buffers, then its children recursively (keys joined with '.', no prefix).
std::vector<ManifestEntry> state_dict_manifest(const torch::nn::Module& module);

/// Builds the registry row's network (CPU, float32) and describes it. Throws
/// std::invalid_argument for an unknown architecture (message lists the known ones).
ArchitectureInfo describe_architecture(const std::string& architecture, const std::string& efficientnet_model = "");

}  // namespace fixres::models
