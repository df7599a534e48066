#pragma once
/// Serialises a Value tree as pickle protocol 2 the way torch.save does, so that Python's
/// torch.load and pickle read it: dict/OrderedDict (with BUILD of attributes such as _metadata),
/// list, tuple, str, bytes, int, float, bool, None; tensors as torch._utils._rebuild_tensor_v2 calls
/// whose storages are persistent ids ('storage', torch.<Type>Storage, key, 'cpu', numel).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fixres/io/pickle_value.h"

namespace fixres::io {

struct PickledObject {
  std::string bytes;  // the pickle (data.pkl)
  /// Storages to store as data/<key>, keys "0", "1", … in first-use order. Tensors sharing one
  /// Storage share one key (views keep their offsets and strides).
  std::vector<std::pair<std::string, std::shared_ptr<const Storage>>> storages;
};

/// Throws std::invalid_argument for values a checkpoint cannot hold (globals, storages, objects)
/// or tensors whose storage size is not a whole number of elements.
PickledObject pickle_checkpoint(const Value& root);

}  // namespace fixres::io
