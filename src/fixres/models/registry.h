#pragma once
/// The architecture registry: every network the commands accept, as rows (name → builder,
/// default sizes, normalisation, interpolation, FixRes fine-tuning policy). Variants are rows,
/// not classes: ResNet50 and IGAM_Resnext101_32x48d are ResNetOptions, the EfficientNets are
/// EfficientNetOptions multipliers.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixres/core/test_protocol.h"
#include "fixres/models/classifier.h"
#include "fixres/models/finetune_policy.h"

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
  /// timm's _init_weight_goog), keeping LibTorch's default initialisation only; for networks
  /// whose weights are loaded right away, or shape-only uses (manifests).
  bool initialize = true;
};

/// The model families of the zoo.
enum class Family { ResNet, PNASNet, EfficientNet, VisionTransformer, ConvNeXt };

/// "resnet", "pnasnet", "efficientnet", "vit", "convnext".
std::string family_name(Family family);

struct ArchitectureSpec {
  std::string name;         ///< registry key: "ResNet50", "PNASNet", "tf_efficientnet_b0_ap", …
  Family family = Family::ResNet;
  std::string description;  ///< one line, e.g. "torchvision resnet50 (Bottleneck [3,4,6,3])"
  int train_size = 224;     ///< resolution the base weights were trained at
  int test_size = 224;      ///< FixRes's test resolution for the released weights
  std::array<float, 3> mean{};  ///< normalisation the weights were trained with
  std::array<float, 3> std{};
  std::string interpolation;  ///< resize filter of the weights' reference pipeline (timm's for EfficientNet)
  /// The default test protocol of the weights (--crop-pct, --resize-size, --resize-mode and
  /// --interpolation override it): FixRes's own for FixRes's four families and the demo rows,
  /// torchvision's Resize(256 shorter side) + CenterCrop(224), bilinear, for its other ResNets.
  data::TestProtocol protocol;
  std::int64_t embedding_dim = 0;
  int total_stride = 32;      ///< input pixels per final feature-map position (smallest input)
  /// Test sizes must be multiples of this (a ViT's patch size; 1: any size).
  int size_multiple = 1;
  FinetunePolicy finetune;    ///< FixRes fine-tuning: trainable and train-mode modules
  std::function<std::shared_ptr<Classifier>(const ModelOptions&)> build;
};

/// Every row, in display order: the DESIGN.md architectures, the EfficientNet variants, then the
/// extra torchvision ResNet/ResNeXt rows.
const std::vector<ArchitectureSpec>& architecture_specs();

/// The names `--architecture` accepts: ResNet50, IGAM_Resnext101_32x48d, PNASNet, EfficientNet
/// (+ --EfficientNet-models), and the extra rows (resnet101, resnext50_32x4d, …, any
/// tf_efficientnet_* name directly).
std::vector<std::string> architecture_names();

/// Resolves an --architecture value (and --EfficientNet-models for "EfficientNet"); throws
/// std::invalid_argument listing the known names when there is no such row.
const ArchitectureSpec& find_architecture(const std::string& architecture,
                                          const std::string& efficientnet_model = "");

/// Builds a freshly initialised network on the CPU (float32, train mode, as PyTorch).
std::shared_ptr<Classifier> create_model(const std::string& architecture, const ModelOptions& options = {});

}  // namespace fixres::models
