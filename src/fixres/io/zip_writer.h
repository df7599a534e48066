#pragma once
/// Writes zip archives as torch.save does: entries stored uncompressed, each entry's data aligned
/// to 64 bytes (padding in an extra field, as PyTorch's writer), zip64 records when the archive or
/// an entry passes 4 GB. Output goes to an AtomicWriter (temp file + rename).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fixres/io/atomic_file.h"

namespace fixres::io {

class ZipWriter {
 public:
  explicit ZipWriter(AtomicWriter& out) : out_(out) {}

  /// Appends a stored entry named `name` with `size` bytes from `data`.
  void add(const std::string& name, const void* data, std::size_t size);
  /// Writes the central directory; no add() afterwards.
  void finish();

 private:
  struct Record {
    std::string name;
    std::uint64_t header_offset;
    std::uint64_t size;
    std::uint32_t crc;
  };
  AtomicWriter& out_;
  std::vector<Record> records_;
  bool finished_ = false;
};

}  // namespace fixres::io
