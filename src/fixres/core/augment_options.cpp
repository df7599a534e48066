#include "fixres/core/augment_options.h"

#include <sstream>
#include <stdexcept>

namespace fixres::data {

AutoAugmentSpec parse_rand_augment(const std::string& text) {
  AutoAugmentSpec spec;
  spec.kind = AutoAugmentKind::RandAugment;
  char comma = 0;
  std::istringstream in(text);
  if (!(in >> spec.num_ops >> comma >> spec.magnitude) || comma != ',' || !in.eof() || spec.num_ops < 1 ||
      spec.magnitude < 0 || spec.magnitude >= spec.num_bins) {
    throw std::invalid_argument("--rand-augment: expected N,M with N >= 1 operations and a magnitude 0 <= M <= " +
                                std::to_string(spec.num_bins - 1) + " (torchvision's default: 2,9), got '" + text + "'");
  }
  return spec;
}

std::string describe(const AutoAugmentSpec& spec) {
  switch (spec.kind) {
    case AutoAugmentKind::None: return "";
    case AutoAugmentKind::RandAugment:
      return "RandAugment(" + std::to_string(spec.num_ops) + ", " + std::to_string(spec.magnitude) + ")";
    case AutoAugmentKind::TrivialAugmentWide: return "TrivialAugmentWide";
  }
  return "";
}

}  // namespace fixres::data
