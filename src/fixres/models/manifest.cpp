#include "fixres/models/manifest.h"

#include "fixres/io/raw_tensor.h"
#include "fixres/models/registry.h"

namespace fixres::models {

namespace {

std::string dtype_string(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat:
      return "float32";
    case torch::kDouble:
      return "float64";
    case torch::kHalf:
      return "float16";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kLong:
      return "int64";
    case torch::kInt:
      return "int32";
    default:
      return std::string(c10::toString(t.scalar_type()));
  }
}

void collect(const torch::nn::Module& module, const std::string& prefix, std::vector<ManifestEntry>& out) {
  auto add = [&](const std::string& name, const torch::Tensor& tensor, bool buffer) {
    if (!tensor.defined()) return;  // e.g. the bias of a bias-free conv
    out.push_back({prefix + name, io::shape_string(tensor.sizes().vec()), dtype_string(tensor), buffer});
  };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) add(p.key(), p.value(), false);
  for (const auto& b : module.named_buffers(/*recurse=*/false)) add(b.key(), b.value(), true);
  for (const auto& child : module.named_children()) collect(*child.value(), prefix + child.key() + ".", out);
}

}  // namespace

std::vector<ManifestEntry> state_dict_manifest(const torch::nn::Module& module) {
  std::vector<ManifestEntry> entries;
  collect(module, "", entries);
  return entries;
}

ArchitectureInfo describe_architecture(const std::string& architecture, const std::string& efficientnet_model) {
  const auto& spec = find_architecture(architecture, efficientnet_model);
  ModelOptions options;
  options.efficientnet_model = efficientnet_model;
  options.initialize = false;  // shapes only
  const auto model = spec.build(options);

  ArchitectureInfo info;
  info.architecture = spec.name;
  info.description = spec.description;
  info.embedding_dim = model->embedding_dim();
  info.num_classes = model->num_classes();
  info.train_size = spec.train_size;
  info.test_size = spec.test_size;
  info.mean = spec.mean;
  info.std = spec.std;
  info.interpolation = spec.interpolation;
  info.test_transform = spec.protocol.describe();
  for (const auto& p : model->parameters()) {
    info.parameters += p.numel();
    ++info.parameter_tensors;
  }
  for (const auto& b : model->buffers()) {
    info.buffer_elements += b.numel();
    ++info.buffer_tensors;
  }
  info.manifest = state_dict_manifest(*model);
  return info;
}

}  // namespace fixres::models
