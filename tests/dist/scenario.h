#pragma once
// The small training run shared by the dist tests and the rank program they start
// (tests/dist/worker/dist_worker.cpp): conv + BatchNorm2d + ReLU + pool + linear, SGD with
// momentum and weight decay, a fixed global batch per step of which each rank takes its slice.

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fixres/dist/context.h"
#include "fixres/dist/gradient_reducer.h"
#include "fixres/dist/sync_batch_norm.h"

namespace fixres::testing {

/// A model's own batch-norm module whose forward can be redirected in place (how a model can offer
/// --sync-bn without module swaps): BatchNorm2d's parameter and buffer names.
class DelegatingBatchNorm2dImpl : public torch::nn::Module {
 public:
  explicit DelegatingBatchNorm2dImpl(const torch::nn::BatchNormOptions& o) : options(o) {
    weight = register_parameter("weight", torch::ones({o.num_features()}));
    bias = register_parameter("bias", torch::zeros({o.num_features()}));
    running_mean = register_buffer("running_mean", torch::zeros({o.num_features()}));
    running_var = register_buffer("running_var", torch::ones({o.num_features()}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    if (delegate) return delegate(x);
    return dist::sync_batch_norm(options, is_training(), weight, bias, running_mean, running_var,
                                 num_batches_tracked, x, nullptr);  // no context: plain BatchNorm2d
  }
  torch::nn::BatchNormOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
  std::function<torch::Tensor(const torch::Tensor&)> delegate;
};
TORCH_MODULE(DelegatingBatchNorm2d);

/// conv → bn → relu → conv2 → bn2 → relu → pool → fc. `bn` is called through the module registry
/// (so convert_sync_batchnorm's swap takes effect), `bn2` through its member holder (so --sync-bn
/// sets its delegate to dist::sync_batch_norm): both ways the engines may meet.
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    conv = register_module(
        "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1).bias(false)));
    register_module("bn", torch::nn::BatchNorm2d(4));
    conv2 =
        register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 5, 3).bias(false)));
    bn2 =
        register_module("bn2", DelegatingBatchNorm2d(torch::nn::BatchNormOptions(5).momentum(0.2)));
    fc = register_module("fc", torch::nn::Linear(5, 3));
  }
  torch::Tensor norm(const torch::Tensor& x) {
    auto child = named_children()["bn"];
    if (auto* sync = child->as<dist::SyncBatchNorm>()) return sync->forward(x);
    return child->as<torch::nn::BatchNorm2d>()->forward(x);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(norm(conv->forward(x)));
    y = torch::relu(bn2->forward(conv2->forward(y)));
    return fc->forward(y.mean({2, 3}));
  }
  /// --sync-bn for both batch norms.
  void use_sync_batchnorm(const std::shared_ptr<dist::Context>& context) {
    dist::convert_sync_batchnorm(*this, context);
    auto* impl = bn2.get();
    bn2->delegate = [impl, context](const torch::Tensor& x) {
      return dist::sync_batch_norm(impl->options, impl->is_training(), impl->weight, impl->bias,
                                   impl->running_mean, impl->running_var, impl->num_batches_tracked,
                                   x, context);
    };
  }
  torch::nn::Conv2d conv{nullptr}, conv2{nullptr};
  DelegatingBatchNorm2d bn2{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(TinyNet);

inline constexpr int kScenarioSteps = 4;

/// Step `step`'s global batch (images (n, 3, 6, 6), labels (n)), the same on every rank.
inline std::pair<torch::Tensor, torch::Tensor> global_batch(int step, std::int64_t n) {
  auto generator = at::detail::createCPUGenerator(1000 + static_cast<std::uint64_t>(step));
  auto images = torch::randn({n, 3, 6, 6}, generator) * 2.0 + 0.5;
  auto labels = torch::randint(0, 3, {n}, generator, torch::kInt64);
  return {images, labels};
}

/// Parameters then buffers, in registration order (compared between runs).
inline std::vector<torch::Tensor> model_state(torch::nn::Module& model) {
  std::vector<torch::Tensor> state;
  for (const auto& p : model.parameters()) state.push_back(p.detach().clone());
  for (const auto& b : model.buffers()) state.push_back(b.detach().clone());
  return state;
}

/// Trains a fresh TinyNet (seeded init) for kScenarioSteps steps on rows
/// [rank·per_rank, (rank+1)·per_rank) of each global batch of world·per_rank images.
/// `after_step(model)` runs after each optimiser step (may be empty).
inline TinyNet train_scenario(const std::shared_ptr<dist::Context>& context, std::int64_t per_rank,
                              bool sync_bn, const std::function<void(TinyNet&)>& after_step = {}) {
  torch::manual_seed(42 + context->rank());  // different on each rank: broadcast_module must fix it
  TinyNet model;
  model->train();
  if (sync_bn) model->use_sync_batchnorm(context);
  context->broadcast_module(*model);
  std::vector<torch::Tensor> parameters = model->parameters();
  dist::GradientReducer reducer(context, parameters);
  torch::optim::SGD optimizer(parameters,
                              torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  const std::int64_t world = context->world_size();
  for (int step = 0; step < kScenarioSteps; ++step) {
    auto [images, labels] = global_batch(step, world * per_rank);
    images = images.narrow(0, context->rank() * per_rank, per_rank);
    labels = labels.narrow(0, context->rank() * per_rank, per_rank);
    if (!sync_bn) context->broadcast_buffers(*model);
    optimizer.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(images), labels);
    loss.backward();
    reducer.reduce();
    optimizer.step();
    if (sync_bn && step == 0) dist::check_sync_batchnorm_used(*model);
    if (after_step) after_step(model);
  }
  return model;
}

/// The row extract would compute for dataset index i (deterministic, 5 values).
inline torch::Tensor row_for_index(std::int64_t i) {
  return torch::arange(5, torch::kFloat32) * 0.25f + static_cast<float>(i) * 10.0f;
}

/// DistributedSampler's shard without shuffling: indices rank, rank+world, … of the dataset
/// padded (by repeating from the start) to a multiple of world.
inline std::vector<std::int64_t> shard_indices(std::int64_t total, int rank, int world) {
  const std::int64_t padded = (total + world - 1) / world * world;
  std::vector<std::int64_t> indices;
  for (std::int64_t i = rank; i < padded; i += world) indices.push_back(i % total);
  return indices;
}

}  // namespace fixres::testing
