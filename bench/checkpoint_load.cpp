// Loads a checkpoint's weights into LibTorch tensors the way `fixres` does (read_state_dict, then
// one contiguous torch tensor per entry, mapped pages prefetched before and released after each
// copy, as models::load_state_dict), and prints the load time. Built and driven by
// bench/checkpoint_load.sh, which compares it to Python's torch.load on the same file.
//   checkpoint_load FILE        load and report
//   checkpoint_load --baseline  nothing (process start-up memory, for reference)
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fixres/io/state_dict.h"
#include "fixres/models/state_dict_loading.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: checkpoint_load FILE | --baseline\n");
    return 2;
  }
  torch::set_num_threads(1);
  if (std::string(argv[1]) == "--baseline") {
    std::printf("baseline %zu\n", torch::zeros({1}).numel());
    return 0;
  }
  const auto start = std::chrono::steady_clock::now();
  const fixres::io::StateDict weights = fixres::io::read_state_dict(argv[1]);
  std::vector<torch::Tensor> tensors;
  tensors.reserve(weights.size());
  std::int64_t elements = 0;
  for (const auto& [name, raw] : weights) {
    fixres::io::prefetch_pages(raw);
    tensors.push_back(fixres::models::to_torch(raw));
    fixres::io::release_pages(raw);
    elements += tensors.back().numel();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("load %.4f s, %zu tensors, %lld elements\n", seconds, tensors.size(), static_cast<long long>(elements));
  return 0;
}
