#include "fixres/models/mlp.h"

#include "fixres/models/layers.h"

namespace fixres::models {

MlpImpl::MlpImpl(std::int64_t features, std::int64_t hidden_features, double drop) : drop_(drop) {
  fc1_ = register_module("fc1", torch::nn::Linear(features, hidden_features));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden_features, features));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  auto h = F::dropout(torch::gelu(linear(fc1_, x)), F::DropoutFuncOptions().p(drop_).training(is_training()));
  return F::dropout(linear(fc2_, h), F::DropoutFuncOptions().p(drop_).training(is_training()));
}

}  // namespace fixres::models
