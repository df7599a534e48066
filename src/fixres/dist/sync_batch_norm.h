#pragma once
/// Batch normalisation over the global batch of all ranks: PyTorch's torch.nn.SyncBatchNorm.
///
/// In training mode (with a process group) the forward all-reduces, per channel, the sum, the sum
/// of squares and the element count (one collective, float64) to normalise with the global mean
/// and biased variance, and updates running_mean / running_var with the global mean and the
/// *unbiased* global variance, exactly as SyncBatchNorm does. The backward all-reduces sum(dy) and
/// sum(dy·(x−mean)) (one collective) for the input gradient; weight and bias gradients stay local
/// and are averaged by the GradientReducer like any parameter. Result: N ranks × batch B train the
/// same weights as one process with batch N·B.
/// In eval mode, or in a single-process context, it is exactly torch::nn::BatchNorm2d.
///
/// Parameters and buffers carry BatchNorm2d's names (weight, bias, running_mean, running_var,
/// num_batches_tracked), so state dicts and checkpoints are unchanged.
///
/// use_sync_batch_norm() below does both of the following for a whole model.
/// Two ways to use it (LibTorch's forward() is not virtual, so a parent that calls
/// `bn1_->forward(x)` on its own BatchNorm2d member can only be redirected with its cooperation):
///  1. In place, no module swapped: the zoo's own layer, fixres::models::BatchNorm2d (same
///     parameter and buffer names as BatchNorm2d), forwards to a delegate set to
///     `[ctx](bn, x) { return dist::sync_batch_norm(bn.options, bn.is_training(), bn.weight, …,
///     x, ctx); }`.
///  2. Module swap: `convert_sync_batchnorm(*model, context)` replaces every BatchNorm2d child
///     registered in the module tree by a SyncBatchNorm that *shares* its tensors (optimiser and
///     loaded weights stay valid). Parents must then call the child through the registry or
///     re-fetch it (LibTorch's `bn1_ = replace_module(...)` idiom); after the first training
///     forward `check_sync_batchnorm_used(*model)` throws if a converted module was bypassed, so
///     --sync-bn never silently does nothing.

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fixres/dist/context.h"

namespace fixres::dist {

class SyncBatchNormImpl : public torch::nn::Cloneable<SyncBatchNormImpl> {
 public:
  /// Fresh parameters and buffers as BatchNorm2d(options) creates them.
  SyncBatchNormImpl(const torch::nn::BatchNormOptions& options, std::shared_ptr<Context> context);
  /// Takes over `source`'s parameters and buffers (the same tensors, not copies), options and
  /// train/eval mode.
  SyncBatchNormImpl(const torch::nn::BatchNorm2dImpl& source, std::shared_ptr<Context> context);

  void reset() override;
  /// input: (N, C, ...) with C = num_features; output of the same shape and dtype.
  torch::Tensor forward(const torch::Tensor& input);
  void pretty_print(std::ostream& stream) const override;

  /// Forward calls in training mode since construction (see check_sync_batchnorm_used).
  std::int64_t training_calls() const { return training_calls_; }

  torch::nn::BatchNormOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  std::shared_ptr<Context> context_;
  std::int64_t training_calls_ = 0;
};
TORCH_MODULE(SyncBatchNorm);

/// A batch-norm layer's forward with global statistics, on that layer's own tensors (BatchNorm2d's
/// fields; any may be undefined as in BatchNorm2d without affine / running stats): exactly
/// torch::nn::BatchNorm2d's forward in eval mode, or when `context` is null or single-process;
/// in training mode with a process group, SyncBatchNorm's computation (running statistics and
/// num_batches_tracked updated in place as BatchNorm does). Every rank must call it for the same
/// layers in the same order (it runs collectives).
torch::Tensor sync_batch_norm(const torch::nn::BatchNormOptions& options, bool training,
                              const torch::Tensor& weight, const torch::Tensor& bias,
                              const torch::Tensor& running_mean, const torch::Tensor& running_var,
                              const torch::Tensor& num_batches_tracked, const torch::Tensor& input,
                              const std::shared_ptr<Context>& context);
/// The same on a torch::nn::BatchNorm2d's tensors and mode.
torch::Tensor sync_batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& input,
                              const std::shared_ptr<Context>& context);

/// Replaces every torch::nn::BatchNorm2d registered under `root` (recursively; exactly that type,
/// not subclasses) by a SyncBatchNorm sharing its tensors and mode. Returns the dotted names
/// replaced ("layer4.2.bn3"), in tree order.
std::vector<std::string> convert_sync_batchnorm(torch::nn::Module& root,
                                                std::shared_ptr<Context> context);

/// --sync-bn on a model: every fixres::models::BatchNorm2d under `root` (the zoo's layer) gets
/// sync_batch_norm as its forward delegate, in place; any plain torch::nn::BatchNorm2d is swapped
/// by convert_sync_batchnorm. Returns the dotted names of all the layers now synchronised.
std::vector<std::string> use_sync_batch_norm(torch::nn::Module& root,
                                             const std::shared_ptr<Context>& context);

/// Throws (naming the modules) if a SyncBatchNorm under `root` that is in training mode has not
/// run a training forward: its parent still calls the BatchNorm2d it replaced.
void check_sync_batchnorm_used(torch::nn::Module& root);

}  // namespace fixres::dist
