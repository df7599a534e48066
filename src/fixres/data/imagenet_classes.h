#pragma once
/// ImageNet-1k's classes as data: the 1000 WordNet ids in class-index order (shipped as
/// data/imagenet1k_wnids.txt, compiled in). Used to score folders that are a subset of them
/// (ImageNet-A and -R have 200) on their ImageNet-1k labels. Torch-free.

#include <cstdint>
#include <string>
#include <vector>

namespace fixres::data {

/// The 1000 ids, n01440764 (tench, class 0) … n15075141 (toilet tissue, class 999).
const std::vector<std::string>& imagenet1k_wnids();

/// ImageNet-1k's class index of `wnid`, or -1.
std::int64_t imagenet1k_index(const std::string& wnid);

/// Whether `name` has a WordNet noun id's form: 'n' and 8 digits.
bool looks_like_wnid(const std::string& name);

}  // namespace fixres::data
