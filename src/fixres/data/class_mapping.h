#pragma once
/// The label of each class folder of an ImageFolder under core/label_options.h's conventions.
/// Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/core/label_options.h"

namespace fixres::data {

struct ClassMapping {
  std::vector<std::string> classes;          ///< class names in label order (num_classes = size)
  std::vector<std::int64_t> folder_labels;   ///< the label of each folder (folders in byte order)
  /// With a class map: the labels the folders hold when they are a proper subset of `classes`
  /// (top-k then ranks only those); empty otherwise.
  std::vector<std::int64_t> subset;
  std::string convention;                    ///< how the labels were chosen, for messages and JSON
};

/// The convention of torchvision's ImageFolder (class i = the i-th folder name in byte order).
inline constexpr const char* kSortedFolders = "class folders sorted by name";

/// The mapping of `folders` (byte-sorted names of `root`'s class folders). Throws DatasetError
/// (naming the folder, the file or the flag) for numeric names that collide ("7" and "007"), a
/// folder the class map does not name, a class map naming a class twice or unreadable.
ClassMapping map_classes(const std::string& root, const std::vector<std::string>& folders, const LabelOptions& options);

}  // namespace fixres::data
