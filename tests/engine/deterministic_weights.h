#pragma once
// The deterministic weight fill of tools/fixtures/finetune.py, bit for bit: stands in for released
// weights (ResNet-50's are 100 MB) in the fine-tuning parity and resume tests. For the tensor NAME
// with n elements, k = crc32(NAME), element i draws
//   u = (i + 1) * 0x9E3779B97F4A7C15 + (k + 1) * 0xBF58476D1CE4E5B9  (mod 2^64)
//   x = (u >> 40) * 2^-24 - 0.5                                      (float32, exact)
// and becomes (float32 operations, one rounding each, as numpy does them):
//   running_var x*0.5+0.75, running_mean x*0.1, num_batches_tracked 0,
//   >= 2-D weights x*float32(sqrt(12/fan_in)), other weights x*0.2+1, biases x*0.1.

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "fixres/io/crc32.h"
#include "fixres/io/raw_tensor.h"
#include "fixres/io/state_dict.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::testing {

inline bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline torch::Tensor deterministic_tensor(const std::string& name, const torch::Tensor& like) {
  if (ends_with(name, "num_batches_tracked")) return torch::zeros_like(like, torch::kCPU);
  const std::int64_t n = like.numel();
  const std::uint64_t k = io::crc32_update(0, name.data(), name.size());
  const std::uint64_t offset = (k + 1) * 0xBF58476D1CE4E5B9ULL;
  torch::Tensor x = torch::empty({n}, torch::kFloat32);
  float* out = x.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t u = static_cast<std::uint64_t>(i + 1) * 0x9E3779B97F4A7C15ULL + offset;
    out[i] = static_cast<float>(u >> 40) * 0x1.0p-24f - 0.5f;  // both steps exact
  }
  auto mul = [&](float s) { return x.mul(torch::scalar_tensor(s, torch::kFloat32)); };
  auto add = [](const torch::Tensor& t, float s) { return t.add(torch::scalar_tensor(s, torch::kFloat32)); };
  torch::Tensor v;
  if (ends_with(name, "running_var")) {
    v = add(mul(0.5f), 0.75f);
  } else if (ends_with(name, "running_mean")) {
    v = mul(0.1f);
  } else if (like.dim() >= 2) {
    v = mul(static_cast<float>(std::sqrt(12.0 / static_cast<double>(n / like.size(0)))));
  } else if (ends_with(name, "weight")) {
    v = add(mul(0.2f), 1.0f);
  } else {
    v = mul(0.1f);
  }
  return v.reshape(like.sizes()).contiguous();
}

/// The fill for every tensor of `module`'s state dict, in its order.
inline io::StateDict deterministic_state_dict(const torch::nn::Module& module) {
  io::StateDict weights = models::module_state_dict(module);
  for (auto& [name, raw] : weights) {
    raw = models::from_torch(deterministic_tensor(name, models::to_torch(raw)));
  }
  return weights;
}

/// crc32 of a tensor's bytes (C order), as zlib.crc32(array.tobytes()).
inline std::uint32_t tensor_crc32(const io::RawTensor& raw) {
  torch::Tensor t = models::to_torch(raw).contiguous();
  return io::crc32_update(0, t.data_ptr(), static_cast<std::size_t>(t.numel()) * t.element_size());
}

}  // namespace fixres::testing
