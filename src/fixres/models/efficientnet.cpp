#include "fixres/models/efficientnet.h"

#include <cmath>

#include "fixres/models/efficientnet_blocks.h"
#include "fixres/models/layers.h"

namespace fixres::models {

namespace {

// timm's _init_weight_goog.
void init_weights_goog(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& module : model.modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2dImpl>()) {
      const auto& k = *conv->options.kernel_size();
      const double fan_out = static_cast<double>(k[0] * k[1] * conv->options.out_channels() / conv->options.groups());
      conv->weight.normal_(0.0, std::sqrt(2.0 / fan_out));
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* bn = module->as<BatchNorm2dImpl>()) {
      bn->weight.fill_(1.0);
      bn->bias.zero_();
    } else if (auto* linear = module->as<torch::nn::LinearImpl>()) {
      const double range = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(0)));
      linear->weight.uniform_(-range, range);
      linear->bias.zero_();
    }
  }
}

}  // namespace

EfficientNetImpl::EfficientNetImpl(const EfficientNetOptions& options_) : options(options_) {
  using efficientnet::BlockConfig;
  using efficientnet::BlockType;
  const double width = options.channel_multiplier();
  const auto stem = efficientnet::round_channels(options.stem_size(), width);
  conv_stem_ = register_module("conv_stem", Conv2dSame(conv_options(3, stem, 3, 2)));
  bn1_ = register_module("bn1", batch_norm(stem, options.bn_eps(), options.bn_momentum()));

  // EfficientNetBuilder: stride only on a stage's first block, drop-path rate growing with the
  // global block index.
  const auto stages = efficientnet::decode_arch_def(options.arch_def(), options.depth_multiplier());
  std::int64_t total_blocks = 0;
  for (const auto& stage : stages) total_blocks += static_cast<std::int64_t>(stage.size());
  blocks_ = torch::nn::Sequential();
  std::int64_t in_channels = stem;
  std::int64_t block_index = 0;
  for (const auto& stage : stages) {
    TensorSequential stage_module;
    for (std::size_t j = 0; j < stage.size(); ++j) {
      const auto& args = stage[j];
      BlockConfig config;
      config.in_channels = in_channels;
      config.out_channels = efficientnet::round_channels(args.out_channels, width);
      config.kernel_size = args.kernel_size;
      config.stride = j == 0 ? args.stride : 1;
      config.exp_ratio = args.exp_ratio;
      config.se_ratio = args.se_ratio;
      config.noskip = args.noskip;
      config.pw_act = args.pw_act;
      config.activation = Activation::kSwish;
      config.bn_eps = options.bn_eps();
      config.bn_momentum = options.bn_momentum();
      config.drop_path_rate =
          options.drop_path_rate() * static_cast<double>(block_index) / static_cast<double>(total_blocks);
      if (args.type == BlockType::kDepthwiseSeparable) {
        stage_module->push_back(efficientnet::DepthwiseSeparable(config));
      } else {
        stage_module->push_back(efficientnet::InvertedResidual(config));
      }
      in_channels = config.out_channels;
      ++block_index;
    }
    blocks_->push_back(stage_module);
  }
  register_module("blocks", blocks_);

  const auto features = efficientnet::round_channels(options.num_features(), width);
  conv_head_ = register_module("conv_head", Conv2dSame(conv_options(in_channels, features, 1)));
  bn2_ = register_module("bn2", batch_norm(features, options.bn_eps(), options.bn_momentum()));
  global_pool_ = register_module("global_pool", torch::nn::AdaptiveAvgPool2d(1));
  register_classifier("classifier", features, options.num_classes());
  if (options.initialize()) init_weights_goog(*this);
}

torch::Tensor EfficientNetImpl::forward_features(const torch::Tensor& images) {
  return head_features(blocks_output(images));
}

torch::Tensor EfficientNetImpl::blocks_output(const torch::Tensor& images) {
  return blocks_->forward(torch::silu(bn1_->forward(conv_stem_->forward(images))));
}

torch::Tensor EfficientNetImpl::head_features(const torch::Tensor& blocks_output) {
  auto x = torch::silu(bn2_->forward(conv_head_->forward(blocks_output)));
  return global_pool_->forward(x).flatten(1);
}

std::vector<FeatureCut> EfficientNetImpl::feature_cuts() {
  FeatureCut head;
  head.name = "conv_head";
  head.suffix_modules = {"conv_head", "bn2", "global_pool", classifier_name()};
  head.prefix = [this](const torch::Tensor& images) {
    return std::vector<torch::Tensor>{blocks_output(images)};
  };
  head.suffix = [this](const std::vector<torch::Tensor>& state) { return head_features(state.at(0)); };
  std::vector<FeatureCut> cuts{head};
  for (auto& cut : Classifier::feature_cuts()) cuts.push_back(cut);
  return cuts;
}

torch::Tensor EfficientNetImpl::forward_head(const torch::Tensor& embedding) {
  auto x = embedding;
  if (options.drop_rate() > 0.0) x = torch::dropout(x, options.drop_rate(), is_training());
  return apply_classifier(x);
}

}  // namespace fixres::models
