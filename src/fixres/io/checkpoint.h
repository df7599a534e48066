#pragma once
/// One entry point for every weights file fixres reads: legacy .pth (2019 FixRes releases), zip
/// .pth (PyTorch ≥ 1.6) and .safetensors (timm / Hugging Face), recognised by content, not by
/// extension. Writing produces zip .pth files that Python's torch.load reads.

#include <string>

#include "fixres/io/pickle_value.h"

namespace fixres::io {

enum class CheckpointFormat { LegacyPth, ZipPth, Safetensors };

/// "legacy .pth", "zip .pth", "safetensors".
std::string format_name(CheckpointFormat format);

struct Checkpoint {
  CheckpointFormat format = CheckpointFormat::ZipPth;
  /// The unpickled object; for safetensors an OrderedDict name -> tensor whose attribute
  /// "__metadata__" (when present) is a dict of str.
  Value root;
};

/// Reads any supported file, tensors mapped from the file (zero copy). Throws IoError naming the
/// file and what is wrong; never executes anything from the file.
Checkpoint read_checkpoint(const std::string& path);

/// Writes `root` as a zip .pth (torch.save layout), atomically.
void write_checkpoint(const std::string& path, const Value& root);

}  // namespace fixres::io
