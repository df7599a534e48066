#include "fixres/core/finetune.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "fixres/engine/training_loop.h"
#include "fixres/models/finetune_policy.h"

namespace fixres::engine {
namespace {

data::PipelineKind finetune_pipeline(const std::string& transforms) {
  if (transforms == "v1") return data::PipelineKind::Test;
  if (transforms == "v2") return data::PipelineKind::ValTrain;
  throw std::invalid_argument("--transforms: expected v1 or v2, got '" + transforms + "'");
}

/// "training 5 tensors (28,000 parameters, 0.13% of 22,050,664) by ...: head.weight, …".
std::string describe_trainable(models::Classifier& model, const std::string& by) {
  const auto names = models::trainable_tensors(model);
  std::int64_t trained = 0, total = 0;
  for (const auto& param : model.named_parameters(/*recurse=*/true)) {
    total += param.value().numel();
    if (param.value().requires_grad()) trained += param.value().numel();
  }
  std::string list;
  const std::size_t shown = std::min<std::size_t>(names.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) list += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > shown) list += ", … " + std::to_string(names.size() - shown) + " more";
  char share[32];
  std::snprintf(share, sizeof share, "%.2f%%", total > 0 ? 100.0 * static_cast<double>(trained) / total : 0.0);
  return "training " + std::to_string(names.size()) + " tensors (" + std::to_string(trained) + " parameters, " +
         share + " of " + std::to_string(total) + ", by " + by + "): " + list;
}

}  // namespace

TrainingResult run_finetune(const FinetuneConfig& config, const Reporter& reporter) {
  const data::PipelineKind kind = finetune_pipeline(config.transforms);
  if (config.model.weight_path.empty()) {
    throw std::invalid_argument("fine-tuning needs the weights to start from: give --weight-path FILE");
  }
  const TrainingSession session = open_training_session(config.model, config.data, config.training, reporter);
  const dist::Context& context = *session.context;

  // The weights load with their own classifier; --num-classes then replaces it (transfer).
  ModelSetup setup = session.setup_model(config.training.seed, /*num_classes=*/0);
  if (config.model.num_classes > 0 && config.model.num_classes != setup.model->num_classes()) {
    const std::lock_guard<std::mutex> lock(torch_rng_mutex());
    setup.model->reset_classifier(config.model.num_classes);
    session.reporter.message("classifier re-initialised with " + std::to_string(config.model.num_classes) +
                             " outputs (seed " + std::to_string(config.training.seed) + ")");
  }
  session.check_classes(setup.model->num_classes());

  const models::FinetunePolicy policy = config.train_layers.empty()
                                            ? setup.spec->finetune
                                            : models::policy_from_layers(*setup.model, config.train_layers);
  models::apply_finetune_mode(*setup.model, policy);
  session.reporter.message(describe_trainable(*setup.model, config.train_layers.empty() ? setup.spec->name + "'s policy"
                                                                                         : "--train-layers"));

  TrainingPlan plan;
  plan.command = "finetune";
  plan.set_train_mode = [policy](models::Classifier& model) { models::apply_finetune_train_mode(model, policy); };
  plan.train_set = session.train_set;
  plan.val_set = session.val_set;
  // --train-crop: the train transform with that crop instead of the test-style v1/v2.
  plan.train_pipeline.kind = config.training.train_crop ? data::PipelineKind::Full : kind;
  plan.train_pipeline.size = config.training.input_size;
  plan.train_pipeline.normalization = setup.normalization;
  plan.train_pipeline.protocol = setup.protocol;
  data::DistributedOptions sampling;
  sampling.world_size = context.world_size();
  sampling.rank = context.rank();
  sampling.shuffle = config.training.shuffle;
  sampling.seed = config.training.seed;
  plan.sampler = std::make_shared<data::DistributedSampler>(session.train_set->size(), sampling);
  plan.evaluate_before = true;
  plan.frozen_trunk_cache = true;
  plan.strict_images = config.data.strict_images;
  return run_training(setup, plan, config.training, session.context, session.reporter);
}

}  // namespace fixres::engine
