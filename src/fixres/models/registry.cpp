#include "fixres/models/registry.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "fixres/models/convnext.h"
#include "fixres/models/efficientnet.h"
#include "fixres/core/normalisation.h"
#include "fixres/models/pnasnet.h"
#include "fixres/models/resnet.h"
#include "fixres/models/vision_transformer.h"

namespace fixres::models {

namespace {


// imnet_finetune/train.py: only `fc` trains; layer4[2].bn3 adapts its statistics.
const FinetunePolicy kResNetPolicy{{"fc"}, {"layer4.2.bn3"}};
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

/// A timm ViT/DeiT row: VitRow("deit_small_patch16_224").width(384).heads(6).
using Triplet = std::array<float, 3>;

struct VitRow {
  explicit VitRow(std::string name) : name_(std::move(name)) {}
  TORCH_ARG(std::string, name);
  TORCH_ARG(std::string, description);
  TORCH_ARG(std::int64_t, patch_size) = 16;
  TORCH_ARG(std::int64_t, width) = 768;
  TORCH_ARG(std::int64_t, depth) = 12;
  TORCH_ARG(std::int64_t, heads) = 12;
  /// The resolution the weights were trained (or last fine-tuned) at.
  TORCH_ARG(int, image_size) = 224;
  TORCH_ARG(Triplet, mean) = kHalfMeanStd;
  TORCH_ARG(Triplet, std) = kHalfMeanStd;
  /// timm's crop_pct of the weights (0.9; 1.0 for those fine-tuned at 384).
  TORCH_ARG(double, crop_pct) = 0.9;
};

/// timm's eval transform of its weights: Resize(floor(S / crop_pct)) of the shorter side,
/// bicubic, CenterCrop(S).
data::TestProtocol timm_protocol(double crop_pct) {
  data::TestProtocol protocol;
  protocol.resize_mode = data::ResizeMode::Shorter;
  protocol.interpolation = data::Interpolation::Bicubic;
  protocol.crop_pct = crop_pct;
  return protocol;
}

ArchitectureSpec vit_row(const VitRow& row) {
  ArchitectureSpec spec;
  spec.name = row.name();
  spec.family = Family::VisionTransformer;
  spec.description = row.description();
  spec.train_size = row.image_size();
  spec.test_size = row.image_size();
  spec.mean = row.mean();
  spec.std = row.std();
  spec.interpolation = "bicubic";
  spec.protocol = timm_protocol(row.crop_pct());
  spec.embedding_dim = row.width();
  spec.total_stride = static_cast<int>(row.patch_size());
  spec.size_multiple = static_cast<int>(row.patch_size());
  spec.finetune = kVisionTransformerPolicy;
  auto network = VisionTransformerOptions()
                     .patch_size(row.patch_size())
                     .embed_dim(row.width())
                     .depth(row.depth())
                     .num_heads(row.heads())
                     .image_size(row.image_size());
  spec.build = [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    VisionTransformerOptions options = network;
    options.num_classes(o.num_classes).initialize(o.initialize);
    if (o.drop_rate) options.drop_rate(*o.drop_rate);
    if (o.drop_path_rate) options.drop_path_rate(*o.drop_path_rate);
    return std::make_shared<VisionTransformerImpl>(options);
  };
  return spec;
}

ArchitectureSpec convnext_row(const std::string& name, std::vector<std::int64_t> depths,
                              std::vector<std::int64_t> dims) {
  ArchitectureSpec spec;
  spec.name = name;
  spec.family = Family::ConvNeXt;
  spec.description = "timm " + name + " (ConvNeXt, FB weights' layout)";
  spec.mean = kImagenetMean;
  spec.std = kImagenetStd;
  spec.interpolation = "bicubic";
  spec.protocol = timm_protocol(0.875);
  spec.embedding_dim = dims.back();
  spec.finetune = kConvNeXtPolicy;
  const ConvNeXtOptions network(std::move(depths), std::move(dims));
  spec.build = [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    ConvNeXtOptions options = network;
    options.num_classes(o.num_classes).initialize(o.initialize);
    if (o.drop_rate) options.drop_rate(*o.drop_rate);
    if (o.drop_path_rate) options.drop_path_rate(*o.drop_path_rate);
    return std::make_shared<ConvNeXtImpl>(options);
  };
  return spec;
}

void add_transformer_rows(std::vector<ArchitectureSpec>& rows) {
  // timm's ViTs (AugReg weights: 0.5/0.5 normalisation, crop 0.9; 1.0 for the 384 fine-tune).
  const VitRow vits[] = {
      VitRow("vit_tiny_patch16_224").width(192).heads(3),
      VitRow("vit_small_patch16_224").width(384).heads(6),
      VitRow("vit_base_patch16_224"),
      VitRow("vit_base_patch16_384").image_size(384).crop_pct(1.0),
      VitRow("vit_large_patch16_224").width(1024).depth(24).heads(16),
  };
  for (const VitRow& row : vits) {
    rows.push_back(vit_row(VitRow(row).description("timm " + row.name() + " (ViT, width " +
                                                   std::to_string(row.width()) + ", depth " +
                                                   std::to_string(row.depth()) + ")")));
  }
  // DeiT (Touvron et al. 2021): the same network, ImageNet normalisation.
  const VitRow deits[] = {
      VitRow("deit_tiny_patch16_224").width(192).heads(3),
      VitRow("deit_small_patch16_224").width(384).heads(6),
      VitRow("deit_base_patch16_224"),
      VitRow("deit_base_patch16_384").image_size(384).crop_pct(1.0),
  };
  for (const VitRow& row : deits) {
    rows.push_back(vit_row(VitRow(row)
                               .mean(kImagenetMean)
                               .std(kImagenetStd)
                               .description("timm " + row.name() + " (DeiT, width " + std::to_string(row.width()) +
                                            ", depth " + std::to_string(row.depth()) + ")")));
  }
  rows.push_back(convnext_row("convnext_tiny", {3, 3, 9, 3}, {96, 192, 384, 768}));
  rows.push_back(convnext_row("convnext_small", {3, 3, 27, 3}, {96, 192, 384, 768}));
  rows.push_back(convnext_row("convnext_base", {3, 3, 27, 3}, {128, 256, 512, 1024}));
  rows.push_back(convnext_row("convnext_large", {3, 3, 27, 3}, {192, 384, 768, 1536}));
}

/// A ResNet row of the registry: ResNetRow("resnet101", ResNetOptions({3, 4, 23, 3}))
/// .description(...).test_size(...); the network's shape (layers, groups, width, base planes, stem
/// pool) is the ResNetOptions the builder gets.
struct ResNetRow {
  ResNetRow(std::string name, ResNetOptions network) : name_(std::move(name)), network_(std::move(network)) {}
  TORCH_ARG(std::string, name);
  TORCH_ARG(ResNetOptions, network);
  TORCH_ARG(std::string, description);
  /// FixRes's test resolution for the released weights.
  TORCH_ARG(int, test_size) = 224;
  /// The weights' test protocol (default: FixRes's).
  TORCH_ARG(data::TestProtocol, protocol);
};

ArchitectureSpec resnet_row(const ResNetRow& row) {
  const ResNetOptions& network = row.network();
  ArchitectureSpec spec;
  spec.name = row.name();
  spec.family = Family::ResNet;
  spec.description = row.description();
  spec.train_size = 224;
  spec.test_size = row.test_size();
  spec.mean = kImagenetMean;
  spec.std = kImagenetStd;
  spec.interpolation = "bilinear";
  spec.embedding_dim = 8 * network.base_planes() * BottleneckImpl::kExpansion;
  spec.total_stride = network.stem_pool() ? 32 : 16;
  spec.protocol = row.protocol();
  spec.finetune = kResNetPolicy;
  // The last block's bn3 adapts (layer4.2.bn3 for the [.,.,.,3] ResNets).
  spec.finetune.train_mode = {"layer4." + std::to_string(network.layers()[3] - 1) + ".bn3"};
  spec.build = [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    ResNetOptions options = network;
    return std::make_shared<ResNetImpl>(options.num_classes(o.num_classes).initialize(o.initialize));
  };
  return spec;
}

ArchitectureSpec pnasnet_row() {
  ArchitectureSpec spec;
  spec.name = "PNASNet";
  spec.family = Family::PNASNet;
  spec.description = "PNASNet-5-Large (FixRes pnasnet.py / Cadene pnasnet5large)";
  spec.train_size = 331;
  spec.test_size = 480;
  spec.mean = kHalfMeanStd;
  spec.std = kHalfMeanStd;
  spec.interpolation = "bilinear";
  spec.embedding_dim = 4320;
  spec.finetune = kPNASNetPolicy;
  spec.build = [](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    PNASNetOptions options;
    options.num_classes(o.num_classes);
    if (o.drop_rate) options.dropout(*o.drop_rate);
    return std::make_shared<PNASNetImpl>(options);
  };
  return spec;
}

ArchitectureSpec efficientnet_row(const EfficientNetVariant& v) {
  ArchitectureSpec spec;
  spec.name = v.name;
  spec.family = Family::EfficientNet;
  spec.description = "timm " + v.name + " (width " + std::to_string(v.channel_multiplier).substr(0, 3) +
                     ", depth " + std::to_string(v.depth_multiplier).substr(0, 3) + ", TF 'same' padding)";
  spec.train_size = v.train_size;
  spec.test_size = v.fix_test_size;
  spec.mean = v.mean;
  spec.std = v.std;
  spec.interpolation = "bicubic";
  spec.embedding_dim = efficientnet::round_channels(1280, v.channel_multiplier);
  spec.finetune = kEfficientNetPolicy;
  spec.build = [v](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    auto options = EfficientNetOptions()
                       .channel_multiplier(v.channel_multiplier)
                       .depth_multiplier(v.depth_multiplier)
                       .num_classes(o.num_classes)
                       .initialize(o.initialize);
    if (o.drop_rate) options.drop_rate(*o.drop_rate);
    if (o.drop_path_rate) options.drop_path_rate(*o.drop_path_rate);
    return std::make_shared<EfficientNetImpl>(options);
  };
  return spec;
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

std::vector<std::string> efficientnet_names() {
  std::vector<std::string> names;
  for (const auto& v : efficientnet_variants()) names.push_back(v.name);
  return names;
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

const std::vector<ArchitectureSpec>& architecture_specs() {
  static const std::vector<ArchitectureSpec> specs = [] {
    std::vector<ArchitectureSpec> rows;
    rows.push_back(resnet_row(ResNetRow("ResNet50", ResNetOptions({3, 4, 6, 3}))
                                  .description("torchvision resnet50 (Bottleneck [3,4,6,3])")
                                  .test_size(384)));
    rows.push_back(resnet_row(
        ResNetRow("IGAM_Resnext101_32x48d", ResNetOptions({3, 4, 23, 3}).groups(32).width_per_group(48))
            .description("ResNeXt-101 32x48d (torchvision ResNet, Bottleneck [3,4,23,3], groups 32, width 48)")
            .test_size(320)));
    rows.push_back(pnasnet_row());
    for (const auto& v : efficientnet_variants()) rows.push_back(efficientnet_row(v));
    // torchvision's other ResNets and ResNeXts, tested at 224 as torchvision's references test
    // their (V1) weights: Resize(256) of the shorter side, CenterCrop(224), bilinear.
    data::TestProtocol torchvision_v1;
    torchvision_v1.resize_mode = data::ResizeMode::Shorter;
    const ResNetRow torchvision[] = {
        ResNetRow("resnet101", ResNetOptions({3, 4, 23, 3})),
        ResNetRow("resnet152", ResNetOptions({3, 8, 36, 3})),
        ResNetRow("resnext50_32x4d", ResNetOptions({3, 4, 6, 3}).groups(32).width_per_group(4)),
        ResNetRow("resnext101_32x8d", ResNetOptions({3, 4, 23, 3}).groups(32).width_per_group(8)),
        ResNetRow("wide_resnet50_2", ResNetOptions({3, 4, 6, 3}).width_per_group(128)),
        ResNetRow("wide_resnet101_2", ResNetOptions({3, 4, 23, 3}).width_per_group(128)),
    };
    for (const ResNetRow& row : torchvision) {
      rows.push_back(resnet_row(ResNetRow(row).description("torchvision " + row.name()).protocol(torchvision_v1)));
    }
    add_transformer_rows(rows);
    // The `fixres demo` network: a narrow ResNet-26 that trains on 2 CPU cores in minutes.
    rows.push_back(resnet_row(ResNetRow("resnet26_w16", ResNetOptions({2, 2, 2, 2}).base_planes(16))
                                  .description("narrow ResNet-26 (Bottleneck [2,2,2,2], 16 base planes; fixres demo)")));
    // The same without the stem's max-pool: total stride 16, so small inputs keep usable maps.
    rows.push_back(resnet_row(
        ResNetRow("resnet26_w16_s16", ResNetOptions({2, 2, 2, 2}).base_planes(16).stem_pool(false))
            .description("narrow ResNet-26 without the stem max-pool (total stride 16; fixres demo)")));
    return rows;
  }();
  return specs;
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> names = {"ResNet50", "IGAM_Resnext101_32x48d", "PNASNet", "EfficientNet"};
  for (const auto& spec : architecture_specs()) {
    if (spec.family != Family::EfficientNet && spec.name != "ResNet50" && spec.name != "IGAM_Resnext101_32x48d" &&
        spec.name != "PNASNet") {
      names.push_back(spec.name);
    }
  }
  return names;
}

const ArchitectureSpec& find_architecture(const std::string& architecture, const std::string& efficientnet_model) {
  const auto& specs = architecture_specs();
  auto find = [&](const std::string& name) -> const ArchitectureSpec* {
    for (const auto& spec : specs) {
      if (spec.name == name) return &spec;
    }
    for (const auto& spec : specs) {
      if (lower(spec.name) == lower(name)) return &spec;
    }
    return nullptr;
  };
  if (lower(architecture) == "efficientnet") {
    if (efficientnet_model.empty()) {
      throw std::invalid_argument("architecture EfficientNet needs --EfficientNet-models, one of: " +
                                  join(efficientnet_names()));
    }
    const auto* spec = find(efficientnet_model);
    if (spec == nullptr || spec->family != Family::EfficientNet) {
      throw std::invalid_argument("unknown EfficientNet model '" + efficientnet_model +
                                  "'; known: " + join(efficientnet_names()));
    }
    return *spec;
  }
  if (const auto* spec = find(architecture)) return *spec;
  throw std::invalid_argument("unknown architecture '" + architecture + "'; known: " + join(architecture_names()) +
                              " (EfficientNet with --EfficientNet-models: " + join(efficientnet_names()) + ")");
}

std::shared_ptr<Classifier> create_model(const std::string& architecture, const ModelOptions& options) {
  return find_architecture(architecture, options.efficientnet_model).build(options);
}

}  // namespace fixres::models
