#pragma once
/// The scope of a bf16 forward pass (--precision bf16, core/precision.h): LibTorch's autocast for
/// the device, as torch.autocast(device_type, dtype=torch.bfloat16) — convolutions, linear layers
/// and matrix products in bfloat16 on float32 weights (cast per call), batch-norm statistics and
/// the ops autocast keeps in float32 in float32. Thread-local, as autocast is: each thread that
/// runs a network opens its own. Backward passes run outside it, as in PyTorch. A disabled scope
/// does nothing.

#include <torch/torch.h>

namespace fixres::engine {

class AutocastScope {
 public:
  AutocastScope(bool enabled, torch::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_ = false;
  bool cuda_ = false;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kBFloat16;
};

}  // namespace fixres::engine
