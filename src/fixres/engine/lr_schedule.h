#pragma once
/// torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma) as the seed drives it:
/// `lr_scheduler.step(epoch)` at the start of every epoch, i.e. PyTorch's closed form
/// lr(epoch) = base_lr * gamma^(epoch // step_size). Torch-free.

#include <cstdint>
#include <string>

#include "fixres/core/arg.h"
#include "fixres/io/training_checkpoint.h"

namespace fixres::engine {

/// StepLR's settings: StepLrOptions(base_lr).step_size(30).gamma(0.1) (the seed's values by default).
struct StepLrOptions {
  explicit StepLrOptions(double base_lr) : base_lr_(base_lr) {}
  FIXRES_ARG(double, base_lr);
  FIXRES_ARG(std::int64_t, step_size) = 30;
  FIXRES_ARG(double, gamma) = 0.1;
};

class StepLr {
 public:
  explicit StepLr(const StepLrOptions& options);

  /// The learning rate of epoch `epoch` (0-based).
  double lr_at(std::int64_t epoch) const;
  double base_lr() const { return base_lr_; }
  std::int64_t step_size() const { return step_size_; }
  double gamma() const { return gamma_; }

  /// scheduler.state_dict() after `step(epoch)` was called for epochs 0…`epoch` in one run
  /// (last_epoch = epoch, _step_count = epoch + 2: the constructor's step plus one per epoch).
  io::StepLrState state(std::int64_t epoch) const;
  /// Checks a saved state against this schedule (base LR, step size, gamma) and returns its
  /// last_epoch. Throws naming `source` on a mismatch (e.g. resuming with another --learning-rate).
  std::int64_t check_state(const io::StepLrState& state, const std::string& source) const;

 private:
  double base_lr_;
  std::int64_t step_size_;
  double gamma_;
};

/// The per-step learning rate of a run (TrainingOptions' --lr-schedule, --warmup-epochs,
/// --min-lr) as PyTorch's schedulers stepped once per iteration: SequentialLR([LinearLR(
/// start_factor=0.01, total_iters=W), MAIN], milestones=[W]) with W = floor(warmup_epochs ·
/// steps per epoch), MAIN = CosineAnnealingLR(T_max = total steps − W, eta_min = min_lr), or a
/// constant LR; "step" keeps the seed's StepLR(30, 0.1) by epoch (after the warmup).
struct LrScheduleOptions {
  explicit LrScheduleOptions(double base_lr) : base_lr_(base_lr) {}
  FIXRES_ARG(double, base_lr);
  FIXRES_ARG(std::string, kind) = "step";  ///< "step", "cosine" or "constant"
  FIXRES_ARG(double, warmup_epochs) = 0.0;
  FIXRES_ARG(double, min_lr) = 0.0;
  FIXRES_ARG(std::int64_t, epochs) = 1;
  FIXRES_ARG(std::int64_t, steps_per_epoch) = 1;
  FIXRES_ARG(double, warmup_start_factor) = 0.01;
};

class LrSchedule {
 public:
  /// Throws std::invalid_argument naming the flag for an unknown kind, a negative warmup or a
  /// --min-lr above the LR.
  explicit LrSchedule(const LrScheduleOptions& options);
  /// The LR of iteration `step` (0-based) of epoch `epoch`.
  double lr_at(std::int64_t epoch, std::int64_t step) const;
  std::int64_t warmup_steps() const { return warmup_steps_; }

 private:
  LrScheduleOptions options_;
  StepLr step_;  ///< "step": the seed's StepLR(30, 0.1)
  std::int64_t warmup_steps_ = 0;
  std::int64_t total_steps_ = 0;
};

}  // namespace fixres::engine
