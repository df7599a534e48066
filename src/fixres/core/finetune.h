#pragma once
/// `fixres finetune`: FixRes fine-tuning at the test resolution (the seed's main_finetune.py,
/// imnet_finetune/train.py), torch-free entry point.
///
/// Recipe (DESIGN.md "Reference behaviour"): released weights; the training images through the
/// *test* transform at the fine-tuning size (`transforms` "v1") or the 'val_train' transform ("v2");
/// the architecture's FinetunePolicy (models/finetune_policy.h) decides which parameters train and
/// which modules run in train mode (ResNet/ResNeXt: fc trains, layer4.2.bn3 adapts its statistics;
/// PNASNet: cell_9–11 and last_linear, dropout on; EfficientNet: classifier, with conv_head, bn2 and
/// classifier in train mode), re-applied at every epoch; SGD over every parameter (momentum 0.9,
/// weight decay 1e-4, lr = 8·base·batch·world/512), StepLR(30) per epoch, cross-entropy; top-1/top-5
/// on the validation images before and after.
///
/// Differences from the seed, all deliberate: a checkpoint after every epoch (the seed wrote one at
/// the end), evaluation also every `eval_every` epochs when asked, the sampler reshuffled every
/// epoch from (seed, epoch) (the seed never called set_epoch, so it repeated one order), and the
/// EfficientNet policy freezes what it says (the seed's `model.requires_grad=False` set a Python
/// attribute and froze nothing).

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/core/model_config.h"
#include "fixres/core/reporter.h"
#include "fixres/core/training_config.h"

namespace fixres::engine {

struct FinetuneConfig {
  /// The network and its weights. model.num_classes > 0 re-initialises the classifier with that
  /// many outputs after loading (transfer to another label set); 0 keeps the weights' classifier.
  ModelConfig model;
  TrainingData data;
  TrainingOptions training;
  /// "v1": test transform at the input size; "v2": transforms_v2's 'val_train'.
  std::string transforms = "v1";
  /// --train-layers: state-dict prefixes that train (or {"all"}), replacing the architecture's
  /// policy; empty: the policy.
  std::vector<std::string> train_layers;
};

/// Runs (or resumes) the fine-tuning. Throws std::invalid_argument for bad settings, and
/// std::runtime_error naming the file/key for bad weights, datasets, checkpoints or a NaN loss.
TrainingResult run_finetune(const FinetuneConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
