#pragma once
/// Coalescing of many tensors into few flat buffers, so that a collective runs once per bucket
/// rather than once per tensor (PyTorch DDP's compute_bucket_assignment_by_size and
/// _flatten_dense_tensors / _unflatten_dense_tensors).

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace fixres::dist {

/// Positions (into `tensors`) of each bucket. Tensors are taken in the given order; a bucket holds
/// one dtype on one device and closes when adding the next tensor would pass `bucket_bytes`
/// (a tensor larger than that gets a bucket of its own). Undefined tensors are skipped. Buckets
/// are ordered by their first position.
std::vector<std::vector<std::size_t>> assign_buckets(const std::vector<torch::Tensor>& tensors,
                                                     std::int64_t bucket_bytes);

/// One contiguous 1-D tensor holding `tensors` (selected by `positions`) one after another.
torch::Tensor flatten(const std::vector<torch::Tensor>& tensors,
                      const std::vector<std::size_t>& positions);

/// The inverse: copies consecutive slices of `flat` back into each selected tensor (in place).
void unflatten_into(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors,
                    const std::vector<std::size_t>& positions);

}  // namespace fixres::dist
