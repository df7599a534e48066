#pragma once
/// The one training loop behind `fixres finetune` and `fixres train` (the seed's Trainer._train,
/// both variants). Per epoch:
///   1. the command's train/eval modes (set_train_mode), torch's generator seeded from
///      (seed, epoch) (dropout), the StepLR learning rate of the epoch;
///   2. every batch: buffers from rank 0 (DDP's broadcast_buffers, unless --sync-bn), forward,
///      cross-entropy (mean over the batch), zero_grad, backward, gradients averaged over the ranks,
///      SGD step; a NaN/inf loss on any rank stops every rank with an error (the last checkpoint
///      is left as it was);
///   3. loss, training top-1 and images summed over the ranks; evaluation on the validation set
///      (test transform at the input size, engine/inference.h) when due;
///   4. rank 0 writes the checkpoint (engine/checkpointing.h).
/// A run whose checkpoint folder holds checkpoint.pth resumes after its last completed epoch:
/// model, momentum buffers and schedule are restored and the sampler's order and augmentations
/// are functions of (seed, epoch, position), so the continued run equals an uninterrupted one.

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fixres/data/dataset.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/sampler.h"
#include "fixres/dist/context.h"
#include "fixres/engine/lr_schedule.h"
#include "fixres/engine/model_setup.h"
#include "fixres/core/reporter.h"
#include "fixres/core/training_config.h"

namespace fixres::engine {

/// What a command hands to the loop besides the options.
struct TrainingPlan {
  std::string command;  ///< "finetune" or "train"
  /// Puts the model in its training modes (called at the start of every epoch).
  std::function<void(models::Classifier&)> set_train_mode;
  std::shared_ptr<const data::Dataset> train_set;
  std::shared_ptr<const data::Dataset> val_set;  ///< null: no evaluation
  data::PipelineSpec train_pipeline;
  std::shared_ptr<const data::Sampler> sampler;
  /// Iterations per epoch at most (0: the whole sampler).
  std::int64_t iteration_cap = 0;
  /// Evaluate before the first training step (fine-tuning's "before" accuracy).
  bool evaluate_before = false;
  bool strict_images = false;  ///< an undecodable image is an error instead of a skip
  /// The frozen-trunk cache may be used (finetune; engine/trunk_cache.h decides where it is exact).
  bool frozen_trunk_cache = false;
};

/// The datasets of `data`: the given Dataset objects, else ImageFolders over the folders.
/// Throws std::invalid_argument when no training images are named.
std::shared_ptr<const data::Dataset> open_train_set(const TrainingData& data);
std::shared_ptr<const data::Dataset> open_val_set(const TrainingData& data);

/// The seed's linear scaling: 8 * base_lr * batch * world / 512.
double scaled_learning_rate(double base_lr, int batch, int world_size);

/// Test size of the validation passes: --val-size, else --progressive's END, else --input-size.
int validation_size(const TrainingOptions& options);

/// The training size of epoch `epoch`: --input-size, or --progressive's linear growth rounded to
/// a multiple of `multiple` (at least `multiple`).
int epoch_input_size(const TrainingOptions& options, int multiple, std::int64_t epoch);

/// The rounding of --progressive sizes for `spec`: its patch size (ViT/DeiT), else 32.
int size_multiple(const models::ArchitectureSpec& spec);

/// The run's per-step learning rate (--lr-schedule, --warmup-epochs, --min-lr) from the scaled LR.
LrSchedule lr_schedule(const TrainingOptions& options, double scaled_lr, std::int64_t steps_per_epoch);

/// Dataset labels must fit the classifier: more classes than outputs is an error (naming the
/// dataset and suggesting --num-classes), fewer is a warning (as in the seed, whose 1000-way
/// classifier trained on any subset).
void check_class_count(const data::Dataset& dataset, std::int64_t outputs, const Reporter& reporter);

/// The reporter this rank uses: `reporter` on rank 0, silent elsewhere.
Reporter rank_reporter(const Reporter& reporter, const dist::Context& context);

/// Checks the options shared by both commands (epochs, batch, sizes, workers); throws
/// std::invalid_argument naming the flag.
void check_training_options(const TrainingOptions& options);

/// What both commands open before building their network: the process group, this rank's
/// reporter and the datasets.
struct TrainingSession {
  std::shared_ptr<dist::Context> context;
  Reporter reporter;  ///< the caller's on rank 0, silent elsewhere
  std::shared_ptr<const data::Dataset> train_set;
  std::shared_ptr<const data::Dataset> val_set;  ///< null: no evaluation

  /// The command's model, resolved once (on this rank's device).
  ResolvedModel model;
  /// The training resolution (the network's parameters are prepared for it: a ViT's position
  /// embedding is resampled to its grid).
  int input_size = 0;

  /// setup_model of `model` with `num_classes` outputs (0: as many as the weights' classifier
  /// has), torch's generator seeded with `seed` first (the random initialisation of training from
  /// scratch).
  ModelSetup setup_model(std::uint64_t seed, std::int64_t num_classes) const;
  /// check_class_count on both datasets against the classifier's outputs (the validation set
  /// only errs: its warning would repeat the training set's).
  void check_classes(std::int64_t outputs) const;
};

/// Checks the options, resolves the model (engine/model_setup.h) and the input size against its
/// architecture, joins the process group (dist options), opens the datasets.
TrainingSession open_training_session(const ModelConfig& model, const TrainingData& data,
                                      const TrainingOptions& options, const Reporter& reporter);

/// Runs the epochs [resume point, options.epochs) of `plan` on `setup.model`.
TrainingResult run_training(ModelSetup& setup, const TrainingPlan& plan, const TrainingOptions& options,
                            const std::shared_ptr<dist::Context>& context, const Reporter& reporter);

}  // namespace fixres::engine
