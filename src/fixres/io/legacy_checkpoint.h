#pragma once
/// Reader of the legacy torch.save container (PyTorch 0.4–1.5, and later versions with
/// _use_new_zipfile_serialization=False), the format of the released FixRes weights:
///   pickle(magic 0x1950a86a20f9469cfc6c) pickle(protocol 1001) pickle(sys_info dict)
///   pickle(object; storages as persistent ids) pickle(list of storage keys)
///   for each key, in that order: int64 element count, then the raw little-endian elements.
/// Storages point into the memory-mapped file (zero copy).

#include <cstddef>
#include <cstdint>
#include <memory>

#include "fixres/io/mapped_file.h"
#include "fixres/io/pickle_value.h"

namespace fixres::io {

/// True when the bytes start with the legacy magic-number pickle.
bool looks_like_legacy_checkpoint(const std::uint8_t* data, std::size_t size);

/// Decodes a legacy checkpoint; throws IoError naming the file and what is wrong.
Value read_legacy_checkpoint(const std::shared_ptr<const MappedFile>& file);

}  // namespace fixres::io
