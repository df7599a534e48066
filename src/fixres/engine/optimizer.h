#pragma once
/// Stochastic gradient descent with momentum and weight decay, step for step as PyTorch 1.13's
/// torch.optim.SGD (single-tensor path, the default on CPU and CUDA in 1.13):
///   d = grad + weight_decay * param
///   buf = d (first step)  |  buf = momentum * buf + (1 - dampening) * d
///   d = buf (or d + momentum * buf with nesterov)
///   param -= lr * d
/// The optimiser holds *every* parameter of the model, in module.parameters() order, as the seed
/// does (`optim.SGD(model.parameters(), …)`); parameters without a gradient are skipped and get
/// no momentum buffer, so its state_dict indexes buffers exactly as PyTorch's does.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/io/training_checkpoint.h"

namespace fixres::engine {

/// lr, momentum, dampening, weight_decay, nesterov (named setters: SgdOptions().lr(0.1).momentum(0.9)),
/// the very type the checkpoint's param group holds.
using SgdOptions = io::SgdHyperParameters;

class Sgd {
 public:
  /// `parameters`: all of the model's parameters, in module.parameters() order (their indices
  /// are the optimiser state's keys).
  Sgd(std::vector<torch::Tensor> parameters, SgdOptions options);

  /// One update of every parameter that has a gradient.
  void step();
  /// Gradients := zero (optimizer.zero_grad() of PyTorch 1.13: set_to_none=False).
  void zero_grad();

  double lr() const { return options_.lr(); }
  void set_lr(double lr) { options_.lr(lr); }
  const SgdOptions& options() const { return options_; }
  const std::vector<torch::Tensor>& parameters() const { return parameters_; }
  /// Momentum buffer of parameter `index`; undefined before its first update.
  const torch::Tensor& momentum_buffer(std::size_t index) const { return buffers_.at(index); }

  /// PyTorch's optimizer.state_dict(): one param group holding every index, `initial_lr` from the
  /// LR scheduler, the momentum buffers (CPU copies) of the parameters updated so far.
  io::SgdState state(double initial_lr) const;
  /// optimizer.load_state_dict(): the learning rate and momentum buffers. Throws naming `source`
  /// when the group does not hold exactly this model's parameter count, or a buffer's shape
  /// differs from its parameter's.
  void load_state(const io::SgdState& state, const std::string& source);

 private:
  std::vector<torch::Tensor> parameters_;
  std::vector<torch::Tensor> buffers_;
  SgdOptions options_;
};

}  // namespace fixres::engine
