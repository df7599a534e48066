#pragma once
/// --model-ema DECAY: an exponential moving average of the weights, as timm's ModelEmaV2 — after
/// every optimiser step, every state-dict entry (parameters and buffers, batch-norm statistics
/// and counters included) becomes decay·ema + (1 − decay)·model, in the tensor's own arithmetic
/// (an integer counter takes the float result truncated, as `ema_v.copy_(…)` does in PyTorch).
/// Saved beside the model as the checkpoint's `model_ema`; `evaluate`/`extract --use-ema` read it.

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "fixres/io/raw_tensor.h"

namespace fixres::engine {

class ModelEma {
 public:
  /// Starts as a copy of `model`'s state dict (timm: a deepcopy of the model at creation).
  ModelEma(torch::nn::Module& model, double decay);

  /// One update from the model's current values.
  void update();
  double decay() const { return decay_; }

  /// The average, in state-dict order, as CPU copies (the checkpoint's `model_ema`).
  io::StateDict state_dict() const;
  /// Replaces the average by `weights` (a resumed run's `model_ema`); throws naming `source`
  /// and the first name or shape that does not match the model.
  void load(const io::StateDict& weights, const std::string& source);

  /// For the life of the guard the model holds the average (to evaluate it), then its own values
  /// again, bit for bit.
  class Swap {
   public:
    explicit Swap(ModelEma& ema);
    ~Swap();
    Swap(const Swap&) = delete;
    Swap& operator=(const Swap&) = delete;

   private:
    ModelEma& ema_;
    std::vector<torch::Tensor> saved_;
  };

 private:
  struct Entry {
    std::string name;
    torch::Tensor live;     ///< the model's tensor
    torch::Tensor average;  ///< ours, same device and dtype
  };
  std::vector<Entry> entries_;  ///< state-dict order
  double decay_;
};

}  // namespace fixres::engine
