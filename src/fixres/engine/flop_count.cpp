#include "fixres/engine/flop_count.h"

#include <algorithm>

#include <ATen/record_function.h>

#include <cstdint>
#include <memory>

namespace fixres::engine {
namespace {

thread_local double multiply_adds = 0.0;
thread_local int inside_linear = 0;  // aten::linear/matmul may run as addmm/mm/bmm: count the outer op

double numel(c10::IntArrayRef shape) {
  double n = 1.0;
  for (auto d : shape) n *= static_cast<double>(d);
  return n;
}

/// aten::convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
double convolution_multiply_adds(c10::ArrayRef<const c10::IValue> in) {
  const auto input = in[0].toTensor().sizes(), weight = in[1].toTensor().sizes();
  const auto stride = in[3].toIntVector(), padding = in[4].toIntVector(), dilation = in[5].toIntVector();
  // A one-element list applies to every spatial dimension (torch.conv2d(x, w) passes [1]).
  auto at = [](const std::vector<std::int64_t>& values, std::size_t d) {
    return values.empty() ? std::int64_t{0} : values[std::min(d, values.size() - 1)];
  };
  double out_positions = static_cast<double>(input[0]) * static_cast<double>(weight[0]);
  for (std::size_t d = 0; d + 2 < input.size(); ++d) {
    const std::int64_t span = std::max<std::int64_t>(1, at(dilation, d)) * (weight[d + 2] - 1) + 1;
    const std::int64_t step = std::max<std::int64_t>(1, at(stride, d));
    out_positions *= static_cast<double>((input[d + 2] + 2 * at(padding, d) - span) / step + 1);
  }
  // Each output value sums (in channels / groups) x kernel products: weight's dims 1… exactly.
  return out_positions * numel(weight.slice(1));
}

/// aten::linear(input, weight, bias): every output value sums in_features products.
double linear_multiply_adds(c10::ArrayRef<const c10::IValue> in) {
  const auto input = in[0].toTensor().sizes(), weight = in[1].toTensor().sizes();
  return numel(input.slice(0, input.size() - 1)) * numel(weight);
}

/// aten::addmm(bias, mat1, mat2): what LibTorch's F::linear runs for a 2-D input.
double addmm_multiply_adds(c10::ArrayRef<const c10::IValue> in) {
  const auto a = in[1].toTensor().sizes(), b = in[2].toTensor().sizes();
  return static_cast<double>(a[0]) * static_cast<double>(a[1]) * static_cast<double>(b[1]);
}

/// aten::matmul(a, b) outside a linear (a ViT's attention): batch dims × rows × inner × columns.
double matmul_multiply_adds(c10::ArrayRef<const c10::IValue> in) {
  const auto a = in[0].toTensor().sizes(), b = in[1].toTensor().sizes();
  if (a.empty() || b.size() < 2) return numel(a);  // vector products: one multiply-add per element
  return numel(a) * static_cast<double>(b[b.size() - 1]);
}

std::unique_ptr<at::ObserverContext> enter(const at::RecordFunction& fn) {
  const c10::string_view name(fn.name());
  if (name == "aten::convolution") multiply_adds += convolution_multiply_adds(fn.inputs());
  if (name == "aten::linear" || name == "aten::matmul") {
    if (inside_linear == 0) {
      multiply_adds += name == "aten::linear" ? linear_multiply_adds(fn.inputs()) : matmul_multiply_adds(fn.inputs());
    }
    ++inside_linear;
  }
  if (name == "aten::addmm" && inside_linear == 0) multiply_adds += addmm_multiply_adds(fn.inputs());
  return nullptr;
}

void leave(const at::RecordFunction& fn, at::ObserverContext*) {
  const c10::string_view name(fn.name());
  if (name == "aten::linear" || name == "aten::matmul") --inside_linear;
}

}  // namespace

double forward_gflops(const ModelSetup& setup, int size) {
  c10::InferenceMode inference_mode;
  setup.model->eval();
  const torch::Tensor x = setup.prepare_input(torch::zeros({1, 3, size, size}));
  multiply_adds = 0.0;
  inside_linear = 0;
  const at::CallbackHandle handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(enter, leave).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
  try {
    setup.model->forward(x);
  } catch (...) {
    at::removeCallback(handle);
    throw;
  }
  at::removeCallback(handle);
  return 2.0 * multiply_adds / 1e9;
}

}  // namespace fixres::engine
