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

}  // namespace fixres::engine
