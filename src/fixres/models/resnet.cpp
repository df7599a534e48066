#include "fixres/models/resnet.h"

#include <string>

#include "fixres/models/layers.h"

namespace fixres::models {

BottleneckImpl::BottleneckImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride,
                               std::int64_t groups, std::int64_t base_width, bool downsample) {
  // torchvision: width = int(planes * (base_width / 64.)) * groups
  const auto width =
      static_cast<std::int64_t>(static_cast<double>(planes) * (static_cast<double>(base_width) / 64.0)) * groups;
  conv1_ = register_module("conv1", torch::nn::Conv2d(conv_options(inplanes, width, 1)));
  bn1_ = register_module("bn1", batch_norm(width));
  conv2_ = register_module("conv2", torch::nn::Conv2d(conv_options(width, width, 3, stride, 1, groups)));
  bn2_ = register_module("bn2", batch_norm(width));
  conv3_ = register_module("conv3", torch::nn::Conv2d(conv_options(width, planes * kExpansion, 1)));
  bn3_ = register_module("bn3", batch_norm(planes * kExpansion));
  register_module("relu", torch::nn::ReLU());
  if (downsample) {
    downsample_ = register_module(
        "downsample", torch::nn::Sequential(torch::nn::Conv2d(conv_options(inplanes, planes * kExpansion, 1, stride)),
                                            batch_norm(planes * kExpansion)));
  }
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  // In-place ReLUs and sum, as torchvision's (ReLU(inplace=True)): no batch-norm's backward
  // needs its output.
  auto out = bn1_->forward(conv1_->forward(x)).relu_();
  out = bn2_->forward(conv2_->forward(out)).relu_();
  out = bn3_->forward(conv3_->forward(out));
  out += downsample_ ? downsample_->forward(x) : x;
  return out.relu_();
}

ResNetImpl::ResNetImpl(const ResNetOptions& options_) : options(options_) {
  TORCH_CHECK(options.layers().size() == 4, "ResNet: expected 4 stage depths, got ",
              options.layers().size());
  TORCH_CHECK(options.base_planes() > 0, "ResNet: base_planes must be positive, got ", options.base_planes());
  inplanes_ = options.base_planes();
  conv1_ = register_module("conv1", torch::nn::Conv2d(conv_options(3, inplanes_, 7, 2, 3)));
  bn1_ = register_module("bn1", batch_norm(inplanes_));
  register_module("relu", torch::nn::ReLU());
  maxpool_ = register_module("maxpool", torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
  const std::int64_t base = options.base_planes();
  const std::int64_t planes[4] = {base, 2 * base, 4 * base, 8 * base};
  for (std::size_t i = 0; i < 4; ++i) {
    auto layer = make_layer(planes[i], options.layers()[i], i == 0 ? 1 : 2);
    layers_.push_back(register_module("layer" + std::to_string(i + 1), layer));
  }
  avgpool_ = register_module("avgpool", torch::nn::AdaptiveAvgPool2d(1));
  register_classifier("fc", planes[3] * BottleneckImpl::kExpansion, options.num_classes());

  if (!options.initialize()) return;
  // torchvision's initialisation.
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = module->as<BatchNorm2d>()) {
      torch::nn::init::ones_(bn->weight);
      torch::nn::init::zeros_(bn->bias);
    }
  }
  if (options.zero_init_residual()) {
    for (auto& layer : layers_) {
      for (auto& block : layer->children()) {
        torch::nn::init::zeros_(block->named_children()["bn3"]->as<BatchNorm2d>()->weight);
      }
    }
  }
}

torch::nn::Sequential ResNetImpl::make_layer(std::int64_t planes, std::int64_t blocks, std::int64_t stride) {
  torch::nn::Sequential layer;
  const bool downsample = stride != 1 || inplanes_ != planes * BottleneckImpl::kExpansion;
  layer->push_back(Bottleneck(inplanes_, planes, stride, options.groups(), options.width_per_group(), downsample));
  inplanes_ = planes * BottleneckImpl::kExpansion;
  for (std::int64_t i = 1; i < blocks; ++i) {
    layer->push_back(Bottleneck(inplanes_, planes, 1, options.groups(), options.width_per_group(), false));
  }
  return layer;
}

torch::Tensor ResNetImpl::forward_features(const torch::Tensor& images) {
  auto x = bn1_->forward(conv1_->forward(images)).relu_();
  if (options.stem_pool()) x = maxpool_->forward(x);
  for (auto& layer : layers_) x = layer->forward(x);
  return avgpool_->forward(x).flatten(1);
}

torch::Tensor ResNetImpl::forward_head(const torch::Tensor& embedding) { return apply_classifier(embedding); }

}  // namespace fixres::models
