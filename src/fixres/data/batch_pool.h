#pragma once
/// Batch tensors recycled between batches: the loader fills a tensor the consumer has let go of
/// instead of allocating a fresh one. A batch of 32 images at 384 px is 57 MB, beyond malloc's
/// mmap threshold, so a fresh tensor per batch costs the kernel a page fault and a zeroed page
/// for every 4 KB of it: at 384 px that was 40% of the loader's CPU time.
///
/// A tensor is reused only when nothing outside the pool refers to it or to its storage (no
/// tensor, no view): a batch the consumer still holds, or copied into a cache by reference, is
/// never overwritten. Page-locked (CUDA) batches are never kept: an asynchronous copy from one
/// may still be running when the consumer drops it; CUDA's host allocator tracks that itself.

#include <torch/torch.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace fixres::data {

class BatchPool {
 public:
  /// Keeps at most `capacity` tensors of shape {rows, 3, size, size}; `channels_last` sets their
  /// memory format; `pinned` allocates them page-locked and keeps none.
  BatchPool(std::int64_t rows, std::int64_t size, bool channels_last, bool pinned, std::size_t capacity);

  /// A tensor of shape {rows, 3, size, size} (rows <= the pool's): when rows is the pool's, a
  /// pooled one that nobody else holds, else a new one (kept in the pool while it has room); a
  /// shorter batch is always new and not kept. Thread-safe. The values are whatever the previous
  /// batch left.
  torch::Tensor acquire(std::int64_t rows);

  /// Tensors the pool holds (for tests).
  std::size_t held() const;

 private:
  torch::Tensor allocate(std::int64_t rows) const;

  std::int64_t rows_;
  std::int64_t size_;
  bool channels_last_;
  bool pinned_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<torch::Tensor> tensors_;
};

}  // namespace fixres::data
