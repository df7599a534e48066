// Peak memory of loading a released-size checkpoint into a zoo network and classifying one image:
//   model_memory ARCHITECTURE WEIGHTS SIZE IMAGES_NPY
// IMAGES_NPY: uint8 N×3×S×S crops (tests/fixtures/models/parity/images_S.npy), first one used.
// Prints the process's peak RSS after each stage (getrusage), and the top-5 classes.
#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <iostream>

#include "fixres/io/npy.h"
#include "fixres/models/load_weights.h"
#include "fixres/models/registry.h"

namespace {

double peak_rss_gib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / (1024.0 * 1024.0);  // ru_maxrss is in KiB
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: model_memory ARCHITECTURE WEIGHTS SIZE IMAGES_NPY\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  fixres::models::ModelOptions options;
  options.initialize = false;  // the weights replace everything right away
  auto model = fixres::models::create_model(argv[1], options);
  std::cout << "built      peak RSS " << peak_rss_gib() << " GiB  t=" << seconds_since(start) << " s\n";
  const auto report = fixres::models::load_weights(*model, argv[2]);
  std::cout << "loaded     peak RSS " << peak_rss_gib() << " GiB  t=" << seconds_since(start) << " s  ("
            << report.describe() << ")\n";
  model->eval();

  const auto& spec = fixres::models::find_architecture(argv[1]);
  const auto array = fixres::io::read_npy(argv[4]);
  const int size = std::atoi(argv[3]);
  auto images = torch::empty({1, 3, size, size}, torch::kUInt8);
  std::memcpy(images.data_ptr(), array.data, static_cast<std::size_t>(images.numel()));
  auto x = images.to(torch::kFloat).div(255);
  x = x.sub(torch::tensor({spec.mean[0], spec.mean[1], spec.mean[2]}).view({3, 1, 1}))
          .div(torch::tensor({spec.std[0], spec.std[1], spec.std[2]}).view({3, 1, 1}));
  torch::NoGradGuard no_grad;
  const auto logits = model->forward(x);
  const auto top = std::get<1>(logits.topk(5, 1));
  std::cout << "classified peak RSS " << peak_rss_gib() << " GiB  t=" << seconds_since(start) << " s  top-5:";
  for (int k = 0; k < 5; ++k) std::cout << " " << top[0][k].item<int64_t>();
  std::cout << "\n";
  return 0;
}
