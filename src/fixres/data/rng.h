#pragma once
/// The random numbers of the data pipeline. A generator is derived from (seed, epoch, stream,
/// position), so an augmentation depends only on which sample it is — never on which worker
/// thread handles it or in what order. Torch-free, header-only.

#include <cstdint>

namespace fixres::data {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(mix(seed)) {}

  /// The generator for the sample at (global) `position` of epoch `epoch`.
  static Rng for_sample(std::uint64_t seed, std::int64_t epoch, std::int64_t position) {
    std::uint64_t h = mix(seed ^ 0x6a09e667f3bcc909ULL);
    h = mix(h ^ static_cast<std::uint64_t>(epoch));
    h = mix(h ^ static_cast<std::uint64_t>(position));
    return Rng(h);
  }

  /// 64 random bits (splitmix64).
  std::uint64_t next_u64() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  /// Uniform float in [lo, hi), computed like torch's uniform_ on a float32 tensor
  /// (24 random bits scaled into the range).
  float uniform_float(float lo, float hi) {
    const float u = static_cast<float>(next_u64() >> 40) * 0x1.0p-24f;
    return u * (hi - lo) + lo;
  }

  /// Uniform integer in [lo, hi) (hi > lo); the modulo bias, range / 2^64, is negligible.
  std::int64_t randint(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next_u64() % static_cast<std::uint64_t>(hi - lo));
  }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace fixres::data
