#include "fixres/dist/bucketing.h"

#include <algorithm>
#include <map>
#include <utility>

namespace fixres::dist {

std::vector<std::vector<std::size_t>> assign_buckets(const std::vector<torch::Tensor>& tensors,
                                                     std::int64_t bucket_bytes) {
  struct Open {
    std::vector<std::size_t> positions;
    std::int64_t bytes = 0;
  };
  std::vector<std::vector<std::size_t>> buckets;
  std::map<std::pair<int, std::string>, Open> open;  // (dtype, device) -> bucket being filled
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& tensor = tensors[i];
    if (!tensor.defined()) continue;
    const auto key = std::make_pair(static_cast<int>(tensor.scalar_type()), tensor.device().str());
    const std::int64_t bytes = tensor.numel() * static_cast<std::int64_t>(tensor.element_size());
    Open& bucket = open[key];
    if (!bucket.positions.empty() && bucket.bytes + bytes > bucket_bytes) {
      buckets.push_back(std::move(bucket.positions));
      bucket = Open{};
    }
    bucket.positions.push_back(i);
    bucket.bytes += bytes;
  }
  for (auto& entry : open) {
    if (!entry.second.positions.empty()) buckets.push_back(std::move(entry.second.positions));
  }
  // Deterministic order on every rank: by first tensor.
  std::sort(buckets.begin(), buckets.end(),
            [](const auto& a, const auto& b) { return a.front() < b.front(); });
  return buckets;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors,
                      const std::vector<std::size_t>& positions) {
  std::vector<torch::Tensor> parts;
  parts.reserve(positions.size());
  for (std::size_t position : positions) parts.push_back(tensors[position].detach().reshape({-1}));
  return torch::cat(parts);
}

void unflatten_into(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors,
                    const std::vector<std::size_t>& positions) {
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (std::size_t position : positions) {
    const torch::Tensor& tensor = tensors[position];
    const std::int64_t n = tensor.numel();
    tensor.copy_(flat.narrow(0, offset, n).view(tensor.sizes()));
    offset += n;
  }
  TORCH_INTERNAL_ASSERT(offset == flat.numel(), "unflatten: ", offset, " elements used of ",
                        flat.numel());
}

}  // namespace fixres::dist
