#include "fixres/models/load_weights.h"

#include <stdexcept>

#include "fixres/io/state_dict.h"

namespace fixres::models {

LoadReport load_weights(torch::nn::Module& model, const std::string& path, bool strict) {
  return load_weights(model, io::read_state_dict(path), path, strict);
}

LoadReport load_weights(torch::nn::Module& model, const io::StateDict& weights, const std::string& source,
                        bool strict) {
  try {
    return load_state_dict(model, weights, strict);
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": " + e.what());
  }
}

}  // namespace fixres::models
