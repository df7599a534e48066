#include "fixres/data/sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace fixres::data {
namespace {

std::vector<std::int64_t> randperm_with(std::int64_t n, at::Generator& gen) {
  const torch::Tensor p = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kLong));
  const auto* d = p.data_ptr<std::int64_t>();
  return std::vector<std::int64_t>(d, d + n);
}

std::vector<std::int64_t> arange(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

void check_rank(std::int64_t world, std::int64_t rank, const char* who) {
  if (world < 1 || rank < 0 || rank >= world) {
    throw std::invalid_argument(std::string(who) + ": rank " + std::to_string(rank) + " outside [0, " +
                                std::to_string(world) + ")");
  }
}

}  // namespace

std::vector<std::int64_t> seeded_randperm(std::int64_t n, std::uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return randperm_with(n, gen);
}

SequentialSampler::SequentialSampler(std::int64_t n) : n_(n) {}

std::vector<std::int64_t> SequentialSampler::indices(std::int64_t) const { return arange(n_); }

ShuffledSampler::ShuffledSampler(std::int64_t n, std::uint64_t seed) : n_(n), seed_(seed) {}

std::vector<std::int64_t> ShuffledSampler::indices(std::int64_t epoch) const {
  return seeded_randperm(n_, seed_ + static_cast<std::uint64_t>(epoch));
}

DistributedSampler::DistributedSampler(std::int64_t n, DistributedOptions options) : n_(n), options_(options) {
  check_rank(options_.world_size, options_.rank, "DistributedSampler");
  const std::int64_t w = options_.world_size;
  if (options_.drop_last && n_ % w != 0) {
    num_samples_ = static_cast<std::int64_t>(std::ceil(static_cast<double>(n_ - w) / static_cast<double>(w)));
  } else {
    num_samples_ = static_cast<std::int64_t>(std::ceil(static_cast<double>(n_) / static_cast<double>(w)));
  }
}

std::vector<std::int64_t> DistributedSampler::indices(std::int64_t epoch) const {
  std::vector<std::int64_t> all =
      options_.shuffle ? seeded_randperm(n_, options_.seed + static_cast<std::uint64_t>(epoch)) : arange(n_);
  const std::int64_t total = num_samples_ * options_.world_size;
  if (!options_.drop_last) {
    const std::size_t original = all.size();
    for (std::size_t i = 0; static_cast<std::int64_t>(all.size()) < total && original > 0; ++i) {
      all.push_back(all[i % original]);
    }
  } else {
    all.resize(static_cast<std::size_t>(total));
  }
  std::vector<std::int64_t> mine;
  mine.reserve(static_cast<std::size_t>(num_samples_));
  for (std::int64_t i = options_.rank; i < total; i += options_.world_size) mine.push_back(all[static_cast<std::size_t>(i)]);
  return mine;
}

RepeatedAugmentationSampler::RepeatedAugmentationSampler(std::int64_t n, RepeatedAugmentationOptions options)
    : n_(n), options_(options) {
  check_rank(options_.world_size, options_.rank, "RepeatedAugmentationSampler");
  if (n_ <= 0 || options_.repetitions < 1 || options_.len_factor <= 0.0) {
    throw std::invalid_argument("RepeatedAugmentationSampler: needs a non-empty dataset, repetitions >= 1, "
                                "len_factor > 0");
  }
  len_images_ = static_cast<std::int64_t>(static_cast<double>(n_) * options_.len_factor);
  num_samples_ = static_cast<std::int64_t>(
      std::ceil(static_cast<double>(n_ * options_.repetitions) / static_cast<double>(options_.world_size)));
  const std::int64_t total = num_samples_ * options_.world_size;
  if (total < len_images_ || total - len_images_ > len_images_) {
    throw std::invalid_argument("RepeatedAugmentationSampler: epoch length int(n * len_factor) = " +
                                std::to_string(len_images_) + " cannot be padded to " + std::to_string(total) +
                                " (FixRes's RASampler asserts here); use len_factor <= repetitions");
  }
}

std::vector<std::int64_t> RepeatedAugmentationSampler::indices(std::int64_t epoch) const {
  at::Generator gen = at::detail::createCPUGenerator(options_.seed + static_cast<std::uint64_t>(epoch));
  std::vector<std::int64_t> stream;
  stream.reserve(static_cast<std::size_t>(len_images_));
  std::vector<std::int64_t> perm;
  std::size_t next = 0;
  while (static_cast<std::int64_t>(stream.size()) < len_images_) {
    if (next == perm.size()) {
      perm = options_.shuffle ? randperm_with(n_, gen) : arange(n_);
      next = 0;
    }
    const std::int64_t index = perm[next++];
    for (std::int64_t r = 0; r < options_.repetitions && static_cast<std::int64_t>(stream.size()) < len_images_; ++r) {
      stream.push_back(index);
    }
  }
  const std::int64_t total = num_samples_ * options_.world_size;
  const std::size_t head = stream.size();
  for (std::size_t i = 0; static_cast<std::int64_t>(stream.size()) < total; ++i) {
    if (i >= head) break;
    stream.push_back(stream[i]);
  }
  std::vector<std::int64_t> mine;
  for (std::int64_t i = options_.rank; i < total; i += options_.world_size) mine.push_back(stream[static_cast<std::size_t>(i)]);
  return mine;
}

}  // namespace fixres::data
