#pragma once
/// safetensors files (Hugging Face / timm): 8-byte little-endian header length N, N bytes of JSON
/// {name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {str: str}},
/// then the raw little-endian tensor bytes (offsets relative to the end of the header).
/// Reading maps the file (zero copy); writing is atomic.

#include <string>
#include <utility>
#include <vector>

#include "fixres/io/mapped_file.h"
#include "fixres/io/raw_tensor.h"

namespace fixres::io {

struct SafetensorsFile {
  StateDict tensors;  // in data-offset order (the file's layout); names as stored
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// True when the bytes look like a safetensors file (plausible header length, then '{').
bool looks_like_safetensors(const std::uint8_t* data, std::size_t size);

/// Reads a safetensors file; throws IoError naming the file and the bad entry (unknown dtype,
/// offsets outside the data, sizes that do not match the shape, overlapping tensors, …).
SafetensorsFile read_safetensors(const std::string& path);
/// The same, over a file already mapped.
SafetensorsFile read_safetensors(const std::shared_ptr<const MappedFile>& file);

/// Writes tensors (non-contiguous ones are made contiguous; each gets its own bytes) with the
/// header padded to 8 bytes, atomically. Throws IoError / std::invalid_argument (duplicate names).
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata = {});

}  // namespace fixres::io
