#include "fixres/dist/gradient_reducer.h"

#include <algorithm>

#include "fixres/dist/bucketing.h"

namespace fixres::dist {

GradientReducer::GradientReducer(std::shared_ptr<Context> context,
                                 std::vector<torch::Tensor> parameters, std::int64_t bucket_bytes)
    : context_(std::move(context)), parameters_(std::move(parameters)) {
  TORCH_CHECK(context_, "dist::GradientReducer: no context");
  // DDP fills buckets in reverse order: the last layers' gradients are ready first.
  std::vector<torch::Tensor> reversed(parameters_.rbegin(), parameters_.rend());
  buckets_ = assign_buckets(reversed, bucket_bytes);
  const std::size_t n = parameters_.size();
  for (auto& bucket : buckets_) {
    for (auto& position : bucket) position = n - 1 - position;
  }
}

void GradientReducer::reduce() {
  if (!context_->is_distributed()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  grads.reserve(parameters_.size());
  for (auto& parameter : parameters_) {
    if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
    grads.push_back(parameter.grad());
  }
  // One bucket = one collective: flatten here, reduce all buckets, unflatten.
  std::vector<torch::Tensor> flats;
  flats.reserve(buckets_.size());
  for (const auto& bucket : buckets_) flats.push_back(flatten(grads, bucket));
  context_->all_reduce_sum(flats, /*bucket_bytes=*/0);
  const double scale = 1.0 / context_->world_size();
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    flats[i].mul_(scale);
    unflatten_into(flats[i], grads, buckets_[i]);
  }
}

}  // namespace fixres::dist
