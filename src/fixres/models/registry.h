#pragma once
/// The torch side of the architecture table (core/architecture_table.h): each row with the
/// builder of its family (ResNet, PNASNet, EfficientNet, VisionTransformer, ConvNeXt), which
/// reads the row's NetworkShape. Variants are rows, not classes.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixres/core/architecture_table.h"
#include "fixres/models/classifier.h"

namespace fixres::models {

/// What create_model needs besides the architecture name.
struct ModelOptions {
  std::int64_t num_classes = 1000;
  /// timm name (tf_efficientnet_b0 … l2_ns_475) when the architecture is "EfficientNet".
  std::string efficientnet_model;
  /// Overrides of the dropout before the classifier / the stochastic depth of EfficientNet,
  /// ViT/DeiT and ConvNeXt (training only).
  std::optional<double> drop_rate;
  std::optional<double> drop_path_rate;
  /// false: skip the reference initialisation schemes (torchvision's Kaiming-normal convolutions,
  /// timm's _init_weight_goog / trunc-normal), keeping LibTorch's default initialisation only;
  /// for networks whose weights are loaded right away, or shape-only uses (manifests).
  bool initialize = true;
};

/// A row of the architecture table and the builder of its network.
struct ArchitectureSpec : ArchitectureRow {
  std::function<std::shared_ptr<Classifier>(const ModelOptions&)> build;
};

/// Every row of architecture_rows(), in its order, with its builder.
const std::vector<ArchitectureSpec>& architecture_specs();

/// The row of an --architecture value (and --EfficientNet-models for "EfficientNet");
/// throws std::invalid_argument listing the known names when there is no such row.
const ArchitectureSpec& find_architecture(const std::string& architecture,
                                          const std::string& efficientnet_model = "");

/// Builds a freshly initialised network on the CPU (float32, train mode, as PyTorch).
std::shared_ptr<Classifier> create_model(const std::string& architecture, const ModelOptions& options = {});

}  // namespace fixres::models
