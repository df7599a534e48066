#include "fixres/io/checkpoint.h"

#include <cstdio>
#include <cstring>

#include "fixres/io/io_error.h"
#include "fixres/io/legacy_checkpoint.h"
#include "fixres/io/mapped_file.h"
#include "fixres/io/safetensors.h"
#include "fixres/io/zip_checkpoint.h"
#include "fixres/io/zip_reader.h"

namespace fixres::io {

std::string format_name(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::LegacyPth: return "legacy .pth";
    case CheckpointFormat::ZipPth: return "zip .pth";
    case CheckpointFormat::Safetensors: return "safetensors";
  }
  return "?";
}

Checkpoint read_checkpoint(const std::string& path) {
  const auto file = MappedFile::open(path);
  const std::uint8_t* data = file->data();
  const std::size_t size = file->size();
  Checkpoint out;
  if (ZipReader::looks_like_zip(data, size)) {
    out.format = CheckpointFormat::ZipPth;
    out.root = read_zip_checkpoint(file);
  } else if (looks_like_legacy_checkpoint(data, size)) {
    out.format = CheckpointFormat::LegacyPth;
    out.root = read_legacy_checkpoint(file);
  } else if (looks_like_safetensors(data, size)) {
    out.format = CheckpointFormat::Safetensors;
    SafetensorsFile st = read_safetensors(file);
    out.root = Value::dict(true);
    for (auto& [name, tensor] : st.tensors) out.root.as_dict().add(name, Value(std::move(tensor)));
    if (!st.metadata.empty()) {
      Value meta = Value::dict();
      for (auto& [k, v] : st.metadata) meta.as_dict().add(k, Value(v));
      out.root.as_dict().attributes.emplace_back("__metadata__", meta);
    }
  } else if (size >= 262 && std::memcmp(data + 257, "ustar", 5) == 0) {
    throw IoError(path, "tar-based checkpoints (PyTorch before 0.1.10) are not supported; re-save with torch.save");
  } else {
    char head[64] = "empty file";
    if (size >= 4) std::snprintf(head, sizeof head, "first bytes %02x %02x %02x %02x", data[0], data[1], data[2], data[3]);
    throw IoError(path, std::string("not a PyTorch checkpoint (zip or legacy .pth) or safetensors file (") + head + ")");
  }
  return out;
}

void write_checkpoint(const std::string& path, const Value& root) { write_zip_checkpoint(path, root); }

}  // namespace fixres::io
