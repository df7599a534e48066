#include "fixres/data/batch_pool.h"

namespace fixres::data {

BatchPool::BatchPool(std::int64_t rows, std::int64_t size, bool channels_last, bool pinned, std::size_t capacity)
    : rows_(rows), size_(size), channels_last_(channels_last), pinned_(pinned), capacity_(pinned ? 0 : capacity) {
  TORCH_CHECK(rows > 0 && size > 0, "BatchPool: rows and size must be positive");
}

torch::Tensor BatchPool::allocate(std::int64_t rows) const {
  auto options = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned_);
  if (channels_last_) options = options.memory_format(at::MemoryFormat::ChannelsLast);
  return torch::empty({rows, 3, size_, size_}, options);
}

torch::Tensor BatchPool::acquire(std::int64_t rows) {
  TORCH_CHECK(rows > 0 && rows <= rows_, "BatchPool: ", rows, " rows asked of a pool of ", rows_);
  if (rows < rows_) return allocate(rows);  // an epoch's last batch: not worth a full-size buffer
  torch::Tensor tensor;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const torch::Tensor& t : tensors_) {
      // Free: this handle is the only one on the tensor, and the tensor the only one on its storage.
      if (t.use_count() == 1 && t.storage().use_count() == 1) {
        tensor = t;
        break;
      }
    }
    if (!tensor.defined()) {
      tensor = allocate(rows_);
      if (tensors_.size() < capacity_) tensors_.push_back(tensor);
    }
  }
  return tensor;
}

std::size_t BatchPool::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tensors_.size();
}

}  // namespace fixres::data
