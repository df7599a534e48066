#include "fixres/models/load_weights.h"

#include <stdexcept>

#include "fixres/io/state_dict.h"
#include "fixres/models/classifier.h"
#include "fixres/models/error_text.h"

namespace fixres::models {

LoadReport load_weights(torch::nn::Module& model, const std::string& path, bool strict) {
  return load_weights(model, io::read_state_dict(path), path, strict);
}

LoadReport load_weights(torch::nn::Module& model, const io::StateDict& weights, const std::string& source,
                        bool strict, std::size_t shown) {
  try {
    if (auto* network = dynamic_cast<Classifier*>(&model)) network->adapt_to_weights(weights);
    return load_state_dict(model, weights, strict, shown);
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": " + error_text(e));
  }
}

}  // namespace fixres::models
