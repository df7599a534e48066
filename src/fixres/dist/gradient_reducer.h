#pragma once
/// Data-parallel gradient averaging, as PyTorch's DistributedDataParallel does after backward:
/// gradients of the given parameters are flattened into buckets (~25 MB, one dtype/device each,
/// filled in reverse registration order like DDP), each bucket is all-reduced once, divided by
/// the world size and copied back. After reduce() every rank holds bit-identical gradients, so
/// identical optimiser steps keep the replicas bit-identical.

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "fixres/dist/context.h"

namespace fixres::dist {

class GradientReducer {
 public:
  /// `parameters`: the trainable ones (requires_grad), the same list in the same order on every
  /// rank. In a single-process context reduce() does nothing.
  GradientReducer(std::shared_ptr<Context> context, std::vector<torch::Tensor> parameters,
                  std::int64_t bucket_bytes = kDefaultBucketBytes);

  /// Call after loss.backward() and before optimizer.step(): every gradient := mean over ranks.
  /// A parameter whose gradient is undefined on this rank contributes zeros and receives the
  /// mean (so the replicas stay identical; pass only parameters that take part in the loss).
  void reduce();

  /// Number of collectives reduce() issues (tests, logs).
  std::size_t bucket_count() const { return buckets_.size(); }

 private:
  std::shared_ptr<Context> context_;
  std::vector<torch::Tensor> parameters_;
  std::vector<std::vector<std::size_t>> buckets_;  ///< positions into parameters_
};

}  // namespace fixres::dist
