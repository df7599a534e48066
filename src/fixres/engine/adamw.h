#pragma once
/// torch.optim.AdamW of PyTorch 1.13 (single-tensor path, amsgrad off), step for step:
///   step += 1;  p *= 1 − lr·wd;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
///   p −= lr / (1 − β1^step) · m / (√v / √(1 − β2^step) + eps)
/// with param groups (the decaying weights, and the norms and biases at weight decay 0 with
/// --no-decay-norm-bias, as timm and DeiT group them). State indices run over the groups in
/// order, as PyTorch's state_dict numbers them.

#include <torch/torch.h>

#include <string>
#include <vector>

#include "fixres/core/arg.h"
#include "fixres/engine/optimizer.h"

namespace fixres::engine {

struct AdamWOptions {
  FIXRES_ARG(double, lr) = 1e-3;
  FIXRES_ARG(double, beta1) = 0.9;
  FIXRES_ARG(double, beta2) = 0.999;
  FIXRES_ARG(double, eps) = 1e-8;
};

/// One param group: its tensors and its weight decay.
struct AdamWGroupSpec {
  std::vector<torch::Tensor> parameters;
  double weight_decay = 0.0;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<AdamWGroupSpec> groups, AdamWOptions options);

  void step() override;
  void zero_grad() override;
  double lr() const override { return options_.lr(); }
  void set_lr(double lr) override { options_.lr(lr); }
  void save(io::TrainingCheckpoint& checkpoint, double initial_lr) const override;
  void load(const io::TrainingCheckpoint& checkpoint, const std::string& source) override;

 private:
  struct Slot {
    torch::Tensor param;
    double weight_decay = 0.0;
    torch::Tensor step;  ///< 0-dim float32; undefined before the first update
    torch::Tensor exp_avg, exp_avg_sq;
  };
  std::vector<AdamWGroupSpec> groups_;
  std::vector<Slot> slots_;  ///< every parameter, groups in order
  std::vector<torch::Tensor> parameters_;  ///< the slots' parameters, for zero_grad
  AdamWOptions options_;
};

/// The parameter groups of --optimizer adamw / --no-decay-norm-bias: every trainable-or-not
/// parameter of `model` in module.parameters() order, split into those that decay and (when
/// `no_decay_norm_bias`) the 1-D ones — norm weights and biases — and a ViT's pos_embed and
/// cls_token at weight decay 0 (timm's param_groups_weight_decay with model.no_weight_decay()).
std::vector<AdamWGroupSpec> weight_decay_groups(torch::nn::Module& model, double weight_decay, bool no_decay_norm_bias);

}  // namespace fixres::engine
