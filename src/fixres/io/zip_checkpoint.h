#pragma once
/// The zip torch.save container (PyTorch ≥ 1.6): <archive>/data.pkl, <archive>/data/<key> (raw
/// little-endian storage bytes), <archive>/version. <archive> is any folder name (torch.save uses
/// the file's stem). Reading maps storages straight from the file; writing is atomic.

#include <memory>
#include <string>

#include "fixres/io/mapped_file.h"
#include "fixres/io/pickle_value.h"

namespace fixres::io {

/// Decodes a zip checkpoint; throws IoError naming the file and what is wrong.
Value read_zip_checkpoint(const std::shared_ptr<const MappedFile>& file);

/// Writes `root` as a zip checkpoint that Python's torch.load reads (archive folder "archive"),
/// atomically (temp file + rename). Throws IoError / std::invalid_argument.
void write_zip_checkpoint(const std::string& path, const Value& root);

}  // namespace fixres::io
