#include "fixres/data/loader.h"

#include <torch/cuda.h>

#include <algorithm>
#include <cstring>

namespace fixres::data {

// One batch being filled by the workers.
struct Loader::Slot {
  std::int64_t batch = 0;
  std::int64_t first = 0;  // epoch position of row 0
  std::int64_t rows = 0;
  std::int64_t remaining = 0;
  torch::Tensor images;
  float* data = nullptr;
  std::vector<char> ok;
  std::vector<std::string> errors;  // per row, for skipped images
  std::exception_ptr fatal;
};

Loader::Loader(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Sampler> sampler, Pipeline pipeline,
               LoaderOptions options)
    : dataset_(std::move(dataset)), sampler_(std::move(sampler)), pipeline_(std::move(pipeline)), options_(options) {
  TORCH_CHECK(dataset_ && sampler_, "Loader: dataset and sampler are required");
  TORCH_CHECK(options_.batch_size > 0, "Loader: batch_size must be positive, got ", options_.batch_size);
  TORCH_CHECK(options_.workers >= 0, "Loader: workers must be >= 0, got ", options_.workers);
  TORCH_CHECK(options_.prefetch_batches >= 1, "Loader: prefetch_batches must be >= 1, got ", options_.prefetch_batches);
  if (options_.pin_memory && !torch::cuda::is_available()) options_.pin_memory = false;
  // Batches in flight (prefetch_batches, one more being started) and the consumer's one or two.
  pool_ = std::make_unique<BatchPool>(options_.batch_size, pipeline_.output_size(), options_.channels_last,
                                      options_.pin_memory, static_cast<std::size_t>(options_.prefetch_batches) + 3);
}

Loader::~Loader() { stop_workers(); }

std::int64_t Loader::samples_per_epoch() const {
  const std::int64_t n = sampler_->size();
  return options_.drop_last ? n / options_.batch_size * options_.batch_size : n;
}

std::int64_t Loader::batches_per_epoch() const {
  return (samples_per_epoch() + options_.batch_size - 1) / options_.batch_size;
}

std::int64_t Loader::skipped_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<std::int64_t>(skipped_.size());
}

std::vector<SkippedImage> Loader::skipped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return skipped_;
}

void Loader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  stopping_ = false;
}

void Loader::start_epoch(std::int64_t epoch) {
  stop_workers();
  epoch_ = epoch;
  order_ = sampler_->indices(epoch);
  samples_ = std::min<std::int64_t>(samples_per_epoch(), static_cast<std::int64_t>(order_.size()));
  next_sample_ = 0;
  next_batch_ = 0;
  worker_error_ = nullptr;
  slots_.clear();
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
}

std::unique_ptr<Loader::Slot> Loader::make_slot(std::int64_t batch) const {
  auto slot = std::make_unique<Slot>();
  slot->batch = batch;
  slot->first = batch * options_.batch_size;
  slot->rows = std::min(options_.batch_size, samples_ - slot->first);
  slot->remaining = slot->rows;
  slot->images = pool_->acquire(slot->rows);
  slot->data = slot->images.data_ptr<float>();
  slot->ok.assign(static_cast<std::size_t>(slot->rows), 0);
  slot->errors.resize(static_cast<std::size_t>(slot->rows));
  return slot;
}

void Loader::process(Slot& slot, std::int64_t position) const {
  const std::int64_t row = position - slot.first;
  const std::int64_t index = order_[static_cast<std::size_t>(position)];
  const std::int64_t s = pipeline_.output_size();
  try {
    Rng rng = Rng::for_sample(options_.seed, epoch_, sampler_->global_position(position));
    pipeline_.apply([&](const RegionRequest& want) { return dataset_->load_region(index, want); }, rng,
                    slot.data + row * 3 * s * s, options_.channels_last ? Layout::HWC : Layout::CHW);
    slot.ok[static_cast<std::size_t>(row)] = 1;
  } catch (const ImageError& e) {
    // The reason without the "path: " prefix (the path is reported beside it).
    std::string reason = e.what();
    const std::string prefix = e.name() + ": ";
    if (reason.compare(0, prefix.size(), prefix) == 0) reason.erase(0, prefix.size());
    slot.errors[static_cast<std::size_t>(row)] = reason;
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!slot.fatal) slot.fatal = std::current_exception();
  }
}

void Loader::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] {
      return stopping_ || next_sample_ >= samples_ ||
             next_sample_ / options_.batch_size < next_batch_ + options_.prefetch_batches;
    });
    if (stopping_ || next_sample_ >= samples_) return;
    const std::int64_t position = next_sample_++;
    const std::int64_t batch = position / options_.batch_size;
    auto it = slots_.find(batch);
    if (it == slots_.end()) {
      try {
        it = slots_.emplace(batch, make_slot(batch)).first;
      } catch (...) {
        worker_error_ = std::current_exception();
        stopping_ = true;
        done_cv_.notify_all();
        work_cv_.notify_all();
        return;
      }
    }
    Slot* slot = it->second.get();
    lock.unlock();
    process(*slot, position);
    lock.lock();
    if (--slot->remaining == 0) done_cv_.notify_all();
  }
}

std::optional<Batch> Loader::next() {
  std::unique_ptr<Slot> slot;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (next_batch_ * options_.batch_size >= samples_) return std::nullopt;
      const std::int64_t batch = next_batch_;
      if (options_.workers == 0) {
        slot = make_slot(batch);
      } else {
        done_cv_.wait(lock, [&] {
          auto it = slots_.find(batch);
          return worker_error_ || (it != slots_.end() && it->second->remaining == 0);
        });
        if (worker_error_) std::rethrow_exception(worker_error_);
        slot = std::move(slots_[batch]);
        slots_.erase(batch);
      }
      ++next_batch_;
    }
    work_cv_.notify_all();
    if (options_.workers == 0) {
      for (std::int64_t r = 0; r < slot->rows; ++r) process(*slot, slot->first + r);
    }
    Batch b = finish(std::move(slot));
    if (!b.indices.empty()) return b;
  }
}

Batch Loader::finish(std::unique_ptr<Slot> slot) {
  if (slot->fatal) std::rethrow_exception(slot->fatal);
  Batch b;
  const std::int64_t per_image = 3 * static_cast<std::int64_t>(pipeline_.output_size()) * pipeline_.output_size();
  std::int64_t kept = 0;
  for (std::int64_t r = 0; r < slot->rows; ++r) {
    const std::int64_t index = order_[static_cast<std::size_t>(slot->first + r)];
    if (!slot->ok[static_cast<std::size_t>(r)]) {
      const std::string& reason = slot->errors[static_cast<std::size_t>(r)];
      if (options_.strict) throw ImageError(dataset_->item_name(index), reason + " (strict mode)");
      SkippedImage skipped{index, dataset_->item_name(index), reason};
      bool first_time = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        first_time = skipped_indices_.insert(index).second;
        if (first_time) skipped_.push_back(skipped);
      }
      if (first_time && on_skip_) on_skip_(skipped);
      continue;
    }
    if (kept != r) {
      std::memmove(slot->data + kept * per_image, slot->data + r * per_image, sizeof(float) * per_image);
    }
    b.indices.push_back(index);
    ++kept;
  }
  b.images = kept == slot->rows ? slot->images : slot->images.narrow(0, 0, kept);
  b.labels = torch::empty({kept}, torch::kLong);
  auto* labels = b.labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < kept; ++i) labels[i] = dataset_->label(b.indices[static_cast<std::size_t>(i)]);
  return b;
}

}  // namespace fixres::data
