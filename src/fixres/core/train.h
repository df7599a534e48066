#pragma once
/// `fixres train`: training from scratch with repeated augmentation (the seed's
/// main_resnet50_scratch.py, imnet_resnet50_scratch/train.py), torch-free entry point.
///
/// Recipe: a freshly initialised network (seeded) of any zoo architecture, the 'full' train
/// transform (RandomResizedCrop, flip, ColorJitter 0.3) at the input size, the RASampler (each image
/// `repetitions` times, epoch length `len_factor`·n, sharded over the ranks), the whole model in
/// train mode, SGD (momentum 0.9, weight decay 1e-4, lr = 8·base·batch·world/512) with StepLR(30)
/// per epoch, cross-entropy, each epoch capped at 5005·512/(batch·world) iterations; evaluation
/// with the test transform after the last epoch (and every `eval_every` epochs).

#include "fixres/core/model_config.h"
#include "fixres/core/reporter.h"
#include "fixres/core/training_config.h"

namespace fixres::engine {

struct TrainConfig {
  /// The network; usually no weights. model.num_classes 0: the training set's class count.
  ModelConfig model;
  TrainingData data;
  TrainingOptions training;
  std::int64_t repetitions = 3;
  double len_factor = 2.0;
};

/// The seed's iteration cap of one epoch: the smallest count >= 5005·512/(batch·world).
std::int64_t scratch_iteration_cap(int batch, int world_size);

/// Runs (or resumes) the training. Throws as run_finetune.
TrainingResult run_train(const TrainConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
