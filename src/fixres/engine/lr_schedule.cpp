#include "fixres/engine/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace fixres::engine {

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
