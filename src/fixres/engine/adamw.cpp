#include "fixres/engine/adamw.h"

#include <cmath>

#include "fixres/models/state_dict_loading.h"

namespace fixres::engine {

AdamW::AdamW(std::vector<AdamWGroupSpec> groups, AdamWOptions options)
    : groups_(std::move(groups)), options_(options) {
  TORCH_CHECK(options_.lr() >= 0.0, "AdamW: learning rate must be >= 0, got ", options_.lr());
  for (const auto& group : groups_) {
    TORCH_CHECK(group.weight_decay >= 0.0, "AdamW: weight decay must be >= 0, got ", group.weight_decay);
    for (const auto& param : group.parameters) {
      slots_.push_back({param, group.weight_decay, {}, {}, {}});
      parameters_.push_back(param);
    }
  }
}

void AdamW::step() {
  torch::NoGradGuard no_grad;
  const double lr = options_.lr(), beta1 = options_.beta1(), beta2 = options_.beta2();
  for (Slot& s : slots_) {
    const torch::Tensor& grad = s.param.grad();
    if (!grad.defined()) continue;
    if (!s.step.defined()) {
      s.step = torch::zeros({}, torch::kFloat);
      s.exp_avg = torch::zeros_like(s.param, torch::MemoryFormat::Preserve);
      s.exp_avg_sq = torch::zeros_like(s.param, torch::MemoryFormat::Preserve);
    }
    s.step.add_(1);
    s.param.mul_(1.0 - lr * s.weight_decay);
    s.exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
    s.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
    const double step = s.step.item<float>();
    const double bias_correction1 = 1.0 - std::pow(beta1, step);
    const double bias_correction2 = 1.0 - std::pow(beta2, step);
    const double step_size = lr / bias_correction1;
    const auto denom = (s.exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options_.eps());
    s.param.addcdiv_(s.exp_avg, denom, -step_size);
  }
}

void AdamW::zero_grad() { zero_gradients(parameters_); }

void AdamW::save(io::TrainingCheckpoint& checkpoint, double initial_lr) const {
  io::AdamWState state;
  std::int64_t index = 0;
  for (const auto& group : groups_) {
    io::AdamWGroup g;
    g.lr = options_.lr();
    g.beta1 = options_.beta1();
    g.beta2 = options_.beta2();
    g.eps = options_.eps();
    g.weight_decay = group.weight_decay;
    g.initial_lr = initial_lr;
    for (std::size_t i = 0; i < group.parameters.size(); ++i) g.params.push_back(index++);
    state.groups.push_back(std::move(g));
  }
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if (!s.step.defined()) continue;
    state.slots.push_back({static_cast<std::int64_t>(i), models::from_torch(s.step), models::from_torch(s.exp_avg.cpu()),
                           models::from_torch(s.exp_avg_sq.cpu())});
  }
  checkpoint.adamw = std::move(state);
}

void AdamW::load(const io::TrainingCheckpoint& checkpoint, const std::string& source) {
  TORCH_CHECK(checkpoint.adamw, source, ": its 'optimizer' is SGD's; resume with --optimizer sgd");
  const io::AdamWState& state = *checkpoint.adamw;
  TORCH_CHECK(state.groups.size() == groups_.size(), source, ": 'optimizer' has ", state.groups.size(),
              " param groups, this run ", groups_.size(), " (another --no-decay-norm-bias?)");
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    TORCH_CHECK(state.groups[g].params.size() == groups_[g].parameters.size(), source, ": param group ", g, " holds ",
                state.groups[g].params.size(), " parameters, this run's ", groups_[g].parameters.size());
  }
  for (const auto& slot : state.slots) {
    TORCH_CHECK(slot.index >= 0 && static_cast<std::size_t>(slot.index) < slots_.size(), source,
                ": AdamW state of parameter ", slot.index, " but the model has ", slots_.size());
    Slot& s = slots_[static_cast<std::size_t>(slot.index)];
    const auto exp_avg = models::to_torch(slot.exp_avg), exp_avg_sq = models::to_torch(slot.exp_avg_sq);
    TORCH_CHECK(exp_avg.sizes() == s.param.sizes() && exp_avg_sq.sizes() == s.param.sizes(), source,
                ": AdamW state of parameter ", slot.index, " has shape ", exp_avg.sizes(), ", the parameter ",
                s.param.sizes());
    s.step = models::to_torch(slot.step).to(torch::kFloat).reshape({});
    s.exp_avg = exp_avg.to(s.param.device(), s.param.scalar_type()).contiguous();
    s.exp_avg_sq = exp_avg_sq.to(s.param.device(), s.param.scalar_type()).contiguous();
  }
  if (!state.groups.empty()) options_.lr(state.groups.front().lr);
}

std::vector<AdamWGroupSpec> weight_decay_groups(torch::nn::Module& model, double weight_decay, bool no_decay_norm_bias) {
  AdamWGroupSpec decay{{}, weight_decay}, no_decay{{}, 0.0};
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    // timm also exempts what a ViT's no_weight_decay() names: the position embedding, the class token.
    const bool embedding = name == "pos_embed" || name == "cls_token";
    const bool skip = no_decay_norm_bias && (item.value().dim() <= 1 || is_bias || embedding);
    (skip ? no_decay : decay).parameters.push_back(item.value());
  }
  std::vector<AdamWGroupSpec> groups{decay};
  if (no_decay_norm_bias) groups.push_back(no_decay);
  return groups;
}

}  // namespace fixres::engine
