#pragma once
/// torchvision's ResNet with Bottleneck blocks (ResNet-50/101/152, ResNeXt, wide ResNets):
/// parameter and buffer names, shapes and order identical to torchvision.models.resnet.ResNet
/// (and to FixRes's Res.py / resnext_wsl.py, which are copies of it).

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fixres/models/batch_norm.h"
#include "fixres/models/classifier.h"

namespace fixres::models {

/// ResNet(Bottleneck, layers, groups=…, width_per_group=…): resnet50 is {3,4,6,3} with 1×64,
/// resnext101_32x48d is {3,4,23,3} with 32×48.
struct ResNetOptions {
  explicit ResNetOptions(std::vector<std::int64_t> layers) : layers_(std::move(layers)) {}
  /// Bottleneck blocks in layer1…layer4.
  TORCH_ARG(std::vector<std::int64_t>, layers);
  /// Groups of the 3×3 convolutions (cardinality).
  TORCH_ARG(std::int64_t, groups) = 1;
  /// Width of each group (torchvision's base_width).
  TORCH_ARG(std::int64_t, width_per_group) = 64;
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Channels of the stem and planes of layer1 (doubled per stage; embedding 8·4·base_planes).
  /// torchvision: 64; smaller values give narrow ResNets (the Fashion-MNIST demo's).
  TORCH_ARG(std::int64_t, base_planes) = 64;
  /// The stem's 3×3 max-pool (torchvision: on). Off halves the total stride (32 → 16), for
  /// small images whose last feature maps would otherwise be 1–2 pixels wide.
  TORCH_ARG(bool, stem_pool) = true;
  /// torchvision's zero_init_residual: bn3 of every block starts at 0.
  TORCH_ARG(bool, zero_init_residual) = false;
  /// torchvision's initialisation (false: LibTorch's default layer initialisation only).
  TORCH_ARG(bool, initialize) = true;
};

/// torchvision's Bottleneck (stride on the 3×3 conv, "ResNet v1.5"). Children: conv1, bn1,
/// conv2, bn2, conv3, bn3, relu, downsample (Sequential "0": conv, "1": bn) when needed.
class BottleneckImpl : public torch::nn::Module {
 public:
  static constexpr std::int64_t kExpansion = 4;
  BottleneckImpl(std::int64_t inplanes, std::int64_t planes, std::int64_t stride, std::int64_t groups,
                 std::int64_t base_width, bool downsample);
  torch::Tensor forward(const torch::Tensor& x);
  /// forward in two halves around bn3: {conv3's output, the residual (x or downsample(x))}, then
  /// bn3, the sum and the ReLU. forward(x) is finish(branch(x)).
  std::vector<torch::Tensor> branch(const torch::Tensor& x);
  torch::Tensor finish(const torch::Tensor& conv3_output, const torch::Tensor& residual);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  torch::nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(Bottleneck);

/// Children: conv1, bn1, relu, maxpool, layer1…layer4, avgpool, fc. Embedding: 512·4 = 2048.
/// Initialised as torchvision (Kaiming-normal fan-out convolutions, unit batch-norms).
class ResNetImpl : public Classifier {
 public:
  explicit ResNetImpl(const ResNetOptions& options);
  torch::Tensor forward_features(const torch::Tensor& images) override;
  torch::Tensor forward_head(const torch::Tensor& embedding) override;
  /// Before every block ("layer3.1": state {x}) and before every block's bn3 ("layer4.2.bn3":
  /// state {conv3 output, residual}, FixRes's fine-tuning point), then the embedding.
  std::vector<FeatureCut> feature_cuts() override;

  ResNetOptions options;

 private:
  /// The stem: conv1, bn1, ReLU, max-pool.
  torch::Tensor stem(const torch::Tensor& images);
  /// The stem and the blocks before block number `block` (counted over all stages).
  torch::Tensor block_input(const torch::Tensor& images, std::size_t block);
  /// Blocks from number `first` (counted over all stages) to the end, then the pooling.
  torch::Tensor run_from_block(std::size_t first, torch::Tensor x);
  /// The blocks of all stages in forward order, with their dotted names.
  std::vector<std::pair<std::string, Bottleneck>> blocks();

  torch::nn::Sequential make_layer(std::int64_t planes, std::int64_t blocks, std::int64_t stride);

  std::int64_t inplanes_ = 64;
  torch::nn::Conv2d conv1_{nullptr};
  BatchNorm2d bn1_{nullptr};
  torch::nn::MaxPool2d maxpool_{nullptr};
  std::vector<torch::nn::Sequential> layers_;
  torch::nn::AdaptiveAvgPool2d avgpool_{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace fixres::models
