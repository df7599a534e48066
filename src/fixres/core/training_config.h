#pragma once
/// What fine-tuning and training from scratch share, torch-free so that the CLI (and other
/// engines, e.g. the demo) fill it and read the results across the CLI ↔ libfixres.so boundary:
/// where the images are, the optimisation settings, checkpointing, and the per-epoch log.
/// Both commands run the one loop of engine/training_loop.h.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixres/core/augment_options.h"
#include "fixres/core/dist_options.h"
#include "fixres/core/inference_config.h"
#include "fixres/core/metrics.h"

namespace fixres::data {
class Dataset;  // data/dataset.h (the engine side; here only held by pointer)
}  // namespace fixres::data

namespace fixres::engine {

/// The images: ImageFolder trees (the seed's ROOT/train and ROOT/val), or datasets another
/// engine built (they take precedence over the folders).
struct TrainingData {
  std::string train_folder;  ///< ImageFolder trained on
  std::string val_folder;    ///< ImageFolder evaluated on; empty (and no val_dataset): no evaluation
  std::shared_ptr<const data::Dataset> train_dataset;
  std::shared_ptr<const data::Dataset> val_dataset;
  bool strict_images = false;  ///< an undecodable image is an error instead of a skip
};

/// The optimisation and its bookkeeping, as the seed's TrainerConfig.
/// --progressive START:END:EPOCHS: the training size grows linearly from START (epoch 0) to END
/// (epoch EPOCHS-1, and every epoch after), each size rounded to a multiple of 32 (of the patch
/// size for a ViT); at the end the batch-norm statistics are recalibrated at END.
struct ProgressiveResize {
  int start = 0;
  int end = 0;
  int epochs = 0;
  bool enabled() const { return epochs > 0; }
};

/// Mixup / CutMix of the training batches (engine/mixup.h: timm's Mixup, 'batch' mode).
struct MixupOptions {
  double mixup_alpha = 0.0;   ///< --mixup α (0: off)
  double cutmix_alpha = 0.0;  ///< --cutmix α (0: off)
  double mix_prob = 1.0;      ///< --mix-prob: batches mixed at all
  double switch_prob = 0.5;   ///< --switch-prob: CutMix instead of mixup when both are on
  bool enabled() const { return mixup_alpha > 0.0 || cutmix_alpha > 0.0; }
};

/// The frozen-trunk cache of fine-tuning with a deterministic transform (engine/trunk_cache.h):
/// the part of the network before the first trainable or train-mode layer runs once per image and
/// its output is kept, in memory within `memory_bytes`, beyond that in a file under `dir`.
struct TrunkCacheOptions {
  bool enabled = true;           ///< --no-cache turns it off
  std::int64_t memory_bytes = 0; ///< --cache-memory; 0: half of the memory available at the start
  std::string dir;               ///< --cache-dir; empty: $TMPDIR, else /tmp
};

struct TrainingOptions {
  int epochs = 1;
  /// --learning-rate: the base LR; the optimiser uses 8 * base * batch * world / 512.
  double learning_rate = 1e-3;
  int batch = 8;       ///< images per batch on each process
  int workers = 4;     ///< loader threads
  int input_size = 320;
  /// --save-folder: checkpoints go to save_folder/job_id/checkpoint.pth and
  /// checkpoint_<epoch>.pth; empty: no checkpoints and no resume.
  std::string save_folder;
  std::string job_id = "0";
  /// Seeds the classifier re-initialisation, the weight initialisation of training from scratch,
  /// dropout, the sampler's shuffles and the augmentations (with the epoch and sample position).
  std::uint64_t seed = 0;
  bool shuffle = true;  ///< false: the training images in dataset order (parity runs)
  /// Stop each epoch after this many iterations (0: no limit besides the command's own cap).
  std::int64_t max_iterations = 0;
  /// Evaluate every N epochs (0: only after the last epoch, as the seed).
  int eval_every = 0;
  /// --lr-schedule: "step" (the seed's StepLR(30, 0.1), per epoch), "cosine" (per step, from the
  /// scaled LR to --min-lr at the last step) or "constant".
  std::string lr_schedule = "step";
  /// --warmup-epochs: a linear warmup per step from 1% of the scaled LR over this many epochs
  /// (PyTorch's LinearLR(start_factor=0.01) then the schedule, as SequentialLR); 0: none.
  double warmup_epochs = 0.0;
  /// --min-lr: where the cosine schedule ends.
  double min_lr = 0.0;
  /// --label-smoothing ε: cross-entropy against (1-ε)·one-hot + ε/C (PyTorch's label_smoothing).
  double label_smoothing = 0.0;
  /// --grad-accum-steps K: the gradients of K batches are averaged before each optimiser step
  /// (an effective batch of K·batch·world; the LR scales with it).
  int grad_accum_steps = 1;
  /// --clip-grad NORM: the trainable gradients' total L2 norm is clipped to NORM before each step
  /// (torch.nn.utils.clip_grad_norm_); 0: no clipping.
  double clip_grad = 0.0;
  /// --model-ema DECAY: keep timm's ModelEmaV2 average of the weights (updated after every
  /// optimiser step), evaluate it beside the model and save it as the checkpoint's `model_ema`;
  /// 0: none.
  double model_ema = 0.0;
  /// --val-size: the validation passes' test size (torchvision's 176/224: train small, validate
  /// at the test size); 0: the training size (--progressive's END when growing).
  int val_size = 0;
  ProgressiveResize progressive;
  /// Soft targets from mixed batches; --label-smoothing then smooths them (timm's mixup_target).
  MixupOptions mixup;
  /// --reprob P: random erasing of the training images (timm's RandomErasing, 'pixel' mode);
  /// random transforms only (train, finetune --transforms v2).
  double reprob = 0.0;
  /// --rand-augment N,M / --trivial-augment: torchvision's policies after the flip of a random
  /// transform (train's, finetune --transforms v2 or --train-crop).
  data::AutoAugmentSpec auto_augment;
  /// --train-crop rrc|simple: train's crop (default rrc); given to finetune, it replaces the
  /// test-style v1/v2 transform by the train transform with that crop.
  std::optional<data::TrainCrop> train_crop;
  /// --color-jitter S: the random transforms' ColorJitter strength (unset: FixRes's 0.3 for
  /// train's, 0.05 for v2's; 0: none).
  std::optional<float> color_jitter;
  /// --rrc-scale MIN: RandomResizedCrop's area fraction range (MIN, 1) (torchvision's 0.08).
  double rrc_min_scale = 0.08;
  /// --optimizer: "sgd" (the seed's: momentum 0.9) or "adamw" (betas 0.9/0.999, eps 1e-8).
  std::string optimizer = "sgd";
  /// --weight-decay; unset: 1e-4 for SGD (the seed's), 0.05 for AdamW (DeiT's).
  std::optional<double> weight_decay;
  /// --no-decay-norm-bias / --decay-norm-bias: norms, biases (and a ViT's pos_embed, cls_token)
  /// at weight decay 0; unset: on for AdamW, off for SGD (whose single group is the seed's).
  std::optional<bool> no_decay_norm_bias;
  dist::DistOptions dist;
  TrunkCacheOptions cache;
};

/// One epoch of the log (the JSON's "epochs" rows).
struct EpochRecord {
  std::int64_t epoch = 0;           ///< 0-based
  double lr = 0.0;
  double loss = 0.0;                ///< mean over the epoch's iterations (all ranks) of the batch loss
  double train_top1 = 0.0;          ///< percent, on the training batches as they were augmented
  std::int64_t images = 0;          ///< training images seen (all ranks)
  std::int64_t iterations = 0;      ///< per rank
  double seconds = 0.0;             ///< training wall time of the epoch (evaluation excluded)
  double images_per_second = 0.0;   ///< images / seconds (all ranks)
  int input_size = 0;               ///< the epoch's training size (--progressive changes it)
  std::optional<TopkCounts> val;    ///< when evaluated after this epoch
  std::optional<TopkCounts> val_ema;  ///< the --model-ema average, evaluated with `val`
};

/// The record of a run, kept once: what the checkpoint folder's fixres_run.json holds (and a
/// resumed run reads back), and the core of the result a command reports.
struct RunRecord {
  std::string command;       ///< "finetune" or "train"
  std::string architecture;  ///< the registry row
  std::int64_t num_classes = 0;
  int input_size = 0;
  double scaled_lr = 0.0;    ///< 8 * base * batch * world / 512
  int world_size = 1;
  std::uint64_t seed = 0;
  /// Fine-tuning: accuracy before any training step (from the first run when resumed).
  std::optional<TopkCounts> before;
  /// Every epoch trained so far, including those of earlier runs when resumed.
  std::vector<EpochRecord> epochs;
};

struct TrainingResult : RunRecord {
  bool is_main = true;       ///< rank 0 (the only one that prints and writes)
  std::int64_t train_images = 0;
  std::int64_t val_images = 0;
  std::string normalization_note;
  std::string weights_source;
  /// Accuracy after the last epoch.
  std::optional<TopkCounts> after;
  std::optional<TopkCounts> after_ema;  ///< of the --model-ema average
  std::int64_t start_epoch = 0;  ///< first epoch this run trained (> 0 when resumed)
  std::string resumed_from;      ///< the checkpoint resumed from, or empty
  std::string checkpoint_folder; ///< save_folder/job_id, or empty
  /// Training images per second over the epochs of this run (all ranks).
  double train_images_per_second = 0.0;
  /// Undecodable images left out (over all ranks, dataset order) of the training set during this
  /// run, and of the validation set.
  std::vector<SkippedImageReport> train_skipped;
  std::vector<SkippedImageReport> val_skipped;
};

inline void to_json(nlohmann::json& j, const SkippedImageReport& s) {
  j = {{"index", s.index}, {"path", s.path}, {"reason", s.reason}};
}

inline void to_json(nlohmann::json& j, const TopkCounts& c) {
  j = {{"images", c.images}, {"top1", c.top1_percent()}, {"top5", c.top5_percent()},
       {"top1_count", c.top1}, {"top5_count", c.top5}};
}

inline void from_json(const nlohmann::json& j, TopkCounts& c) {
  c.images = j.at("images").get<std::int64_t>();
  c.top1 = j.at("top1_count").get<std::int64_t>();
  c.top5 = j.at("top5_count").get<std::int64_t>();
}

inline void to_json(nlohmann::json& j, const EpochRecord& r) {
  j = {{"epoch", r.epoch},   {"lr", r.lr},         {"loss", r.loss},
       {"train_top1", r.train_top1}, {"images", r.images}, {"iterations", r.iterations},
       {"seconds", r.seconds}, {"images_per_second", r.images_per_second}, {"input_size", r.input_size}};
  if (r.val) {
    j["val_top1"] = r.val->top1_percent();
    j["val_top5"] = r.val->top5_percent();
    j["val"] = *r.val;
  }
  if (r.val_ema) {
    j["val_ema_top1"] = r.val_ema->top1_percent();
    j["val_ema"] = *r.val_ema;
  }
}

inline void from_json(const nlohmann::json& j, EpochRecord& r) {
  r.epoch = j.at("epoch").get<std::int64_t>();
  r.lr = j.at("lr").get<double>();
  r.loss = j.at("loss").get<double>();
  r.train_top1 = j.at("train_top1").get<double>();
  r.images = j.at("images").get<std::int64_t>();
  r.iterations = j.at("iterations").get<std::int64_t>();
  r.seconds = j.at("seconds").get<double>();
  r.images_per_second = j.at("images_per_second").get<double>();
  r.input_size = j.value("input_size", 0);
  if (j.contains("val")) r.val = j.at("val").get<TopkCounts>();
  if (j.contains("val_ema")) r.val_ema = j.at("val_ema").get<TopkCounts>();
}

/// The result as the CLI's --json file shows it.
inline nlohmann::json training_result_json(const TrainingResult& r) {
  nlohmann::json j = {{"command", r.command},
                      {"architecture", r.architecture},
                      {"num_classes", r.num_classes},
                      {"train_images", r.train_images},
                      {"val_images", r.val_images},
                      {"world_size", r.world_size},
                      {"scaled_lr", r.scaled_lr},
                      {"normalization", r.normalization_note},
                      {"weights", r.weights_source},
                      {"start_epoch", r.start_epoch},
                      {"resumed_from", r.resumed_from},
                      {"checkpoint_folder", r.checkpoint_folder},
                      {"train_images_per_second", r.train_images_per_second},
                      {"epochs", r.epochs},
                      {"skipped_images", {{"train", r.train_skipped.size()}, {"val", r.val_skipped.size()}}},
                      {"skipped", {{"train", r.train_skipped}, {"val", r.val_skipped}}}};
  if (r.before) j["before"] = *r.before;
  if (r.after) j["after"] = *r.after;
  if (r.after_ema) j["after_ema"] = *r.after_ema;
  return j;
}

}  // namespace fixres::engine
