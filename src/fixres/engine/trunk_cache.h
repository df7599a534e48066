#pragma once
/// The frozen-trunk cache of FixRes fine-tuning. With the test-style transform (`--transforms v1`)
/// every layer before the first trainable or train-mode layer is frozen, in eval mode, and fed a
/// deterministic function of the image: its output is the same in every epoch. The cache computes
/// it once per image (models::FeatureCut::prefix), keeps it, and from then on runs only the layers
/// after the cut (the suffix and the classifier).
///
/// Exactness. A convolution's result for one image depends on the batch size it ran in (oneDNN
/// picks its blocking from the shapes; measured: batches of 1 and 3 differ from 13 in the last
/// bits), not on which other images share the batch. So a stored state records the batch size it
/// was computed in, and a batch takes its states from the store only when every one of them was
/// computed in a batch of that size; any other batch (a shorter last batch, one shortened by a
/// skipped image, an image this rank has not seen yet) is decoded and computed as the uncached run
/// computes it. The checkpoints are then bit-identical to an uncached run's on the same machine
/// with the same threads (tests/engine/trunk_cache_test.cpp).
///
/// Storage: rows in memory within the budget (--cache-memory), beyond it in a file under
/// --cache-dir, reserved before the first row is written (posix_fallocate: a full disk is found
/// before training, not as a crash in the middle) and read back mapped. The file is unlinked as
/// soon as it is open: no other run can ever read it and nothing is left behind, even after
/// kill -9. Rows that fit in neither are computed every epoch.

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fixres/core/reporter.h"
#include "fixres/core/training_config.h"
#include "fixres/data/dataset.h"
#include "fixres/data/loader.h"
#include "fixres/data/pipeline.h"
#include "fixres/models/classifier.h"

namespace fixres::engine {

struct ModelSetup;

/// The last of `model`'s cuts (in its current modes) before which every parameter is frozen and
/// every leaf module is in eval mode; nullopt when there is none (training from scratch).
std::optional<models::FeatureCut> frozen_cut(models::Classifier& model);

/// Half of the memory the system reports available (/proc/meminfo's MemAvailable); 1 GiB when
/// it cannot be read.
std::int64_t default_cache_memory();

/// The memory and the folder the stores of one run share.
struct CacheBudget {
  std::int64_t memory_left = 0;
  std::string dir;
};

/// The per-image states of one dataset at one cut (see the file comment for where rows live).
class FeatureStore {
 public:
  /// `images`: the dataset's size (indices 0…images-1); `full_batch`: the run's batch size, whose
  /// states replace those computed in other batch sizes.
  FeatureStore(std::int64_t images, std::int64_t full_batch, std::shared_ptr<CacheBudget> budget);
  ~FeatureStore();
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  /// Whether every image of `indices` is stored as computed in a batch of indices.size().
  bool holds(const std::vector<std::int64_t>& indices) const;
  /// Share of `order` stored at all.
  double stored_fraction(const std::vector<std::int64_t>& order) const;
  /// Stores the rows of `state` (CPU tensors, one row per image of `indices`, computed as one
  /// batch) where there is room: an absent row, or one computed in another batch size when this
  /// batch is full-size.
  void put(const std::vector<std::int64_t>& indices, const std::vector<torch::Tensor>& state);
  /// The stored states of `indices` as one batch (CPU, in the layout they were computed in).
  std::vector<torch::Tensor> get(const std::vector<std::int64_t>& indices) const;

  /// Images a loader skipped (undecodable): later passes leave them out without reading them.
  void mark_skipped(const data::SkippedImage& image) { skipped_.emplace(image.index, image); }
  bool is_skipped(std::int64_t index) const { return skipped_.count(index) != 0; }
  /// The skipped images, in index order.
  std::vector<data::SkippedImage> skipped() const;

  /// Whether `state` (one batch) can be stored: every tensor one dense block per image.
  static bool storable(const std::vector<torch::Tensor>& state);
  /// Bytes of one image's state (0 before the first put).
  std::int64_t row_bytes() const { return row_bytes_; }
  /// "1,000 images × 784.0 KiB: 1,000 in memory (765.6 MiB)" (+ file rows, + rows left out).
  std::string describe() const;
  /// A sentence about storage that fell short (the file could not be reserved), empty otherwise.
  const std::string& warning() const { return warning_; }

