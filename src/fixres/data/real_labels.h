#pragma once
/// ImageNet-ReaL (Beyer et al. 2020, "Are we done with ImageNet?"): real.json holds, for each
/// ILSVRC2012 validation image in file-number order, the list of its correct labels (empty when
/// the raters found none). An image counts for ReaL top-k when any of its k best predictions is
/// one of its labels; images with an empty list are left out (timm's RealLabelsImagenet).
/// Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/data/dataset.h"

namespace fixres::data {

/// Per dataset item, its ReaL labels, matched by file name (ILSVRC2012_val_%08d.*: number n is
/// entry n - 1). Throws DatasetError naming the file when real.json is not a list of lists of
/// labels, an item's name has no ILSVRC2012_val number, or the number is past the list's end.
std::vector<std::vector<std::int64_t>> real_labels_for(const Dataset& dataset, const std::string& real_json);

}  // namespace fixres::data
