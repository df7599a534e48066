#pragma once
/// FixRes's fine-tuning recipe per architecture (imnet_finetune/train.py) as data: which
/// top-level children receive gradients and which modules run in train mode while everything
/// else is frozen in eval mode (so only their batch-norm statistics adapt to the new resolution).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "fixres/core/architecture_table.h"

namespace fixres::models {

// FinetunePolicy (the data): fixres/core/architecture_table.h.

/// Applies `policy` to `model`: requires_grad on exactly the parameters under `trainable`,
/// model.eval() then train() on each `train_mode` module. Throws naming a path that does not
/// exist (and the model's top-level children).
void apply_finetune_mode(torch::nn::Module& model, const FinetunePolicy& policy);

/// As apply_finetune_mode but only the modes (eval + train_mode modules), for evaluation passes
/// inside a fine-tuning run that must leave requires_grad alone.
void apply_finetune_train_mode(torch::nn::Module& model, const FinetunePolicy& policy);

/// The policy of `--train-layers A,B,…` (state-dict prefixes, or the single word `all`): those
/// parameters train, and the prefixes that are modules run in train mode. Throws
/// std::invalid_argument naming a prefix that matches no parameter and listing the model's
/// top-level prefixes.
FinetunePolicy policy_from_layers(torch::nn::Module& model, const std::vector<std::string>& layers);

/// Whether dotted path `name` is `prefix` or lies under it ("layer4.2.bn3" is under "layer4").
bool is_under(const std::string& name, const std::string& prefix);

/// State-dict names of the parameters that require gradients, in state-dict order.
std::vector<std::string> trainable_tensors(torch::nn::Module& model);

/// The model's own parameters and top-level children, comma-separated (for error messages).
std::string top_level_prefixes(torch::nn::Module& model);

/// The named module at a dotted path ("layer4.2.bn3"); throws if absent.
std::shared_ptr<torch::nn::Module> find_module(torch::nn::Module& model, const std::string& path);

}  // namespace fixres::models
