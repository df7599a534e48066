#pragma once
/// The architecture table: every network the commands accept, as torch-free rows — name, family,
/// the shape its family's builder reads, the resolution and normalisation its weights were trained
/// with, their test protocol, stride, patch, embedding size and FixRes fine-tuning policy. It is
/// the one authority: the torch builders (models/registry.h, one per family), `zoo`, `inspect`,
/// the load reports and the defaults of every command read it.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fixres/core/test_protocol.h"

namespace fixres::models {

/// The model families of the zoo.
enum class Family { ResNet, PNASNet, EfficientNet, VisionTransformer, ConvNeXt };

/// "resnet", "pnasnet", "efficientnet", "vit", "convnext".
std::string family_name(Family family);

/// FixRes's fine-tuning recipe as data (imnet_finetune/train.py; models/finetune_policy.h applies
/// it): which parameters train and which modules run in train mode, everything else frozen in
/// eval mode (so only the listed batch-norms adapt their statistics to the new resolution).
struct FinetunePolicy {
  /// State-dict prefixes (dotted module paths, or parameter names such as a ViT's `pos_embed`)
  /// whose parameters train (requires_grad); all other parameters freeze.
  std::vector<std::string> trainable;
  /// Dotted module paths put in train mode; the rest of the model is in eval mode.
  std::vector<std::string> train_mode;
};

/// What a family's builder needs besides the class count; the fields of other families keep
/// their defaults.
struct NetworkShape {
  /// ResNet: Bottleneck blocks per stage; ConvNeXt: blocks per stage.
  std::vector<std::int64_t> layers;
  /// ConvNeXt: channels per stage.
  std::vector<std::int64_t> dims;
  /// ResNet: groups and width per group of the 3×3 convolutions, stem/layer1 planes, stem max-pool.
  std::int64_t groups = 1;
  std::int64_t width_per_group = 64;
  std::int64_t base_planes = 64;
  bool stem_pool = true;
  /// EfficientNet: timm's width and depth multipliers.
  double channel_multiplier = 1.0;
  double depth_multiplier = 1.0;
  /// ViT/DeiT: patch size, width, blocks, heads (the position-embedding grid is train_size / patch).
  std::int64_t patch_size = 16;
  std::int64_t width = 768;
  std::int64_t depth = 12;
  std::int64_t heads = 12;
};

struct ArchitectureRow {
  std::string name;         ///< registry key: "ResNet50", "PNASNet", "tf_efficientnet_b0_ap", …
  Family family = Family::ResNet;
  std::string description;  ///< one line, e.g. "torchvision resnet50 (Bottleneck [3,4,6,3])"
  NetworkShape shape;
  int train_size = 224;     ///< resolution the base weights were trained at
  int test_size = 224;      ///< FixRes's test resolution for the released weights
  std::array<float, 3> mean{};  ///< normalisation the weights were trained with
  std::array<float, 3> std{};
  std::string interpolation;  ///< resize filter of the weights' reference pipeline (timm's for EfficientNet)
  /// The default test protocol of the weights (--crop-pct, --resize-size, --resize-mode and
  /// --interpolation override it): FixRes's own for FixRes's four families and the demo rows,
  /// torchvision's V1 for its other ResNets, timm's (shorter side, bicubic, the weights'
  /// crop_pct) for the ViT, DeiT and ConvNeXt rows.
  data::TestProtocol protocol;
  std::int64_t embedding_dim = 0;
  int total_stride = 32;      ///< input pixels per final feature-map position (smallest input)
  /// Test sizes must be multiples of this (a ViT's patch size; 1: any size).
  int size_multiple = 1;
  FinetunePolicy finetune;    ///< FixRes fine-tuning: trainable and train-mode modules
};

/// Every row, in display order: the DESIGN.md architectures, the EfficientNet variants, the
/// torchvision ResNets, the ViT/DeiT and ConvNeXt rows, the demo networks.
const std::vector<ArchitectureRow>& architecture_rows();

/// Resolves an --architecture value (and --EfficientNet-models for "EfficientNet"): the exact
/// name, else the same name in another case. Throws std::invalid_argument listing the known
/// names when there is no such row.
const ArchitectureRow& find_architecture_row(const std::string& architecture,
                                             const std::string& efficientnet_model = "");

/// The names `--architecture` accepts: every row but the EfficientNet variants, which go through
/// "EfficientNet" + --EfficientNet-models (or by their own name), in table order.
std::vector<std::string> architecture_names();

/// The tf_efficientnet_* rows' names, in table order.
std::vector<std::string> efficientnet_names();

}  // namespace fixres::models
