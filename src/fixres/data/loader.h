#pragma once
/// The threaded data loader: worker threads decode and transform samples into batch tensors
/// ahead of the consumer (a bounded number of batches in flight). Every sample's augmentation
/// comes from Rng::for_sample(seed, epoch, global position in the epoch), so the
/// batches are the same whatever the number of workers. Images that cannot be decoded are
/// skipped (the batch is shorter), counted and reported once each; `strict` makes them fatal.

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fixres/data/batch_pool.h"
#include "fixres/data/dataset.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/sampler.h"

namespace fixres::data {

struct LoaderOptions {
  std::int64_t batch_size = 32;
  int workers = 4;               ///< decoding threads; 0 decodes in the thread calling next()
  int prefetch_batches = 4;      ///< batches prepared ahead of the consumer (>= 1)
  bool drop_last = false;        ///< drop the last partial batch
  bool channels_last = false;    ///< images in channels-last memory format (shape stays NCHW)
  bool pin_memory = false;       ///< page-locked batches, for CUDA transfers (ignored without CUDA)
  bool strict = false;           ///< an undecodable image is an error instead of a skip
  std::uint64_t seed = 0;        ///< augmentation seed
};

/// One batch: images N x 3 x S x S float32 (normalised), labels N int64, the dataset indices.
struct Batch {
  torch::Tensor images;
  torch::Tensor labels;
  std::vector<std::int64_t> indices;
};

struct SkippedImage {
  std::int64_t index = 0;
  std::string name;    ///< the path
  std::string reason;  ///< the decoder's message
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const Sampler> sampler, Pipeline pipeline,
         LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  /// Starts producing epoch `epoch` (an unfinished previous epoch is abandoned).
  void start_epoch(std::int64_t epoch);
  /// The next batch of the current epoch, std::nullopt after the last one. Throws ImageError
  /// (strict) or any other error a worker met.
  std::optional<Batch> next();

  /// Batches per epoch (before skips).
  std::int64_t batches_per_epoch() const;
  /// Samples per epoch (before skips).
  std::int64_t samples_per_epoch() const;
  /// Distinct images skipped so far (all epochs).
  std::int64_t skipped_count() const;
  std::vector<SkippedImage> skipped() const;
  /// Called from next()'s thread the first time each image is skipped.
  void set_on_skip(std::function<void(const SkippedImage&)> callback) { on_skip_ = std::move(callback); }

  const Dataset& dataset() const { return *dataset_; }
  const Pipeline& pipeline() const { return pipeline_; }
  const LoaderOptions& options() const { return options_; }

 private:
  struct Slot;
  void stop_workers();
  void worker_loop();
  std::unique_ptr<Slot> make_slot(std::int64_t batch) const;
  void process(Slot& slot, std::int64_t position) const;
  Batch finish(std::unique_ptr<Slot> slot);

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const Sampler> sampler_;
  Pipeline pipeline_;
  LoaderOptions options_;
  std::function<void(const SkippedImage&)> on_skip_;
  std::unique_ptr<BatchPool> pool_;  // keeps nothing for page-locked batches

  // Current epoch.
  std::int64_t epoch_ = 0;
  std::vector<std::int64_t> order_;
  std::int64_t samples_ = 0;  // samples this epoch delivers (drop_last applied)
  std::int64_t next_sample_ = 0;
  std::int64_t next_batch_ = 0;  // the consumer's next batch
  std::map<std::int64_t, std::unique_ptr<Slot>> slots_;
  bool stopping_ = false;
  std::exception_ptr worker_error_;  // a worker could not set up a batch (e.g. out of memory)
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;

  // Skips over all epochs.
  std::set<std::int64_t> skipped_indices_;
  std::vector<SkippedImage> skipped_;
};

}  // namespace fixres::data
