#include "fixres/models/load_weights.h"

#include <stdexcept>

#include "fixres/io/state_dict.h"

namespace fixres::models {

LoadReport load_weights(torch::nn::Module& model, const std::string& path, bool strict) {
  const io::StateDict weights = io::read_state_dict(path);
  try {
    return load_state_dict(model, weights, strict);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace fixres::models
