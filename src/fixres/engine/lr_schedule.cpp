#include "fixres/engine/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace fixres::engine {

LrSchedule::LrSchedule(const LrScheduleOptions& options)
    : options_(options), step_(StepLrOptions(options.base_lr())) {
  const std::string& kind = options.kind();
  if (kind != "step" && kind != "cosine" && kind != "constant") {
    throw std::invalid_argument("--lr-schedule: expected step, cosine or constant, got '" + kind + "'");
  }
  if (!(options.warmup_epochs() >= 0.0) || options.warmup_epochs() > static_cast<double>(options.epochs())) {
    throw std::invalid_argument("--warmup-epochs must be between 0 and --epochs, got " +
                                std::to_string(options.warmup_epochs()));
  }
  if (!(options.min_lr() >= 0.0) || (kind == "cosine" && options.min_lr() > options.base_lr())) {
    throw std::invalid_argument("--min-lr must be >= 0 and at most the learning rate, got " +
                                std::to_string(options.min_lr()));
  }
  total_steps_ = options.epochs() * options.steps_per_epoch();
  warmup_steps_ = static_cast<std::int64_t>(std::floor(options.warmup_epochs() * static_cast<double>(options.steps_per_epoch())));
}

double LrSchedule::lr_at(std::int64_t epoch, std::int64_t step) const {
  const double base = options_.base_lr();
  const std::int64_t t = epoch * options_.steps_per_epoch() + step;
  if (t < warmup_steps_) {
    const double s = options_.warmup_start_factor();
    return base * (s + (1.0 - s) * static_cast<double>(t) / static_cast<double>(warmup_steps_));
  }
  if (options_.kind() == "constant") return base;
  if (options_.kind() == "step") return step_.lr_at(epoch);
  const double span = static_cast<double>(std::max<std::int64_t>(1, total_steps_ - warmup_steps_));
  const double progress = static_cast<double>(t - warmup_steps_) / span;
  const double pi = std::acos(-1.0);
  return options_.min_lr() + (base - options_.min_lr()) * (1.0 + std::cos(pi * progress)) / 2.0;
}

StepLr::StepLr(const StepLrOptions& options)
    : base_lr_(options.base_lr()), step_size_(options.step_size()), gamma_(options.gamma()) {
  if (step_size_ <= 0) throw std::invalid_argument("StepLR: step size must be positive, got " + std::to_string(step_size_));
}

double StepLr::lr_at(std::int64_t epoch) const {
  // PyTorch: base_lr * gamma ** (last_epoch // step_size), Python's float power.
  return base_lr_ * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

io::StepLrState StepLr::state(std::int64_t epoch) const {
  io::StepLrState s;
  s.step_size = step_size_;
  s.gamma = gamma_;
  s.base_lrs = {base_lr_};
  s.last_epoch = epoch;
  s.step_count = epoch + 2;
  s.last_lr = {lr_at(epoch)};
  return s;
}

std::int64_t StepLr::check_state(const io::StepLrState& state, const std::string& source) const {
  auto close = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b)); };
  std::ostringstream problem;
  if (state.step_size != step_size_) problem << "step_size " << state.step_size << " (expected " << step_size_ << ")";
  if (!close(state.gamma, gamma_)) problem << " gamma " << state.gamma << " (expected " << gamma_ << ")";
  if (state.base_lrs.size() != 1 || !close(state.base_lrs.front(), base_lr_)) {
    problem << " base learning rate " << (state.base_lrs.empty() ? 0.0 : state.base_lrs.front()) << " (this run: "
            << base_lr_ << "; resume with the same --learning-rate, --batch and world size)";
  }
  if (!problem.str().empty()) throw std::runtime_error(source + ": 'lr_scheduler' does not match this run: " + problem.str());
  return state.last_epoch;
}

}  // namespace fixres::engine
