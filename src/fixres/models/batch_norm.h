#pragma once
/// The zoo's batch-norm layer: torch::nn::BatchNorm2d's options, parameter and buffer names
/// (weight, bias, running_mean, running_var, num_batches_tracked, in that order) and forward,
/// bit for bit, plus one hook: a forward delegate through which the engine redirects the layer in
/// place, without swapping modules (--sync-bn sets it to dist::sync_batch_norm). Blocks call their
/// own member holder, so a module swap could not reach them; the delegate always does.
///
/// (It cannot derive from torch::nn::BatchNorm2dImpl: LibTorch 1.13 does not export
/// BatchNormImplBase::pretty_print, which a subclass's vtable needs.)

#include <torch/torch.h>

#include <functional>
#include <ostream>

namespace fixres::models {

/// BatchNorm's running-statistics bookkeeping before a forward, as torch.nn.BatchNorm2d: in
/// training mode with running statistics, num_batches_tracked += 1. Returns the exponential
/// average factor: momentum, or 1/num_batches_tracked when momentum is None (cumulative average).
double batch_norm_update_factor(const torch::nn::BatchNormOptions& options, bool training,
                                const torch::Tensor& num_batches_tracked);

/// torch::nn::BatchNorm2d's forward on the given tensors and mode (any of weight, bias and the
/// running statistics may be undefined, as with affine=false / track_running_stats=false).
torch::Tensor batch_norm_forward(const torch::nn::BatchNormOptions& options, bool training,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 const torch::Tensor& running_mean, const torch::Tensor& running_var,
                                 const torch::Tensor& num_batches_tracked, const torch::Tensor& input);

/// Registers on `module` the tensors torch::nn::BatchNorm2d(options) creates, under its names and
/// in its order (weight 1, bias 0 when affine; running_mean 0, running_var 1, num_batches_tracked 0
/// when tracking), and points the given members at them. Shared by the batch-norm module types.
void register_fresh_batch_norm(torch::nn::Module& module, const torch::nn::BatchNormOptions& options,
                               torch::Tensor& weight, torch::Tensor& bias, torch::Tensor& running_mean,
                               torch::Tensor& running_var, torch::Tensor& num_batches_tracked);

class BatchNorm2dImpl : public torch::nn::Cloneable<BatchNorm2dImpl> {
 public:
  /// Replaces the layer's forward; it receives the layer itself (never a captured pointer, so a
  /// clone's delegate acts on the clone).
  using Delegate = std::function<torch::Tensor(BatchNorm2dImpl&, const torch::Tensor&)>;

  explicit BatchNorm2dImpl(const torch::nn::BatchNormOptions& options);
  /// Fresh tensors as BatchNorm2d creates them: weight 1, bias 0, mean 0, var 1, count 0.
  void reset() override;
  /// As BatchNorm2d: running mean 0, running var 1, count 0 (when tracked).
  void reset_running_stats();
  /// input: (N, C, H, W) with C = num_features.
  torch::Tensor forward(const torch::Tensor& input);
  /// Printed as torch::nn::BatchNorm2d prints itself (with "+delegate" when one is set).
  void pretty_print(std::ostream& stream) const override;

  void set_delegate(Delegate delegate) { delegate_ = std::move(delegate); }
  bool has_delegate() const { return static_cast<bool>(delegate_); }
  const Delegate& delegate() const { return delegate_; }

  torch::nn::BatchNormOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  Delegate delegate_;
};
TORCH_MODULE(BatchNorm2d);

}  // namespace fixres::models
