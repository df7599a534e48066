#pragma once
/// PyTorch's storage classes and the persistent ids torch.save writes for them, shared by the
/// legacy and zip container readers and by the writer.

#include <cstdint>
#include <optional>
#include <string>

#include "fixres/io/dtype.h"
#include "fixres/io/pickle_value.h"

namespace fixres::io {

/// dtype of a storage class, by qualified name ("torch.FloatStorage", "torch.cuda.HalfStorage",
/// "torch.UntypedStorage" -> uint8); nullopt for anything else.
std::optional<DType> storage_class_dtype(const std::string& qualified_name);

/// The class torch.save names for a dtype: "FloatStorage", "LongStorage", … (module "torch").
std::string storage_class_name(DType dtype);

/// A decoded persistent id. torch.save writes ('storage', storage_type, key, location, numel) in zip
/// files and ('storage', storage_type, root_key, location, numel, view_metadata) in legacy files,
/// where view_metadata is None or (view_key, offset, view_numel), all counted in elements.
struct StorageId {
  DType dtype = DType::Float32;
  std::string key;
  std::string location;
  std::int64_t numel = 0;
  bool is_view = false;
  std::string view_key;
  std::int64_t view_offset = 0;
  std::int64_t view_numel = 0;
};

/// Decodes a persistent id; throws IoError(source, …) describing what is malformed.
StorageId parse_storage_id(const Value& pid, const std::string& source);

/// Bytes of `numel` elements of `dtype`; throws IoError(source, …) on negative or overflowing counts.
std::size_t checked_storage_bytes(std::int64_t numel, DType dtype, const std::string& source);

}  // namespace fixres::io
