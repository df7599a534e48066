#include "fixres/core/train.h"

#include <cmath>
#include <stdexcept>

#include "fixres/engine/training_loop.h"

namespace fixres::engine {

std::int64_t scratch_iteration_cap(int batch, int world_size) {
  // The seed breaks once `count >= 5005 * 512 / (batch * world)` (a float), i.e. after the
  // smallest integer count reaching it.
  return static_cast<std::int64_t>(std::ceil(5005.0 * 512.0 / (static_cast<double>(batch) * world_size)));
}

TrainingResult run_train(const TrainConfig& config, const Reporter& reporter) {
  if (config.repetitions < 1) {
    throw std::invalid_argument("--repetitions must be >= 1, got " + std::to_string(config.repetitions));
  }
  if (!(config.len_factor > 0.0)) {
    throw std::invalid_argument("--len-factor must be positive, got " + std::to_string(config.len_factor));
  }
  const TrainingSession session = open_training_session(config.model, config.data, config.training, reporter);
  const dist::Context& context = *session.context;

  // Without weights and --num-classes, the classifier gets the training set's classes.
  const bool from_dataset = config.model.num_classes == 0 && config.model.weight_path.empty();
  ModelSetup setup = session.setup_model(config.training.seed,
                                         from_dataset ? session.train_set->num_classes() : config.model.num_classes);
  session.check_classes(setup.model->num_classes());
  for (auto& p : setup.model->parameters()) p.set_requires_grad(true);

  TrainingPlan plan;
  plan.command = "train";
  plan.set_train_mode = [](models::Classifier& model) { model.train(); };
  plan.train_set = session.train_set;
  plan.val_set = session.val_set;
  plan.train_pipeline.kind = data::PipelineKind::Full;
  plan.train_pipeline.size = config.training.input_size;
  plan.train_pipeline.normalization = setup.normalization;
  plan.train_pipeline.protocol = setup.protocol;  // the Simple Random Crop's interpolation
  data::RepeatedAugmentationOptions sampling;
  sampling.world_size = context.world_size();
  sampling.rank = context.rank();
  sampling.repetitions = config.repetitions;
  sampling.len_factor = config.len_factor;
  sampling.shuffle = config.training.shuffle;
  sampling.seed = config.training.seed;
  try {
    plan.sampler = std::make_shared<data::RepeatedAugmentationSampler>(session.train_set->size(), sampling);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(session.train_set->describe() + ": " + e.what());
  }
  plan.iteration_cap = scratch_iteration_cap(config.training.batch, context.world_size());
  plan.strict_images = config.data.strict_images;
  return run_training(setup, plan, config.training, session.context, session.reporter);
}

}  // namespace fixres::engine
