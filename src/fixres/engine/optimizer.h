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

/// What the training loop needs of an optimiser (Sgd, AdamW).
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// One update of every parameter that has a gradient.
  virtual void step() = 0;
  /// Gradients := zero (PyTorch 1.13's zero_grad(set_to_none=False)).
  virtual void zero_grad() = 0;
  virtual double lr() const = 0;
  /// Every param group's learning rate (the schedule's value of the step).
  virtual void set_lr(double lr) = 0;
  /// Its state_dict into the checkpoint's 'optimizer'; `initial_lr` from the LR scheduler.
  virtual void save(io::TrainingCheckpoint& checkpoint, double initial_lr) const = 0;
  /// Restores it from a checkpoint this optimiser wrote; throws naming `source` otherwise.
  virtual void load(const io::TrainingCheckpoint& checkpoint, const std::string& source) = 0;
};

class Sgd : public Optimizer {
 public:
  /// `parameters`: all of the model's parameters, in module.parameters() order (their indices
  /// are the optimiser state's keys).
  Sgd(std::vector<torch::Tensor> parameters, SgdOptions options);

  void step() override;
  void zero_grad() override;

  double lr() const override { return options_.lr(); }
  void set_lr(double lr) override { options_.lr(lr); }
  void save(io::TrainingCheckpoint& checkpoint, double initial_lr) const override;
  void load(const io::TrainingCheckpoint& checkpoint, const std::string& source) override;
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

/// Zeroes the gradients of `parameters` in place (those that have one).
void zero_gradients(const std::vector<torch::Tensor>& parameters);

}  // namespace fixres::engine
