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
#include "fixres/models/batch_norm.h"
#include "fixres/models/registry.h"

namespace fixres::testing {

/// conv → bn → relu → conv2 → bn2 → relu → pool → fc. `bn` is called through the module registry
/// (so convert_sync_batchnorm's swap takes effect), `bn2` — the zoo's models::BatchNorm2d —
/// through its member holder (so --sync-bn sets its delegate in place): both ways a model may use.
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    conv = register_module(
        "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1).bias(false)));
    register_module("bn", torch::nn::BatchNorm2d(4));
    conv2 =
        register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 5, 3).bias(false)));
    bn2 =
        register_module("bn2", models::BatchNorm2d(torch::nn::BatchNormOptions(5).momentum(0.2)));
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
  torch::nn::Conv2d conv{nullptr}, conv2{nullptr};
  models::BatchNorm2d bn2{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(TinyNet);

inline constexpr int kScenarioSteps = 4;

/// Step `step`'s global batch (images (n, 3, side, side), labels (n)), the same on every rank.
inline std::pair<torch::Tensor, torch::Tensor> global_batch(int step, std::int64_t n, std::int64_t side = 6) {
  auto generator = at::detail::createCPUGenerator(1000 + static_cast<std::uint64_t>(step));
  auto images = torch::randn({n, 3, side, side}, generator) * 2.0 + 0.5;
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

/// The network a scenario trains: TinyNet (architecture "") on 6×6 images, or a zoo model with
/// 3 classes (its batch norms are models::BatchNorm2d, as in every fixres command) on 64×64.
struct ScenarioNet {
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  std::int64_t side = 6;
};

inline ScenarioNet make_scenario_net(const std::string& architecture) {
  if (architecture.empty()) {
    TinyNet net;
    return {net.ptr(), [net](const torch::Tensor& x) mutable { return net->forward(x); }, 6};
  }
  models::ModelOptions options;
  options.num_classes = 3;
  auto net = models::create_model(architecture, options);
  return {net, [net](const torch::Tensor& x) { return net->forward(x); }, 64};
}

/// Trains a fresh network (seeded init) for kScenarioSteps steps on rows
/// [rank·per_rank, (rank+1)·per_rank) of each global batch of world·per_rank images, in `dtype`.
/// `after_step(model)` runs after each optimiser step (may be empty).
/// (A deep network trained from scratch at LR 0.1 amplifies float32 rounding step after step —
/// summation order alone moves its weights by ~1e-3 after 4 steps, with or without ranks — so the
/// zoo comparison runs in float64, where N ranks × B and 1 × N·B must agree to ~1e-10.)
inline std::shared_ptr<torch::nn::Module> train_scenario(
    const std::shared_ptr<dist::Context>& context, std::int64_t per_rank, bool sync_bn,
    const std::function<void(torch::nn::Module&)>& after_step = {}, const std::string& architecture = "",
    torch::Dtype dtype = torch::kFloat32) {
  torch::manual_seed(42 + context->rank());  // different on each rank: broadcast_module must fix it
  ScenarioNet net = make_scenario_net(architecture);
  auto& model = *net.module;
  model.to(dtype);
  model.train();
  if (sync_bn) dist::use_sync_batch_norm(model, context);
  context->broadcast_module(model);
  std::vector<torch::Tensor> parameters = model.parameters();
  dist::GradientReducer reducer(context, parameters);
  torch::optim::SGD optimizer(parameters,
                              torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  const std::int64_t world = context->world_size();
  for (int step = 0; step < kScenarioSteps; ++step) {
    auto [images, labels] = global_batch(step, world * per_rank, net.side);
    images = images.narrow(0, context->rank() * per_rank, per_rank).to(dtype);
    labels = labels.narrow(0, context->rank() * per_rank, per_rank);
    if (!sync_bn) context->broadcast_buffers(model);
    optimizer.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net.forward(images), labels);
    loss.backward();
    reducer.reduce();
    optimizer.step();
    if (sync_bn && step == 0) dist::check_sync_batchnorm_used(model);
    if (after_step) after_step(model);
  }
  return net.module;
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
