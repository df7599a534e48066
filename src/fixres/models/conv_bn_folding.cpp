#include "fixres/models/conv_bn_folding.h"

namespace fixres::models {
namespace {

bool needs_grad(const torch::Tensor& t) { return t.defined() && t.requires_grad(); }

/// The tensor registered under `name` on `module` (undefined if none).
torch::Tensor registered(const torch::nn::Module& module, const std::string& name) {
  const auto params = module.named_parameters(/*recurse=*/false);
  if (const torch::Tensor* p = params.find(name)) return *p;
  return {};
}

/// True while the conv's forward already reads substituted tensors (an enclosing fold).
bool already_folded(const torch::nn::Conv2dImpl& conv) {
  return !conv.weight.is_same(registered(conv, "weight"));
}

bool frozen(const ConvBnPair& pair) {
  const BatchNorm2dImpl& bn = *pair.bn;
  if (bn.is_training() || !bn.options.track_running_stats()) return false;
  if (!bn.running_mean.defined() || !bn.running_var.defined()) return false;
  if (!torch::GradMode::is_enabled()) return true;
  return !needs_grad(pair.conv->weight) && !needs_grad(pair.conv->bias) && !needs_grad(bn.weight) &&
         !needs_grad(bn.bias);
}

}  // namespace

std::vector<ConvBnPair> find_conv_bn_pairs(torch::nn::Module& model) {
  std::vector<ConvBnPair> pairs;
  for (const auto& entry : model.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const std::string prefix = entry.key().empty() ? "" : entry.key() + ".";
    std::string previous_name;
    torch::nn::Conv2dImpl* previous_conv = nullptr;
    for (const auto& child : entry.value()->named_children()) {
      auto* bn = child.value()->as<BatchNorm2dImpl>();
      if (bn != nullptr && previous_conv != nullptr &&
          previous_conv->options.out_channels() == bn->options.num_features()) {
        pairs.push_back({prefix + previous_name, prefix + child.key(), previous_conv, bn});
      }
      previous_conv = child.value()->as<torch::nn::Conv2dImpl>();
      previous_name = child.key();
      if (auto* container = dynamic_cast<EndsWithConvolution*>(child.value().get())) {
        previous_conv = &container->output_convolution();
        previous_name = child.key() + "." + container->output_convolution_name();
      }
    }
  }
  return pairs;
}

FoldedBatchNorms::FoldedBatchNorms(torch::nn::Module& model, bool enabled) {
  if (!enabled) return;
  const auto identity = [](BatchNorm2dImpl&, const torch::Tensor& x) { return x; };
  for (const ConvBnPair& pair : find_conv_bn_pairs(model)) {
    if (already_folded(*pair.conv) || !frozen(pair)) continue;
    torch::nn::Conv2dImpl& conv = *pair.conv;
    BatchNorm2dImpl& bn = *pair.bn;
    torch::NoGradGuard no_grad;
    const torch::Tensor& w = conv.weight;
    const auto as_double = [](const torch::Tensor& t) { return t.to(torch::kFloat64); };
    torch::Tensor scale = as_double(bn.running_var).add(bn.options.eps()).rsqrt();
    if (bn.weight.defined()) scale = scale * as_double(bn.weight);
    torch::Tensor shift = conv.bias.defined() ? as_double(conv.bias) : torch::zeros_like(scale);
    shift = (shift - as_double(bn.running_mean)) * scale;
    if (bn.bias.defined()) shift = shift + as_double(bn.bias);

    std::vector<std::int64_t> per_output(static_cast<std::size_t>(w.dim()), 1);
    per_output[0] = -1;
    Saved saved{&conv, &bn, conv.weight, conv.bias, bn.delegate()};
    conv.weight = (as_double(w) * scale.view(per_output)).to(w.scalar_type()).contiguous(w.suggest_memory_format());
    conv.bias = shift.to(w.scalar_type());
    bn.set_delegate(identity);
    saved_.push_back(std::move(saved));
  }
}

FoldedBatchNorms::~FoldedBatchNorms() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    it->conv->weight = it->weight;
    it->conv->bias = it->bias;
    it->bn->set_delegate(it->delegate);
  }
}

}  // namespace fixres::models
