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
/// How to use (the engines): `convert_sync_batchnorm(*model, context)` replaces every
/// BatchNorm2d child registered in the module tree by a SyncBatchNorm that *shares* its tensors
/// (the optimiser and loaded weights stay valid). A LibTorch parent that calls its batch norm
/// through its own member holder (`bn1_->forward(x)`) keeps calling the old module; such a parent
/// must re-fetch the child after conversion (LibTorch's replace_module idiom:
/// `bn1_ = replace_module(...)`) or call it through the registry. After the first training forward,
/// `check_sync_batchnorm_used(*model)` throws if a converted module was bypassed, so --sync-bn never
/// silently does nothing.

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

/// Replaces every torch::nn::BatchNorm2d registered under `root` (recursively) by a SyncBatchNorm
/// sharing its tensors and mode. Returns the dotted names replaced ("layer4.2.bn3"), in tree order.
std::vector<std::string> convert_sync_batchnorm(torch::nn::Module& root, std::shared_ptr<Context> context);

/// Throws (naming the modules) if a SyncBatchNorm under `root` that is in training mode has not
/// run a training forward: its parent still calls the BatchNorm2d it replaced.
void check_sync_batchnorm_used(torch::nn::Module& root);

}  // namespace fixres::dist
