#pragma once
/// A minimal read-only zip reader over bytes in memory (a memory-mapped file), enough for the
/// archives torch.save writes: stored (uncompressed) entries, zip64 records for files over 4 GB.
///
/// Why not libzip or minizip: we need each entry's byte offset inside the mapping, so that tensors
/// point straight into the mapped file (zero copy, peak memory ≈ one copy of the weights); libzip
/// only offers streaming reads into our own buffers. torch.save never compresses, so parsing the
/// central directory (~150 lines) is all we need. Every offset and size is checked against the
/// file before use.

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace fixres::io {

struct ZipEntry {
  std::string name;
  std::uint64_t data_offset = 0;  // of the entry's bytes from the start of the archive
  std::uint64_t size = 0;         // uncompressed
  std::uint64_t compressed_size = 0;
  std::uint16_t method = 0;  // 0 stored, 8 deflate
  std::uint32_t crc32 = 0;
};

class ZipReader {
 public:
  /// Parses the central directory of the archive in [data, data + size). `source` names the file
  /// in errors. Throws IoError on a missing/corrupt directory or entries outside the file.
  ZipReader(const std::uint8_t* data, std::size_t size, std::string source);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  /// The entry named exactly `name`, or nullptr.
  const ZipEntry* find(const std::string& name) const;
  /// Bytes of a stored entry (throws IoError for compressed or encrypted ones).
  const std::uint8_t* stored_data(const ZipEntry& entry) const;
  /// stored_data after checking the entry's CRC-32 (for small records such as data.pkl).
  const std::uint8_t* verified_data(const ZipEntry& entry) const;

  /// True when the bytes start like a zip archive (local file header or empty-archive record).
  static bool looks_like_zip(const std::uint8_t* data, std::size_t size);

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::string source_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace fixres::io
