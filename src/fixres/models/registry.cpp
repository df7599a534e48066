#include "fixres/models/registry.h"

#include <stdexcept>

#include "fixres/models/convnext.h"
#include "fixres/models/efficientnet.h"
#include "fixres/models/pnasnet.h"
#include "fixres/models/resnet.h"
#include "fixres/models/vision_transformer.h"

namespace fixres::models {
namespace {

using Builder = std::function<std::shared_ptr<Classifier>(const ModelOptions&)>;

/// A family's options with what every builder takes from ModelOptions: the class count, the
/// initialisation, and the dropout / stochastic-depth overrides.
template <typename Options>
Options with_model_options(Options options, const ModelOptions& o) {
  options.num_classes(o.num_classes).initialize(o.initialize);
  if (o.drop_rate) options.drop_rate(*o.drop_rate);
  if (o.drop_path_rate) options.drop_path_rate(*o.drop_path_rate);
  return options;
}

Builder resnet_builder(const NetworkShape& shape) {
  const auto network = ResNetOptions(shape.layers)
                           .groups(shape.groups)
                           .width_per_group(shape.width_per_group)
                           .base_planes(shape.base_planes)
                           .stem_pool(shape.stem_pool);
  return [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    ResNetOptions options = network;
    return std::make_shared<ResNetImpl>(options.num_classes(o.num_classes).initialize(o.initialize));
  };
}

Builder pnasnet_builder() {
  return [](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    PNASNetOptions options;
    options.num_classes(o.num_classes);
    if (o.drop_rate) options.dropout(*o.drop_rate);
    return std::make_shared<PNASNetImpl>(options);
  };
}

Builder efficientnet_builder(const NetworkShape& shape) {
  const auto network =
      EfficientNetOptions().channel_multiplier(shape.channel_multiplier).depth_multiplier(shape.depth_multiplier);
  return [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    return std::make_shared<EfficientNetImpl>(with_model_options(network, o));
  };
}

Builder vit_builder(const ArchitectureRow& row) {
  const auto network = VisionTransformerOptions()
                           .patch_size(row.shape.patch_size)
                           .embed_dim(row.shape.width)
                           .depth(row.shape.depth)
                           .num_heads(row.shape.heads)
                           .image_size(row.train_size);
  return [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    return std::make_shared<VisionTransformerImpl>(with_model_options(network, o));
  };
}

Builder convnext_builder(const NetworkShape& shape) {
  const ConvNeXtOptions network(shape.layers, shape.dims);
  return [network](const ModelOptions& o) -> std::shared_ptr<Classifier> {
    return std::make_shared<ConvNeXtImpl>(with_model_options(network, o));
  };
}

Builder builder_of(const ArchitectureRow& row) {
  switch (row.family) {
    case Family::ResNet: return resnet_builder(row.shape);
    case Family::PNASNet: return pnasnet_builder();
    case Family::EfficientNet: return efficientnet_builder(row.shape);
    case Family::VisionTransformer: return vit_builder(row);
    case Family::ConvNeXt: return convnext_builder(row.shape);
  }
  throw std::logic_error("architecture " + row.name + ": no builder for its family");
}

}  // namespace

const std::vector<ArchitectureSpec>& architecture_specs() {
  static const std::vector<ArchitectureSpec> specs = [] {
    std::vector<ArchitectureSpec> rows;
    for (const ArchitectureRow& row : architecture_rows()) {
      ArchitectureSpec spec;
      static_cast<ArchitectureRow&>(spec) = row;
      spec.build = builder_of(row);
      rows.push_back(std::move(spec));
    }
    return rows;
  }();
  return specs;
}

const ArchitectureSpec& find_architecture(const std::string& architecture, const std::string& efficientnet_model) {
  const ArchitectureRow& row = find_architecture_row(architecture, efficientnet_model);
  const auto& rows = architecture_rows();
  return architecture_specs()[static_cast<std::size_t>(&row - rows.data())];
}

std::shared_ptr<Classifier> create_model(const std::string& architecture, const ModelOptions& options) {
  return find_architecture(architecture, options.efficientnet_model).build(options);
}

}  // namespace fixres::models
