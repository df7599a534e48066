#include "fixres/models/finetune_policy.h"

namespace fixres::models {

namespace {

bool under(const std::string& name, const std::string& prefix) {
  return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 && name[prefix.size()] == '.';
}

}  // namespace

std::shared_ptr<torch::nn::Module> find_module(torch::nn::Module& model, const std::string& path) {
  const auto modules = model.named_modules("", /*include_self=*/false);
  if (const auto* found = modules.find(path)) return *found;
  std::string children;
  for (const auto& child : model.named_children()) children += (children.empty() ? "" : ", ") + child.key();
  TORCH_CHECK(false, "fine-tuning policy: the model has no module '", path, "' (top-level children: ", children,
              ")");
}

void apply_finetune_train_mode(torch::nn::Module& model, const FinetunePolicy& policy) {
  model.eval();
  for (const auto& path : policy.train_mode) find_module(model, path)->train(true);
}

void apply_finetune_mode(torch::nn::Module& model, const FinetunePolicy& policy) {
  for (const auto& path : policy.trainable) find_module(model, path);  // validate first
  for (auto& param : model.named_parameters(/*recurse=*/true)) {
    bool trainable = false;
    for (const auto& path : policy.trainable) trainable = trainable || under(param.key(), path);
    param.value().set_requires_grad(trainable);
  }
  apply_finetune_train_mode(model, policy);
}

}  // namespace fixres::models
