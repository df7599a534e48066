#pragma once
/// timm's Mlp (layers/mlp.py) as the transformer blocks and ConvNeXt use it: fc1 → GELU (exact,
/// erf) → dropout → fc2 → dropout, on the last dimension. Children: fc1, fc2.

#include <torch/torch.h>

#include <cstdint>

namespace fixres::models {

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(std::int64_t features, std::int64_t hidden_features, double drop = 0.0);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  double drop_ = 0.0;
};
TORCH_MODULE(Mlp);

}  // namespace fixres::models
