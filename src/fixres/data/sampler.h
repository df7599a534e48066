#pragma once
/// Which dataset indices a process reads in each epoch, in order. Shuffles use torch.randperm
/// with a generator seeded (seed + epoch), exactly as PyTorch's DistributedSampler does, so the
/// distributed sampler yields PyTorch's own index lists.

#include <cstdint>
#include <utility>
#include <vector>

namespace fixres::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  /// The indices of epoch `epoch` for this process.
  virtual std::vector<std::int64_t> indices(std::int64_t epoch) const = 0;
  /// len(sampler): how many indices each epoch yields.
  virtual std::int64_t size() const = 0;
  /// Where this process's `position`-th index of an epoch sits in the one sequence all ranks
  /// share (rank + position·world_size for the samplers that deal it out rank by rank). Each
  /// sample's augmentation is drawn from this global position, so N ranks augment exactly the
  /// samples one process would, exactly as it would (N ranks × batch B train as 1 × N·B).
  virtual std::int64_t global_position(std::int64_t position) const { return position; }
};

/// 0, 1, …, n-1 (torch SequentialSampler).
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(std::int64_t n);
  std::vector<std::int64_t> indices(std::int64_t epoch) const override;
  std::int64_t size() const override { return n_; }

 private:
  std::int64_t n_;
};

/// A fixed list of indices, the same every epoch (the frozen-trunk cache re-reads a few images).
class ListSampler : public Sampler {
 public:
  explicit ListSampler(std::vector<std::int64_t> indices) : indices_(std::move(indices)) {}
  std::vector<std::int64_t> indices(std::int64_t) const override { return indices_; }
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }

 private:
  std::vector<std::int64_t> indices_;
};

/// A permutation per epoch: torch.randperm(n, generator seeded seed + epoch).
class ShuffledSampler : public Sampler {
 public:
  ShuffledSampler(std::int64_t n, std::uint64_t seed);
  std::vector<std::int64_t> indices(std::int64_t epoch) const override;
  std::int64_t size() const override { return n_; }

 private:
  std::int64_t n_;
  std::uint64_t seed_;
};

struct DistributedOptions {
  std::int64_t world_size = 1;
  std::int64_t rank = 0;
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;
};

/// torch.utils.data.DistributedSampler: (shuffled) indices padded by repeating from the start to
/// a multiple of world_size (or truncated with drop_last), then every world_size-th from rank.
class DistributedSampler : public Sampler {
 public:
  DistributedSampler(std::int64_t n, DistributedOptions options);
  std::vector<std::int64_t> indices(std::int64_t epoch) const override;
  std::int64_t size() const override { return num_samples_; }
  std::int64_t global_position(std::int64_t position) const override {
    return options_.rank + position * options_.world_size;
  }

 private:
  std::int64_t n_;
  DistributedOptions options_;
  std::int64_t num_samples_;
};

struct RepeatedAugmentationOptions {
  std::int64_t world_size = 1;
  std::int64_t rank = 0;
  std::int64_t repetitions = 3;
  double len_factor = 2.0;
  bool shuffle = true;
  std::uint64_t seed = 0;
};

/// FixRes's RASampler (imnet_resnet50_scratch/samplers.py): a stream of permutations with each
/// index repeated `repetitions` times, cut to int(n * len_factor), padded from its start to
/// ceil(n * repetitions / world) * world, then every world-th from rank. (FixRes draws the
/// permutations from NumPy's global state; here they come from torch.randperm seeded seed + epoch.)
class RepeatedAugmentationSampler : public Sampler {
 public:
  /// Throws std::invalid_argument for settings on which FixRes's own assertion fails.
  RepeatedAugmentationSampler(std::int64_t n, RepeatedAugmentationOptions options);
  std::vector<std::int64_t> indices(std::int64_t epoch) const override;
  std::int64_t size() const override { return num_samples_; }
  std::int64_t global_position(std::int64_t position) const override {
    return options_.rank + position * options_.world_size;
  }

 private:
  std::int64_t n_;
  RepeatedAugmentationOptions options_;
  std::int64_t num_samples_;
  std::int64_t len_images_;
};

/// torch.randperm(n, generator=torch.Generator().manual_seed(seed)).
std::vector<std::int64_t> seeded_randperm(std::int64_t n, std::uint64_t seed);

}  // namespace fixres::data