 private:
  struct Part {
    std::vector<std::int64_t> sizes, strides;  // per image (the batch dimension removed)
    torch::ScalarType dtype = torch::kFloat32;
    std::int64_t bytes = 0;
  };
  void allocate(const std::vector<torch::Tensor>& state);
  char* row(std::int64_t slot) const;

  std::int64_t images_, full_batch_;
  std::shared_ptr<CacheBudget> budget_;
  std::vector<Part> parts_;
  std::int64_t row_bytes_ = 0;
  std::vector<std::int64_t> slot_;        // per image: its row, -1 none
  std::vector<std::int32_t> batch_size_;  // per image: the batch size its row was computed in
  std::int64_t next_slot_ = 0;
  std::int64_t memory_rows_ = 0, file_rows_ = 0;
  std::unique_ptr<char[]> memory_;
  char* mapped_ = nullptr;
  std::size_t mapped_bytes_ = 0;
  std::string file_dir_, warning_;
  std::map<std::int64_t, data::SkippedImage> skipped_;
};

/// The batches of one pass over `order` (a rank's sampler order of `epoch`, chunked by the loader
/// options' batch size, as data::Loader chunks it): a batch whose states the store holds comes
/// without images (labels and indices only); any other is decoded in this thread, as the loader
/// would decode it.
class StoredBatches {
 public:
  StoredBatches(FeatureStore& store, std::shared_ptr<const data::Dataset> dataset, data::Pipeline pipeline,
                data::LoaderOptions options, std::vector<std::int64_t> order, std::int64_t epoch,
                std::function<void(const data::SkippedImage&)> on_skip);
  std::optional<data::Batch> next();

 private:
  FeatureStore& store_;
  std::shared_ptr<const data::Dataset> dataset_;
  data::Pipeline pipeline_;
  data::LoaderOptions options_;
  std::vector<std::int64_t> order_;
  std::int64_t epoch_, position_ = 0;
  std::function<void(const data::SkippedImage&)> on_skip_;
};

/// The cut a fine-tuning run caches at, with a store for its training and its validation images.
class TrunkCache {
 public:
  enum class Set { Train, Val };
  TrunkCache(models::FeatureCut cut, const ModelSetup& setup, std::shared_ptr<CacheBudget> budget,
             std::int64_t train_images, std::int64_t val_images, std::int64_t batch, Reporter reporter);

  /// The logits of `batch`: from the stored states when the set's store holds them all, else the
  /// prefix of its images (then stored) — then the suffix and the classifier.
  torch::Tensor logits(Set set, const data::Batch& batch);
  FeatureStore& store(Set set) { return set == Set::Train ? train_ : val_; }
  const models::FeatureCut& cut() const { return cut_; }
  /// "frozen-trunk cache: the layers before layer4.2.bn3 run once per image …".
  std::string describe() const;
  /// Once per set, after its first pass filled the store: where its states are kept, and what did
  /// not fit (a file that could not be reserved); empty before, and after the first call.
  std::vector<std::string> storage_report(Set set);

 private:
  models::FeatureCut cut_;
  const ModelSetup& setup_;
  /// Set when the trunk's output turned out not to be storable: every batch then runs prefix and
  /// suffix (what forward_features computes) and nothing is stored.
  bool unstorable_ = false;
  FeatureStore train_, val_;
  bool reported_[2] = {false, false};
  Reporter reporter_;
};

/// A pass reads the store (StoredBatches) instead of decoding when it holds at least this share
/// of the pass's images; below it the threaded loader decodes ahead and the store only saves the
/// trunk's compute.
constexpr double kStoredPassThreshold = 0.9;

struct TrainingPlan;

/// The cache of a fine-tuning run, or null with the reason reported: it is used when the plan
/// allows it (finetune), --no-cache is not given, the training transform is deterministic (the
/// test transform at one size: v1 without --train-crop, no mixup/CutMix, no --progressive), there
/// is no --sync-bn, and the network has a frozen cut in its current modes (the caller has put it
/// in the plan's training modes).
std::unique_ptr<TrunkCache> open_trunk_cache(const ModelSetup& setup, const TrainingPlan& plan,
                                             const TrainingOptions& options, const data::PipelineSpec& train_spec,
                                             const Reporter& reporter);

}  // namespace fixres::engine
