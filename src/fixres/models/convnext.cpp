#include "fixres/models/convnext.h"

#include <numeric>

#include "fixres/models/layers.h"

namespace fixres::models {
namespace {

constexpr double kLayerNormEps = 1e-6;

}  // namespace

LayerNorm2dImpl::LayerNorm2dImpl(std::int64_t channels)
    : torch::nn::LayerNormImpl(torch::nn::LayerNormOptions({channels}).eps(kLayerNormEps)) {}

torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x) {
  return torch::nn::LayerNormImpl::forward(norm_input(x).permute({0, 2, 3, 1})).permute({0, 3, 1, 2});
}

ConvNeXtBlockImpl::ConvNeXtBlockImpl(std::int64_t channels, double ls_init_value, double drop_path_rate)
    : drop_path_rate_(drop_path_rate) {
  conv_dw_ = register_module(
      "conv_dw", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 7).padding(3).groups(channels)));
  norm_ = register_module("norm", layer_norm(channels, kLayerNormEps));
  mlp_ = register_module("mlp", Mlp(channels, 4 * channels));
  gamma_ = register_parameter("gamma", torch::full({channels}, ls_init_value));
}

torch::Tensor ConvNeXtBlockImpl::forward(const torch::Tensor& x) {
  auto y = conv_dw_->forward(x).permute({0, 2, 3, 1});
  y = mlp_->forward(norm_->forward(norm_input(y))).permute({0, 3, 1, 2});
  y = y.mul(gamma_.reshape({1, -1, 1, 1}));
  return drop_path(y, drop_path_rate_, is_training()) + x;
}

ConvNeXtStageImpl::ConvNeXtStageImpl(std::int64_t in_channels, std::int64_t channels, std::int64_t depth,
                                     const std::vector<double>& drop_path_rates, double ls_init_value) {
  if (in_channels != channels) {
    downsample_ = register_module(
        "downsample", torch::nn::Sequential(LayerNorm2d(in_channels),
                                            torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, channels, 2).stride(2))));
  }
  blocks_ = register_module("blocks", torch::nn::Sequential());
  for (std::int64_t i = 0; i < depth; ++i) blocks_->push_back(ConvNeXtBlock(channels, ls_init_value, drop_path_rates[i]));
}

torch::Tensor ConvNeXtStageImpl::forward(const torch::Tensor& x) {
  return blocks_->forward(downsample_ ? downsample_->forward(x) : x);
}

ConvNeXtImpl::ConvNeXtImpl(const ConvNeXtOptions& options_) : options(options_) {
  const auto& depths = options.depths();
  const auto& dims = options.dims();
  TORCH_CHECK(depths.size() == 4 && dims.size() == 4, "ConvNeXt: expected 4 stages, got ", depths.size(),
              " depths and ", dims.size(), " widths");
  stem_ = register_module(
      "stem", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, dims[0], 4).stride(4)),
                                    LayerNorm2d(dims[0])));
  // timm: torch.linspace(0, drop_path_rate, sum(depths)).split(depths).
  const std::int64_t blocks = std::accumulate(depths.begin(), depths.end(), std::int64_t{0});
  const auto rates = torch::linspace(0.0, options.drop_path_rate(), blocks, torch::kFloat);
  stages_ = register_module("stages", torch::nn::Sequential());
  std::int64_t first = 0, in_channels = dims[0];
  for (std::size_t i = 0; i < 4; ++i) {
    std::vector<double> stage_rates;
    for (std::int64_t j = 0; j < depths[i]; ++j) stage_rates.push_back(rates[first + j].item<double>());
    stages_->push_back(ConvNeXtStage(in_channels, dims[i], depths[i], stage_rates, options.ls_init_value()));
    first += depths[i];
    in_channels = dims[i];
  }
  auto head = register_module("head", std::make_shared<torch::nn::Module>());
  head_norm_ = head->register_module("norm", LayerNorm2d(dims[3]));
  register_classifier("fc", dims[3], options.num_classes(), head.get(), "head");
  if (options.initialize()) init_trunc_normal(*this, /*convolutions=*/true);  // timm's _init_weights
}

torch::Tensor ConvNeXtImpl::forward_features(const torch::Tensor& images) {
  return pooled_head(stages_output(images));
}

torch::Tensor ConvNeXtImpl::stages_output(const torch::Tensor& images) { return stages_->forward(stem_->forward(images)); }

torch::Tensor ConvNeXtImpl::pooled_head(const torch::Tensor& map) {
  return head_norm_->forward(torch::adaptive_avg_pool2d(map, {1, 1})).flatten(1);
}

std::vector<FeatureCut> ConvNeXtImpl::feature_cuts() {
  FeatureCut head;
  head.name = "head";
  head.suffix_modules = {"head"};
  head.prefix = [this](const torch::Tensor& images) {
    return std::vector<torch::Tensor>{stages_output(images)};
  };
  head.suffix = [this](const std::vector<torch::Tensor>& state) { return pooled_head(state.at(0)); };
  std::vector<FeatureCut> cuts{head};
  for (auto& cut : Classifier::feature_cuts()) cuts.push_back(cut);
  return cuts;
}

torch::Tensor ConvNeXtImpl::forward_head(const torch::Tensor& embedding) {
  namespace F = torch::nn::functional;
  return apply_classifier(
      F::dropout(embedding, F::DropoutFuncOptions().p(options.drop_rate()).training(is_training())));
}

}  // namespace fixres::models
