#include <algorithm>
#include "fixres/models/state_dict_loading.h"

#include <array>
#include <cstring>
#include <unordered_map>
#include <utility>

namespace fixres::models {
namespace {

constexpr std::array<std::pair<io::DType, torch::ScalarType>, 10> kTypes = {{
    {io::DType::Float32, torch::kFloat32},
    {io::DType::Float64, torch::kFloat64},
    {io::DType::Float16, torch::kFloat16},
    {io::DType::BFloat16, torch::kBFloat16},
    {io::DType::Int64, torch::kInt64},
    {io::DType::Int32, torch::kInt32},
    {io::DType::Int16, torch::kInt16},
    {io::DType::Int8, torch::kInt8},
    {io::DType::UInt8, torch::kUInt8},
    {io::DType::Bool, torch::kBool},
}};

torch::ScalarType scalar_type(io::DType dtype) {
  for (const auto& [d, s] : kTypes) {
    if (d == dtype) return s;
  }
  TORCH_CHECK(false, "no torch dtype for ", io::dtype_name(dtype));
}

io::DType raw_dtype(torch::ScalarType type) {
  for (const auto& [d, s] : kTypes) {
    if (s == type) return d;
  }
  TORCH_CHECK(false, "from_torch: dtype ", type, " cannot be stored in a checkpoint");
}

std::string shape_text(torch::IntArrayRef sizes) {
  return io::shape_string(std::vector<std::int64_t>(sizes.begin(), sizes.end()));
}

void append_list(std::string& out, const char* title, const std::vector<std::string>& items, std::size_t shown) {
  if (items.empty()) return;
  out += std::string(title) + " (" + std::to_string(items.size()) + "):";
  const std::size_t n = shown == 0 ? items.size() : std::min(shown, items.size());
  for (std::size_t i = 0; i < n; ++i) out += "\n  " + items[i];
  if (n < items.size()) out += "\n  … " + std::to_string(items.size() - n) + " more: --verbose lists all";
  out += "\n";
}

bool is_batch_norm_counter(const std::string& name) {
  static const std::string suffix = "num_batches_tracked";
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

torch::Tensor to_torch(const io::RawTensor& raw) {
  torch::Tensor out = torch::empty(raw.shape, torch::TensorOptions().dtype(scalar_type(raw.dtype)));
  io::copy_to_contiguous(raw, static_cast<std::uint8_t*>(out.data_ptr()));
  return out;
}

io::RawTensor from_torch(const torch::Tensor& tensor) {
  const torch::Tensor source = tensor.detach();
  const io::DType dtype = raw_dtype(source.scalar_type());
  std::vector<std::int64_t> shape(source.sizes().begin(), source.sizes().end());
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(source.numel()) * io::dtype_size(dtype));
  if (!bytes.empty()) {
    torch::Tensor dense = torch::from_blob(bytes.data(), source.sizes(), torch::TensorOptions().dtype(source.scalar_type()));
    dense.copy_(source);  // one copy, from any device and layout
  }
  return io::make_tensor(dtype, std::move(shape), std::move(bytes));
}

std::string LoadReport::describe(std::size_t shown) const {
  if (ok()) return "all " + std::to_string(loaded) + " tensors loaded";
  // The mis-shaped keys first: they explain a checkpoint of the wrong width or class count.
  std::string out;
  append_list(out, "shape mismatches", mismatched, shown);
  append_list(out, "missing keys", missing, shown);
  append_list(out, "unexpected keys", unexpected, shown);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

LoadReport load_state_dict(torch::nn::Module& module, const io::StateDict& weights, bool strict, std::size_t shown) {
  std::unordered_map<std::string, const io::RawTensor*> by_name;
  for (const auto& [name, tensor] : weights) by_name.emplace(name, &tensor);

  LoadReport report;
  std::vector<std::pair<torch::Tensor, const io::RawTensor*>> copies;
  std::unordered_map<std::string, bool> used;
  auto visit = [&](const std::string& name, const torch::Tensor& target) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      // BatchNorm state dicts from before PyTorch 0.4.1 have no counter; PyTorch's own loader
      // accepts them (the counter only matters for momentum=None).
      if (!is_batch_norm_counter(name)) report.missing.push_back(name);
      return;
    }
    used[name] = true;
    const io::RawTensor& raw = *it->second;
    if (raw.shape != std::vector<std::int64_t>(target.sizes().begin(), target.sizes().end())) {
      report.mismatched.push_back(name + ": expected " + shape_text(target.sizes()) + ", got " + io::shape_string(raw.shape));
      return;
    }
    copies.emplace_back(target, &raw);
  };
  for (const auto& item : module.named_parameters(/*recurse=*/true)) visit(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) visit(item.key(), item.value());
  for (const auto& [name, tensor] : weights) {
    if (!used.count(name)) report.unexpected.push_back(name);
  }
  TORCH_CHECK(!strict || report.ok(), "load_state_dict: the weights do not match the model (strict loading):\n",
              report.describe(shown));

  torch::NoGradGuard no_grad;
  for (auto& [target, raw] : copies) {
    io::prefetch_pages(*raw);
    const bool direct = target.device().is_cpu() && target.is_contiguous() && target.scalar_type() == scalar_type(raw->dtype);
    if (direct) {
      io::copy_to_contiguous(*raw, static_cast<std::uint8_t*>(target.data_ptr()));
    } else {
      target.copy_(to_torch(*raw));
    }
    io::release_pages(*raw);
    ++report.loaded;
  }
  return report;
}

std::vector<std::pair<std::string, torch::Tensor>> state_dict_tensors(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& sub : module.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const std::string prefix = sub.key().empty() ? "" : sub.key() + ".";
    for (const auto& p : sub.value()->named_parameters(/*recurse=*/false)) out.emplace_back(prefix + p.key(), p.value());
    for (const auto& b : sub.value()->named_buffers(/*recurse=*/false)) out.emplace_back(prefix + b.key(), b.value());
  }
  return out;
}

io::StateDict module_state_dict(const torch::nn::Module& module) {
  io::StateDict out;
  for (const auto& [name, tensor] : state_dict_tensors(module)) out.emplace_back(name, from_torch(tensor));
  return out;
}

}  // namespace fixres::models
