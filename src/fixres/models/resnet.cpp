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
  const std::vector<torch::Tensor> halves = branch(x);
  return finish(halves[0], halves[1]);
}

std::vector<torch::Tensor> BottleneckImpl::branch(const torch::Tensor& x) {
  // In-place ReLUs and sum, as torchvision's (ReLU(inplace=True)): no batch-norm's backward
  // needs its output.
  auto out = bn1_->forward(conv1_->forward(x)).relu_();
  out = bn2_->forward(conv2_->forward(out)).relu_();
  return {conv3_->forward(out), downsample_ ? downsample_->forward(x) : x};
}

torch::Tensor BottleneckImpl::finish(const torch::Tensor& conv3_output, const torch::Tensor& residual) {
  auto out = bn3_->forward(conv3_output);
  out += residual;
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

torch::Tensor ResNetImpl::stem(const torch::Tensor& images) {
  auto x = bn1_->forward(conv1_->forward(images)).relu_();
  return options.stem_pool() ? maxpool_->forward(x) : x;
}

torch::Tensor ResNetImpl::forward_features(const torch::Tensor& images) {
  auto x = stem(images);
  for (auto& layer : layers_) x = layer->forward(x);
  return avgpool_->forward(x).flatten(1);
}

std::vector<std::pair<std::string, Bottleneck>> ResNetImpl::blocks() {
  std::vector<std::pair<std::string, Bottleneck>> all;
  for (std::size_t stage = 0; stage < layers_.size(); ++stage) {
    const std::string prefix = "layer" + std::to_string(stage + 1) + ".";
    for (std::size_t j = 0; j < layers_[stage]->size(); ++j) {
      all.emplace_back(prefix + std::to_string(j), Bottleneck(layers_[stage]->ptr<BottleneckImpl>(j)));
    }
  }
  return all;
}

torch::Tensor ResNetImpl::block_input(const torch::Tensor& images, std::size_t block) {
  auto x = stem(images);
  auto all = blocks();
  for (std::size_t b = 0; b < block; ++b) x = all[b].second->forward(x);
  return x;
}

torch::Tensor ResNetImpl::run_from_block(std::size_t first, torch::Tensor x) {
  auto all = blocks();
  for (std::size_t b = first; b < all.size(); ++b) x = all[b].second->forward(x);
  return avgpool_->forward(x).flatten(1);
}

std::vector<FeatureCut> ResNetImpl::feature_cuts() {
  auto all = blocks();
  std::vector<FeatureCut> cuts;
  for (std::size_t b = 0; b < all.size(); ++b) {
    // What runs after a cut in block b: the rest of block b (given), the later blocks, the head.
    std::vector<std::string> later;
    for (std::size_t c = b + 1; c < all.size(); ++c) later.push_back(all[c].first);
    later.insert(later.end(), {"avgpool", classifier_name()});

    FeatureCut before;
    before.name = all[b].first;
    before.suffix_modules = later;
    before.suffix_modules.push_back(all[b].first);
    before.prefix = [this, b](const torch::Tensor& images) {
      return std::vector<torch::Tensor>{block_input(images, b)};
    };
    before.suffix = [this, b](const std::vector<torch::Tensor>& state) { return run_from_block(b, state.at(0)); };
    cuts.push_back(before);

    FeatureCut at_bn3;
    at_bn3.name = all[b].first + ".bn3";
    at_bn3.suffix_modules = later;
    at_bn3.suffix_modules.push_back(at_bn3.name);
    at_bn3.prefix = [this, b](const torch::Tensor& images) {
      auto all_now = blocks();
      return all_now[b].second->branch(block_input(images, b));
    };
    at_bn3.suffix = [this, b](const std::vector<torch::Tensor>& state) {
      auto all_now = blocks();
      return run_from_block(b + 1, all_now[b].second->finish(state.at(0), state.at(1)));
    };
    cuts.push_back(at_bn3);
  }
  auto embedding = Classifier::feature_cuts();
  cuts.insert(cuts.end(), embedding.begin(), embedding.end());
  return cuts;
}

torch::Tensor ResNetImpl::forward_head(const torch::Tensor& embedding) { return apply_classifier(embedding); }

}  // namespace fixres::models
