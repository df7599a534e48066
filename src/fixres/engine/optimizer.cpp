#include "fixres/engine/optimizer.h"

#include "fixres/models/state_dict_loading.h"

namespace fixres::engine {

Sgd::Sgd(std::vector<torch::Tensor> parameters, SgdOptions options)
    : parameters_(std::move(parameters)), buffers_(parameters_.size()), options_(options) {
  TORCH_CHECK(options_.lr() >= 0.0, "SGD: learning rate must be >= 0, got ", options_.lr());
  TORCH_CHECK(options_.momentum() >= 0.0, "SGD: momentum must be >= 0, got ", options_.momentum());
  TORCH_CHECK(options_.weight_decay() >= 0.0, "SGD: weight decay must be >= 0, got ", options_.weight_decay());
}

void Sgd::step() {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor& param = parameters_[i];
    const torch::Tensor& grad = param.grad();
    if (!grad.defined()) continue;
    torch::Tensor d = grad;
    if (options_.weight_decay() != 0.0) d = d.add(param, options_.weight_decay());
    if (options_.momentum() != 0.0) {
      torch::Tensor& buf = buffers_[i];
      if (!buf.defined()) {
        buf = d.clone().detach();
      } else {
        buf.mul_(options_.momentum()).add_(d, 1.0 - options_.dampening());
      }
      d = options_.nesterov() ? d.add(buf, options_.momentum()) : buf;
    }
    param.add_(d, -options_.lr());
  }
}

void zero_gradients(const std::vector<torch::Tensor>& parameters) {
  for (const auto& param : parameters) {
    torch::Tensor grad = param.mutable_grad();
    if (!grad.defined()) continue;
    grad.detach_();
    grad.zero_();
  }
}

void Sgd::zero_grad() { zero_gradients(parameters_); }

void Sgd::save(io::TrainingCheckpoint& checkpoint, double initial_lr) const { checkpoint.optimizer = state(initial_lr); }

void Sgd::load(const io::TrainingCheckpoint& checkpoint, const std::string& source) {
  TORCH_CHECK(!checkpoint.adamw, source, ": its 'optimizer' is AdamW's; resume with --optimizer adamw");
  load_state(checkpoint.optimizer, source);
}

io::SgdState Sgd::state(double initial_lr) const {
  io::SgdState state;
  io::SgdParamGroup group;
  group.hyper = options_;
  group.initial_lr = initial_lr;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    group.params.push_back(static_cast<std::int64_t>(i));
    if (buffers_[i].defined()) {
      state.momentum_buffers.emplace_back(static_cast<std::int64_t>(i), models::from_torch(buffers_[i].cpu()));
    }
  }
  state.param_groups.push_back(std::move(group));
  return state;
}

void Sgd::load_state(const io::SgdState& state, const std::string& source) {
  TORCH_CHECK(state.param_groups.size() == 1, source, ": 'optimizer' must hold one param group (the seed's SGD), got ",
              state.param_groups.size());
  const io::SgdParamGroup& group = state.param_groups.front();
  TORCH_CHECK(group.params.size() == parameters_.size(), source, ": 'optimizer' holds ", group.params.size(),
              " parameters, this model has ", parameters_.size(), " (a checkpoint of another architecture?)");
  std::vector<torch::Tensor> buffers(parameters_.size());
  for (const auto& [index, raw] : state.momentum_buffers) {
    TORCH_CHECK(index >= 0 && static_cast<std::size_t>(index) < parameters_.size(), source,
                ": momentum buffer of parameter ", index, " but the model has ", parameters_.size(), " parameters");
    const torch::Tensor& param = parameters_[static_cast<std::size_t>(index)];
    torch::Tensor buf = models::to_torch(raw);
    TORCH_CHECK(buf.sizes() == param.sizes(), source, ": momentum buffer of parameter ", index, " has shape ",
                buf.sizes(), ", the parameter has ", param.sizes());
    buffers[static_cast<std::size_t>(index)] = buf.to(param.device(), param.scalar_type()).contiguous();
  }
  buffers_ = std::move(buffers);
  options_ = group.hyper;
}

}  // namespace fixres::engine
