#pragma once
/// The seed's training checkpoint (imnet_finetune/train.py TrainerState.save), as plain C++ data:
///   {'epoch': int, 'accuracy': float,
///    'model': OrderedDict('module.<name>' -> tensor),            # DistributedDataParallel names
///    'optimizer': SGD.state_dict() = {'state': {param_index: {'momentum_buffer': tensor}},
///                                     'param_groups': [{'lr', 'momentum', 'dampening',
///                                       'weight_decay', 'nesterov', 'maximize', 'foreach',
///                                       'differentiable', 'initial_lr', 'params': [indices]}]},
///    'lr_scheduler': StepLR.state_dict() = {'step_size', 'gamma', 'base_lrs', 'last_epoch',
///                                           'verbose', '_step_count',
///                                           '_get_lr_called_within_step', '_last_lr'}}
/// Files written from it load in Python with torch.load, and optimizer.load_state_dict /
/// lr_scheduler.load_state_dict accept their parts (PyTorch 1.13 key set).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fixres/core/arg.h"
#include "fixres/io/pickle_value.h"
#include "fixres/io/raw_tensor.h"

namespace fixres::io {

/// torch.optim.SGD's hyper-parameters, defined once: engine::Sgd runs with them (engine::SgdOptions
/// is this type) and a checkpoint's param group serialises them, field by field through for_each.
struct SgdHyperParameters {
  FIXRES_ARG(double, lr) = 0.1;
  FIXRES_ARG(double, momentum) = 0.9;
  FIXRES_ARG(double, dampening) = 0.0;
  FIXRES_ARG(double, weight_decay) = 1e-4;
  FIXRES_ARG(bool, nesterov) = false;

 public:
  /// f(key, field) for every field, in PyTorch's param-group order, under PyTorch's keys.
  template <typename F>
  void for_each(F&& f) {
    f("lr", lr_);
    f("momentum", momentum_);
    f("dampening", dampening_);
    f("weight_decay", weight_decay_);
    f("nesterov", nesterov_);
  }
  template <typename F>
  void for_each(F&& f) const {
    const_cast<SgdHyperParameters&>(*this).for_each([&f](const char* key, const auto& value) { f(key, value); });
  }
};

struct SgdParamGroup {
  SgdHyperParameters hyper;
  bool maximize = false;
  std::optional<double> initial_lr;    // set by an LR scheduler
  std::vector<std::int64_t> params;    // indices into the model's parameter list
};

struct SgdState {
  std::vector<SgdParamGroup> param_groups;
  /// (parameter index, momentum buffer), ascending; parameters without gradient have none.
  std::vector<std::pair<std::int64_t, RawTensor>> momentum_buffers;
};

/// torch.optim.AdamW's state_dict(): param groups (lr, betas, eps, weight_decay, the indices they
/// hold) and, per parameter updated so far, its step count and moment estimates.
struct AdamWGroup {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.05;
  std::optional<double> initial_lr;
  std::vector<std::int64_t> params;
};

struct AdamWSlot {
  std::int64_t index = 0;
  RawTensor step;  ///< 0-dim float32, as PyTorch 1.13 keeps it
  RawTensor exp_avg;
  RawTensor exp_avg_sq;
};

struct AdamWState {
  std::vector<AdamWGroup> groups;
  std::vector<AdamWSlot> slots;  ///< ascending index
};

struct StepLrState {
  std::int64_t step_size = 30;
  double gamma = 0.1;
  std::vector<double> base_lrs;
  std::int64_t last_epoch = 0;
  std::int64_t step_count = 1;  // '_step_count'
  std::vector<double> last_lr;  // '_last_lr'
};

struct TrainingCheckpoint {
  std::int64_t epoch = 0;
  double accuracy = 0.0;
  StateDict model;  // names without 'module.'
  /// --model-ema: the exponential moving average of the weights (timm's `model_ema` beside
  /// `model`), when the run keeps one.
  std::optional<StateDict> model_ema;
  SgdState optimizer;
  /// Set when the run used --optimizer adamw: 'optimizer' holds AdamW's state_dict instead.
  std::optional<AdamWState> adamw;
  StepLrState lr_scheduler;
};

/// The Value written by torch.save in the seed; model keys get 'module.' when `module_prefix`.
Value training_checkpoint_value(const TrainingCheckpoint& checkpoint, bool module_prefix = true);

/// Parses the seed layout (what fixres or the seed wrote); strips 'module.' from model keys.
/// Throws IoError(source, …) naming the missing or mistyped field.
TrainingCheckpoint training_checkpoint_from_value(const Value& root, const std::string& source);

/// Writes the checkpoint as a zip .pth, atomically.
void write_training_checkpoint(const std::string& path, const TrainingCheckpoint& checkpoint, bool module_prefix = true);

/// Reads a checkpoint written by write_training_checkpoint or by the seed (legacy or zip).
TrainingCheckpoint read_training_checkpoint(const std::string& path);

}  // namespace fixres::io
