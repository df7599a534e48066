// fixres as a C++ library: a zoo network by name, a checkpoint loaded with its report, a batch of
// images through FixRes's test transform, the top-5 classes of each.
//
//   classify ARCHITECTURE WEIGHTS SIZE IMAGE...
//     ARCHITECTURE  ResNet50, IGAM_Resnext101_32x48d, PNASNet or a tf_efficientnet_* name
//     WEIGHTS       .pth / .safetensors file, or "-" for random weights (a smoke test)
//     SIZE          test resolution (e.g. 384 for FixResNet50.pth)
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>

#include "fixres/data/decode.h"
#include "fixres/data/pipeline.h"
#include "fixres/models/load_weights.h"
#include "fixres/models/registry.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: classify ARCHITECTURE WEIGHTS|- SIZE IMAGE...\n";
    return 2;
  }
  const std::string architecture = argv[1], weights = argv[2];
  const int size = std::atoi(argv[3]);
  try {
    // 1. The network, and the weights (strict: 100% of the tensors or an error naming each key).
    auto model = fixres::models::create_model(architecture);
    if (weights != "-") std::cout << fixres::models::load_weights(*model, weights).describe() << "\n";
    model->eval();

    // 2. The images through FixRes's test transform, normalised as the weights expect.
    const auto& spec = fixres::models::find_architecture(architecture);
    const fixres::data::Pipeline pipeline({fixres::data::PipelineKind::Test, size, {spec.mean, spec.std}});
    fixres::data::Rng rng(0);  // the test transform draws nothing
    const int n = argc - 4;
    auto batch = torch::empty({n, 3, size, size});
    for (int i = 0; i < n; ++i) {
      pipeline.apply(fixres::data::read_image(argv[4 + i]), rng, batch[i].data_ptr<float>());
    }

    // 3. One forward pass.
    torch::NoGradGuard no_grad;
    const auto probabilities = torch::softmax(model->forward(batch), 1);
    const auto [top, classes] = probabilities.topk(5, 1);
    for (int i = 0; i < n; ++i) {
      std::cout << argv[4 + i] << ":";
      for (int k = 0; k < 5; ++k) {
        std::cout << "  " << classes[i][k].item<int64_t>() << " (" << std::fixed << std::setprecision(3)
                  << top[i][k].item<float>() << ")";
      }
      std::cout << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "classify: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
