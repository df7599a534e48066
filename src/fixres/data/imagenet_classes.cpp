#include "fixres/data/imagenet_classes.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace fixres::data {
namespace {

constexpr const char* kWnids =
#include "fixres/data/imagenet1k_wnids.inc"
    ;

}  // namespace

const std::vector<std::string>& imagenet1k_wnids() {
  static const std::vector<std::string> wnids = [] {
    std::vector<std::string> out;
    std::istringstream in(kWnids);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(line);
    }
    if (out.size() != 1000 || !std::is_sorted(out.begin(), out.end())) {
      throw std::logic_error("data/imagenet1k_wnids.txt: expected 1000 sorted WordNet ids");
    }
    return out;
  }();
  return wnids;
}

std::int64_t imagenet1k_index(const std::string& wnid) {
  const auto& wnids = imagenet1k_wnids();
  const auto it = std::lower_bound(wnids.begin(), wnids.end(), wnid);
  return it != wnids.end() && *it == wnid ? static_cast<std::int64_t>(it - wnids.begin()) : -1;
}

bool looks_like_wnid(const std::string& name) {
  return name.size() == 9 && name[0] == 'n' &&
         std::all_of(name.begin() + 1, name.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace fixres::data
