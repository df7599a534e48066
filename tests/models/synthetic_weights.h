#pragma once
// The deterministic synthetic weights of tools/fixtures/models.py, regenerated bit for bit so
// that parity fixtures need no committed weight files (see that script's docstring).

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace fixres::testing {

inline std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

/// u_i in [-1, 1): splitmix64(fnv1a64(name) + (i+1)·golden) >> 40, · 2^-23 − 1 (exact in float).
inline float synthetic_uniform(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 8388608.0f) - 1.0f;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Fills `tensor` (named `name` in the state dict) with the synthetic rule for that entry.
inline void fill_synthetic(const std::string& name, torch::Tensor tensor) {
  torch::NoGradGuard no_grad;
  if (ends_with(name, "num_batches_tracked")) {
    tensor.zero_();
    return;
  }
  auto cpu = torch::empty(tensor.sizes(), torch::kFloat);
  float* out = cpu.data_ptr<float>();
  const auto n = static_cast<std::uint64_t>(cpu.numel());
  const std::uint64_t seed = fnv1a64(name);
  float scale = 0.f, offset = 0.f;
  if (ends_with(name, "pos_embed") || ends_with(name, "cls_token") || ends_with(name, "gamma")) {
    scale = 0.5f;
  } else if (tensor.dim() >= 2) {
    const double fan_in = static_cast<double>(cpu.numel() / tensor.size(0));
    scale = static_cast<float>(std::sqrt(6.0 / fan_in));
  } else if (ends_with(name, "running_var")) {
    offset = 1.0f, scale = 0.5f;
  } else if (ends_with(name, "running_mean")) {
    scale = 0.1f;
  } else if (ends_with(name, "weight")) {
    offset = 1.0f, scale = 0.25f;
  } else if (ends_with(name, "bias")) {
    scale = 0.1f;
  } else {
    TORCH_CHECK(false, "no synthetic rule for ", name);
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    const float u = synthetic_uniform(seed, i);
    out[i] = offset == 0.f ? u * scale : offset + scale * u;
  }
  tensor.copy_(cpu);
}

/// Fills every parameter and buffer of `module` (state-dict names, recursively).
inline void fill_synthetic(torch::nn::Module& module, const std::string& prefix = "") {
  for (auto& p : module.named_parameters(/*recurse=*/false)) fill_synthetic(prefix + p.key(), p.value());
  for (auto& b : module.named_buffers(/*recurse=*/false)) fill_synthetic(prefix + b.key(), b.value());
  for (auto& child : module.named_children()) fill_synthetic(*child.value(), prefix + child.key() + ".");
}

}  // namespace fixres::testing
