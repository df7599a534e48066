#include "fixres/core/architecture_table.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "fixres/core/arg.h"
#include "fixres/core/channel_rounding.h"
#include "fixres/core/normalisation.h"

namespace fixres::models {
namespace {

using Triplet = std::array<float, 3>;

// imnet_finetune/train.py: only `fc` trains; the last block's bn3 adapts its statistics.
// PNASNet: the last three cells and the classifier train (cells in train mode, dropout too).
const FinetunePolicy kPNASNetPolicy{{"cell_9", "cell_10", "cell_11", "last_linear"},
                                    {"cell_9", "cell_10", "cell_11", "dropout"}};
// EfficientNet: the classifier trains; conv_head, bn2 and classifier run in train mode.
const FinetunePolicy kEfficientNetPolicy{{"classifier"}, {"conv_head", "bn2", "classifier"}};
// ViT/DeiT (no batch norm): the head and the final norm train, and the position embedding, the
// one part of the network whose meaning depends on the resolution.
const FinetunePolicy kVisionTransformerPolicy{{"head", "norm", "pos_embed"}, {"head", "norm"}};
// ConvNeXt: the head (its LayerNorm and fc) trains.
const FinetunePolicy kConvNeXtPolicy{{"head"}, {"head"}};

/// timm's eval transform of its weights: Resize(floor(S / crop_pct)) of the shorter side,
/// bicubic, CenterCrop(S).
data::TestProtocol timm_protocol(double crop_pct) {
  data::TestProtocol protocol;
  protocol.resize_mode = data::ResizeMode::Shorter;
  protocol.interpolation = data::Interpolation::Bicubic;
  protocol.crop_pct = crop_pct;
  return protocol;
}

/// A torchvision-style ResNet row: ResNetRow("resnet101").layers({3, 4, 23, 3}).description(…).
struct ResNetRow {
  explicit ResNetRow(std::string name) : name_(std::move(name)) {}
  FIXRES_ARG(std::string, name);
  FIXRES_ARG(std::string, description);
  FIXRES_ARG(std::vector<std::int64_t>, layers) = {3, 4, 6, 3};
  FIXRES_ARG(std::int64_t, groups) = 1;
  FIXRES_ARG(std::int64_t, width_per_group) = 64;
  FIXRES_ARG(std::int64_t, base_planes) = 64;
  FIXRES_ARG(bool, stem_pool) = true;
  /// FixRes's test resolution for the released weights.
  FIXRES_ARG(int, test_size) = 224;
  /// The weights' test protocol (default: FixRes's).
  FIXRES_ARG(data::TestProtocol, protocol);
};

ArchitectureRow resnet_row(const ResNetRow& r) {
  ArchitectureRow row;
  row.name = r.name();
  row.family = Family::ResNet;
  row.description = r.description();
  row.shape.layers = r.layers();
  row.shape.groups = r.groups();
  row.shape.width_per_group = r.width_per_group();
  row.shape.base_planes = r.base_planes();
  row.shape.stem_pool = r.stem_pool();
  row.test_size = r.test_size();
  row.mean = kImagenetMean;
  row.std = kImagenetStd;
  row.interpolation = "bilinear";
  row.protocol = r.protocol();
  row.embedding_dim = 8 * r.base_planes() * 4;  // layer4's planes × Bottleneck expansion
  row.total_stride = r.stem_pool() ? 32 : 16;
  // The last block's bn3 adapts (layer4.2.bn3 for the [.,.,.,3] ResNets).
  row.finetune = {{"fc"}, {"layer4." + std::to_string(r.layers().back() - 1) + ".bn3"}};
  return row;
}

ArchitectureRow pnasnet_row() {
  ArchitectureRow row;
  row.name = "PNASNet";
  row.family = Family::PNASNet;
  row.description = "PNASNet-5-Large (FixRes pnasnet.py / Cadene pnasnet5large)";
  row.train_size = 331;
  row.test_size = 480;
  row.mean = kHalfMeanStd;
  row.std = kHalfMeanStd;
  row.interpolation = "bilinear";
  row.embedding_dim = 4320;
  row.finetune = kPNASNetPolicy;
  return row;
}

/// One timm tf_efficientnet variant: multipliers and input size from timm's efficientnet.py,
/// FixEfficientNet's test size (README_FixEfficientNet.md), the weights' normalisation.
ArchitectureRow efficientnet_row(const std::string& name, double width, double depth, int size, int fix_size,
                                 const Triplet& norm) {
  ArchitectureRow row;
  row.name = name;
  row.family = Family::EfficientNet;
  row.description = "timm " + name + " (width " + std::to_string(width).substr(0, 3) + ", depth " +
                    std::to_string(depth).substr(0, 3) + ", TF 'same' padding)";
  row.shape.channel_multiplier = width;
  row.shape.depth_multiplier = depth;
  row.train_size = size;
  row.test_size = fix_size;
  row.mean = norm;
  row.std = norm == kHalfMeanStd ? kHalfMeanStd : kImagenetStd;
  row.interpolation = "bicubic";
  row.embedding_dim = efficientnet::round_channels(1280, width);
  row.finetune = kEfficientNetPolicy;
  return row;
}

void add_efficientnet_rows(std::vector<ArchitectureRow>& rows) {
  // (channel, depth) multipliers and input sizes from timm's efficientnet.py; Fix test sizes
  // from the FixEfficientNet table (without / with extra data, i.e. _ap / _ns weights).
  struct Base {
    const char* id;
    double width, depth;
    int size, fix_size, fix_size_ns;
  };
  static const Base bases[] = {
      {"b0", 1.0, 1.0, 224, 320, 320}, {"b1", 1.0, 1.1, 240, 384, 384}, {"b2", 1.1, 1.2, 260, 420, 420},
      {"b3", 1.2, 1.4, 300, 472, 472}, {"b4", 1.4, 1.8, 380, 512, 472}, {"b5", 1.6, 2.2, 456, 576, 576},
      {"b6", 1.8, 2.6, 528, 576, 680}, {"b7", 2.0, 3.1, 600, 632, 632}, {"b8", 2.2, 3.6, 672, 800, 800},
  };
  for (const auto& b : bases) {
    const std::string name = std::string("tf_efficientnet_") + b.id;
    rows.push_back(efficientnet_row(name, b.width, b.depth, b.size, b.fix_size, kImagenetMean));
    rows.push_back(efficientnet_row(name + "_ap", b.width, b.depth, b.size, b.fix_size, kHalfMeanStd));
    if (std::string(b.id) != "b8") {
      rows.push_back(efficientnet_row(name + "_ns", b.width, b.depth, b.size, b.fix_size_ns, kImagenetMean));
    }
  }
  rows.push_back(efficientnet_row("tf_efficientnet_l2", 4.3, 5.3, 800, 600, kImagenetMean));
  rows.push_back(efficientnet_row("tf_efficientnet_l2_ns", 4.3, 5.3, 800, 600, kImagenetMean));
  rows.push_back(efficientnet_row("tf_efficientnet_l2_ns_475", 4.3, 5.3, 475, 600, kImagenetMean));
}

/// A timm ViT/DeiT row: VitRow("deit_small_patch16_224").width(384).heads(6).
struct VitRow {
  explicit VitRow(std::string name) : name_(std::move(name)) {}
  FIXRES_ARG(std::string, name);
  FIXRES_ARG(std::string, kind) = "ViT";
  FIXRES_ARG(std::int64_t, patch_size) = 16;
  FIXRES_ARG(std::int64_t, width) = 768;
  FIXRES_ARG(std::int64_t, depth) = 12;
  FIXRES_ARG(std::int64_t, heads) = 12;
  /// The resolution the weights were trained (or last fine-tuned) at.
  FIXRES_ARG(int, image_size) = 224;
  FIXRES_ARG(Triplet, mean) = kHalfMeanStd;
  FIXRES_ARG(Triplet, std) = kHalfMeanStd;
  /// timm's crop_pct of the weights (0.9; 1.0 for those fine-tuned at 384).
  FIXRES_ARG(double, crop_pct) = 0.9;
};

ArchitectureRow vit_row(const VitRow& r) {
  ArchitectureRow row;
  row.name = r.name();
  row.family = Family::VisionTransformer;
  row.description = "timm " + r.name() + " (" + r.kind() + ", width " + std::to_string(r.width()) + ", depth " +
                    std::to_string(r.depth()) + ", " + std::to_string(r.heads()) + " heads)";
  row.shape.patch_size = r.patch_size();
  row.shape.width = r.width();
  row.shape.depth = r.depth();
  row.shape.heads = r.heads();
  row.train_size = row.test_size = r.image_size();
  row.mean = r.mean();
  row.std = r.std();
  row.interpolation = "bicubic";
  row.protocol = timm_protocol(r.crop_pct());
  row.embedding_dim = r.width();
  row.total_stride = row.size_multiple = static_cast<int>(r.patch_size());
  row.finetune = kVisionTransformerPolicy;
  return row;
}

ArchitectureRow convnext_row(const std::string& name, std::vector<std::int64_t> depths, std::vector<std::int64_t> dims) {
  ArchitectureRow row;
  row.name = name;
  row.family = Family::ConvNeXt;
  row.description = "timm " + name + " (ConvNeXt, FB ImageNet-1k weights' layout)";
  row.shape.layers = std::move(depths);
  row.shape.dims = std::move(dims);
  row.mean = kImagenetMean;
  row.std = kImagenetStd;
  row.interpolation = "bicubic";
  row.protocol = timm_protocol(0.875);
  row.embedding_dim = row.shape.dims.back();
  row.finetune = kConvNeXtPolicy;
  return row;
}

void add_transformer_rows(std::vector<ArchitectureRow>& rows) {
  // timm's ViTs (AugReg weights: 0.5/0.5 normalisation, crop 0.9; 1.0 for the 384 fine-tune).
  for (const VitRow& row : {VitRow("vit_tiny_patch16_224").width(192).heads(3),
                            VitRow("vit_small_patch16_224").width(384).heads(6), VitRow("vit_base_patch16_224"),
                            VitRow("vit_base_patch16_384").image_size(384).crop_pct(1.0),
                            VitRow("vit_large_patch16_224").width(1024).depth(24).heads(16)}) {
    rows.push_back(vit_row(row));
  }
  // DeiT (Touvron et al. 2021): the same network, ImageNet normalisation.
  for (const VitRow& row : {VitRow("deit_tiny_patch16_224").width(192).heads(3),
                            VitRow("deit_small_patch16_224").width(384).heads(6), VitRow("deit_base_patch16_224"),
                            VitRow("deit_base_patch16_384").image_size(384).crop_pct(1.0)}) {
    rows.push_back(vit_row(VitRow(row).kind("DeiT").mean(kImagenetMean).std(kImagenetStd)));
  }
  rows.push_back(convnext_row("convnext_tiny", {3, 3, 9, 3}, {96, 192, 384, 768}));
  rows.push_back(convnext_row("convnext_small", {3, 3, 27, 3}, {96, 192, 384, 768}));
  rows.push_back(convnext_row("convnext_base", {3, 3, 27, 3}, {128, 256, 512, 1024}));
  rows.push_back(convnext_row("convnext_large", {3, 3, 27, 3}, {192, 384, 768, 1536}));
}

void add_torchvision_resnets(std::vector<ArchitectureRow>& rows) {
  // torchvision's other ResNets and ResNeXts, tested at 224 as torchvision's references test
  // their (V1) weights: Resize(256) of the shorter side, CenterCrop(224), bilinear.
  data::TestProtocol torchvision_v1;
  torchvision_v1.resize_mode = data::ResizeMode::Shorter;
  for (const ResNetRow& row : {ResNetRow("resnet101").layers({3, 4, 23, 3}), ResNetRow("resnet152").layers({3, 8, 36, 3}),
                               ResNetRow("resnext50_32x4d").groups(32).width_per_group(4),
                               ResNetRow("resnext101_32x8d").layers({3, 4, 23, 3}).groups(32).width_per_group(8),
                               ResNetRow("wide_resnet50_2").width_per_group(128),
                               ResNetRow("wide_resnet101_2").layers({3, 4, 23, 3}).width_per_group(128)}) {
    rows.push_back(resnet_row(ResNetRow(row).description("torchvision " + row.name()).protocol(torchvision_v1)));
  }
}

std::vector<ArchitectureRow> make_rows() {
  std::vector<ArchitectureRow> rows;
  rows.push_back(resnet_row(ResNetRow("ResNet50").description("torchvision resnet50 (Bottleneck [3,4,6,3])").test_size(384)));
  rows.push_back(resnet_row(ResNetRow("IGAM_Resnext101_32x48d")
                                .layers({3, 4, 23, 3})
                                .groups(32)
                                .width_per_group(48)
                                .description("ResNeXt-101 32x48d (torchvision ResNet, Bottleneck [3,4,23,3], "
                                             "groups 32, width 48)")
                                .test_size(320)));
  rows.push_back(pnasnet_row());
  add_efficientnet_rows(rows);
  add_torchvision_resnets(rows);
  add_transformer_rows(rows);
  // The `fixres demo` network: a narrow ResNet-26 that trains on 2 CPU cores in minutes.
  rows.push_back(resnet_row(ResNetRow("resnet26_w16").layers({2, 2, 2, 2}).base_planes(16).description(
      "narrow ResNet-26 (Bottleneck [2,2,2,2], 16 base planes; fixres demo)")));
  // The same without the stem's max-pool: total stride 16, so small inputs keep usable maps.
  rows.push_back(resnet_row(ResNetRow("resnet26_w16_s16").layers({2, 2, 2, 2}).base_planes(16).stem_pool(false).description(
      "narrow ResNet-26 without the stem max-pool (total stride 16; fixres demo)")));
  return rows;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

const ArchitectureRow* find_row(const std::string& name) {
  const auto& rows = architecture_rows();
  for (const auto& row : rows) {
    if (row.name == name) return &row;
  }
  for (const auto& row : rows) {
    if (lower(row.name) == lower(name)) return &row;
  }
  return nullptr;
}

}  // namespace

std::string family_name(Family family) {
  switch (family) {
    case Family::ResNet: return "resnet";
    case Family::PNASNet: return "pnasnet";
    case Family::EfficientNet: return "efficientnet";
    case Family::VisionTransformer: return "vit";
    case Family::ConvNeXt: return "convnext";
  }
  return "unknown";
}

const std::vector<ArchitectureRow>& architecture_rows() {
  static const std::vector<ArchitectureRow> rows = make_rows();
  return rows;
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const auto& row : architecture_rows()) {
    if (row.family != Family::EfficientNet) {
      names.push_back(row.name);
    } else if (std::find(names.begin(), names.end(), "EfficientNet") == names.end()) {
      names.push_back("EfficientNet");
    }
  }
  return names;
}

std::vector<std::string> efficientnet_names() {
  std::vector<std::string> names;
  for (const auto& row : architecture_rows()) {
    if (row.family == Family::EfficientNet) names.push_back(row.name);
  }
  return names;
}

const ArchitectureRow& find_architecture_row(const std::string& architecture, const std::string& efficientnet_model) {
  if (lower(architecture) == "efficientnet") {
    if (efficientnet_model.empty()) {
      throw std::invalid_argument("architecture EfficientNet needs --EfficientNet-models, one of: " +
                                  join(efficientnet_names()));
    }
    const auto* row = find_row(efficientnet_model);
    if (row == nullptr || row->family != Family::EfficientNet) {
      throw std::invalid_argument("unknown EfficientNet model '" + efficientnet_model +
                                  "'; known: " + join(efficientnet_names()));
    }
    return *row;
  }
  if (const auto* row = find_row(architecture)) return *row;
  throw std::invalid_argument("unknown architecture '" + architecture + "'; known: " + join(architecture_names()) +
                              " (EfficientNet with --EfficientNet-models: " + join(efficientnet_names()) + ")");
}

}  // namespace fixres::models
