#pragma once
/// --precision fp32|bf16: which arithmetic the networks' convolutions and matrix products use.
/// bf16 runs them autocast-style (engine/autocast.h): weights and optimiser state stay float32,
/// batch-norm statistics, softmax and the loss in float32, the convolutions and linear layers in
/// bfloat16 through oneDNN's native kernels. Those kernels exist on CPUs with AVX512-BF16 or AMX;
/// elsewhere bf16 would be emulated, slower than fp32, so it is refused. Torch-free.

#include <string>

namespace fixres::engine {

/// Whether this CPU has native bfloat16 arithmetic (avx512_bf16 or amx_bf16 in /proc/cpuinfo).
bool cpu_has_bf16();

/// Checks --precision for a run on `device` ("cpu", "cuda", "cuda:N"): throws
/// std::invalid_argument naming the flag for an unknown value, or for bf16 on a CPU device whose
/// processor lacks native bfloat16 (saying which processor and what it needs).
void check_precision(const std::string& precision, const std::string& device);

}  // namespace fixres::engine
