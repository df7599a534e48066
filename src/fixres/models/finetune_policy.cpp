#include "fixres/models/finetune_policy.h"

#include <stdexcept>

namespace fixres::models {

bool is_under(const std::string& name, const std::string& prefix) {
  if (name == prefix) return true;
  return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 && name[prefix.size()] == '.';
}

namespace {

bool names_parameters(torch::nn::Module& model, const std::string& prefix) {
  for (const auto& param : model.named_parameters(/*recurse=*/true)) {
    if (is_under(param.key(), prefix)) return true;
  }
  return false;
}

}  // namespace

std::shared_ptr<torch::nn::Module> find_module(torch::nn::Module& model, const std::string& path) {
  const auto modules = model.named_modules("", /*include_self=*/false);
  if (const auto* found = modules.find(path)) return *found;
  TORCH_CHECK(false, "fine-tuning policy: the model has no module '", path, "' (top-level prefixes: ",
              top_level_prefixes(model), ")");
}

std::string top_level_prefixes(torch::nn::Module& model) {
  std::string names;
  for (const auto& param : model.named_parameters(/*recurse=*/false)) names += (names.empty() ? "" : ", ") + param.key();
  for (const auto& child : model.named_children()) names += (names.empty() ? "" : ", ") + child.key();
  return names;
}

FinetunePolicy policy_from_layers(torch::nn::Module& model, const std::vector<std::string>& layers) {
  FinetunePolicy policy;
  const bool all = layers.size() == 1 && layers[0] == "all";
  std::vector<std::string> prefixes = layers;
  if (all) {
    prefixes.clear();
    for (const auto& param : model.named_parameters(/*recurse=*/false)) prefixes.push_back(param.key());
    for (const auto& child : model.named_children()) {
      if (!child.value()->parameters(/*recurse=*/true).empty()) prefixes.push_back(child.key());  // not ReLU, pools
    }
  }
  const auto modules = model.named_modules("", /*include_self=*/false);
  for (const auto& prefix : prefixes) {
    if (prefix.empty() || !names_parameters(model, prefix)) {
      throw std::invalid_argument("--train-layers: '" + prefix + "' names no tensor of the model (state-dict " +
                                  "prefixes, or all; top-level prefixes: " + top_level_prefixes(model) + ")");
    }
    policy.trainable.push_back(prefix);
    if (modules.find(prefix) != nullptr) policy.train_mode.push_back(prefix);
  }
  return policy;
}

std::vector<std::string> trainable_tensors(torch::nn::Module& model) {
  std::vector<std::string> names;
  for (const auto& param : model.named_parameters(/*recurse=*/true)) {
    if (param.value().requires_grad()) names.push_back(param.key());
  }
  return names;
}

void apply_finetune_train_mode(torch::nn::Module& model, const FinetunePolicy& policy) {
  model.eval();
  for (const auto& path : policy.train_mode) find_module(model, path)->train(true);
}

void apply_finetune_mode(torch::nn::Module& model, const FinetunePolicy& policy) {
  for (const auto& path : policy.trainable) {  // validate first
    TORCH_CHECK(names_parameters(model, path), "fine-tuning policy: '", path,
                "' names no parameter of the model (top-level prefixes: ", top_level_prefixes(model), ")");
  }
  for (auto& param : model.named_parameters(/*recurse=*/true)) {
    bool trainable = false;
    for (const auto& path : policy.trainable) trainable = trainable || is_under(param.key(), path);
    param.value().set_requires_grad(trainable);
  }
  apply_finetune_train_mode(model, policy);
}

}  // namespace fixres::models
