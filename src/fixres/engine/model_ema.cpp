#include "fixres/engine/model_ema.h"

#include <stdexcept>

#include "fixres/models/state_dict_loading.h"

namespace fixres::engine {

ModelEma::ModelEma(torch::nn::Module& model, double decay) : decay_(decay) {
  if (!(decay > 0.0 && decay < 1.0)) {
    throw std::invalid_argument("--model-ema: the decay must be in (0, 1), e.g. 0.9998; got " + std::to_string(decay));
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, tensor] : models::state_dict_tensors(model)) {
    entries_.push_back({name, tensor, tensor.detach().clone()});
  }
}

void ModelEma::update() {
  torch::NoGradGuard no_grad;
  for (auto& e : entries_) e.average.copy_(e.average * decay_ + e.live.detach() * (1.0 - decay_));
}

io::StateDict ModelEma::state_dict() const {
  io::StateDict out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.emplace_back(e.name, models::from_torch(e.average));
  return out;
}

void ModelEma::load(const io::StateDict& weights, const std::string& source) {
  if (weights.size() != entries_.size()) {
    throw std::runtime_error(source + ": 'model_ema' has " + std::to_string(weights.size()) + " tensors, the model " +
                             std::to_string(entries_.size()));
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& [name, raw] = weights[i];
    const torch::Tensor value = models::to_torch(raw);
    if (name != entries_[i].name || value.sizes() != entries_[i].average.sizes()) {
      throw std::runtime_error(source + ": 'model_ema' entry " + std::to_string(i) + " is " + name +
                               ", the model's is " + entries_[i].name + " (shapes must match too)");
    }
    entries_[i].average.copy_(value);
  }
}

ModelEma::Swap::Swap(ModelEma& ema) : ema_(ema) {
  torch::NoGradGuard no_grad;
  for (auto& e : ema_.entries_) {
    saved_.push_back(e.live.detach().clone());
    e.live.detach().copy_(e.average);
  }
}

ModelEma::Swap::~Swap() {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < saved_.size(); ++i) ema_.entries_[i].live.detach().copy_(saved_[i]);
}

}  // namespace fixres::engine
