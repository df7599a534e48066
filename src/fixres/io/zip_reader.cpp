#include "fixres/io/zip_reader.h"

#include <cstring>

#include "fixres/io/crc32.h"
#include "fixres/io/io_error.h"

namespace fixres::io {
namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;

template <typename T>
T le(const std::uint8_t* p) {
  T v{};
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

bool ZipReader::looks_like_zip(const std::uint8_t* data, std::size_t size) {
  return size >= 4 && (le<std::uint32_t>(data) == kLocalHeader || le<std::uint32_t>(data) == kEndOfDirectory);
}

ZipReader::ZipReader(const std::uint8_t* data, std::size_t size, std::string source)
    : data_(data), size_(size), source_(std::move(source)) {
  auto corrupt = [&](const std::string& what) { return IoError(source_, "corrupt zip archive: " + what); };
  // Within [offset, offset + n) of the file?
  auto inside = [&](std::uint64_t offset, std::uint64_t n) { return offset <= size_ && n <= size_ - offset; };

  // 1. End-of-central-directory record: the last 22 bytes plus a comment of up to 64 KiB.
  if (size_ < kEndOfDirectorySize) throw corrupt("file of " + std::to_string(size_) + " bytes is too short");
  std::size_t eocd = size_;
  const std::size_t lowest = size_ > kEndOfDirectorySize + 0xFFFF ? size_ - kEndOfDirectorySize - 0xFFFF : 0;
  for (std::size_t pos = size_ - kEndOfDirectorySize + 1; pos-- > lowest;) {
    if (le<std::uint32_t>(data_ + pos) == kEndOfDirectory) {
      eocd = pos;
      break;
    }
  }
  if (eocd == size_) throw corrupt("no end-of-central-directory record (truncated file?)");
  const std::uint8_t* e = data_ + eocd;
  std::uint64_t count = le<std::uint16_t>(e + 10);
  std::uint64_t dir_size = le<std::uint32_t>(e + 12);
  std::uint64_t dir_offset = le<std::uint32_t>(e + 16);
  if (le<std::uint16_t>(e + 4) != 0 || le<std::uint16_t>(e + 6) != 0) throw corrupt("multi-disk archives are not supported");

  // 2. zip64: a locator just before the record points at the 64-bit record.
  if (count == 0xFFFF || dir_size == 0xFFFFFFFF || dir_offset == 0xFFFFFFFF) {
    if (eocd < 20 || le<std::uint32_t>(data_ + eocd - 20) != kZip64Locator) throw corrupt("missing zip64 locator");
    const std::uint64_t rec = le<std::uint64_t>(data_ + eocd - 12);
    if (!inside(rec, 56) || le<std::uint32_t>(data_ + rec) != kZip64EndOfDirectory) throw corrupt("bad zip64 end record");
    count = le<std::uint64_t>(data_ + rec + 32);
    dir_size = le<std::uint64_t>(data_ + rec + 40);
    dir_offset = le<std::uint64_t>(data_ + rec + 48);
  }
  if (!inside(dir_offset, dir_size)) {
    throw corrupt("central directory at " + std::to_string(dir_offset) + " (+" + std::to_string(dir_size) +
                  " bytes) lies outside the file of " + std::to_string(size_) + " bytes");
  }
  if (count > dir_size / kCentralHeaderSize) {
    throw corrupt("directory claims " + std::to_string(count) + " entries but holds at most " +
                  std::to_string(dir_size / kCentralHeaderSize));
  }

  // 3. Central directory entries, each checked against the directory and the file.
  entries_.reserve(static_cast<std::size_t>(count));
  std::uint64_t pos = dir_offset;
  const std::uint64_t dir_end = dir_offset + dir_size;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (dir_end - pos < kCentralHeaderSize || le<std::uint32_t>(data_ + pos) != kCentralHeader) {
      throw corrupt("central directory entry " + std::to_string(i) + " is damaged");
    }
    const std::uint8_t* c = data_ + pos;
    ZipEntry entry;
    const std::uint16_t flags = le<std::uint16_t>(c + 8);
    entry.method = le<std::uint16_t>(c + 10);
    entry.crc32 = le<std::uint32_t>(c + 16);
    entry.compressed_size = le<std::uint32_t>(c + 20);
    entry.size = le<std::uint32_t>(c + 24);
    const std::size_t name_len = le<std::uint16_t>(c + 28);
    const std::size_t extra_len = le<std::uint16_t>(c + 30);
    const std::size_t comment_len = le<std::uint16_t>(c + 32);
    std::uint64_t local = le<std::uint32_t>(c + 42);
    const std::uint64_t record = kCentralHeaderSize + name_len + extra_len + comment_len;
    if (dir_end - pos < record) throw corrupt("central directory entry " + std::to_string(i) + " overruns the directory");
    if (flags & 1) throw corrupt("entry " + std::to_string(i) + " is encrypted");
    entry.name.assign(reinterpret_cast<const char*>(c + kCentralHeaderSize), name_len);
    // zip64 extra field: the 0xFFFFFFFF fields, in the order usize, csize, offset.
    const std::uint8_t* x = c + kCentralHeaderSize + name_len;
    const std::uint8_t* x_end = x + extra_len;
    while (x_end - x >= 4) {
      const std::uint16_t id = le<std::uint16_t>(x);
      const std::uint16_t n = le<std::uint16_t>(x + 2);
      if (static_cast<std::size_t>(x_end - x - 4) < n) throw corrupt("extra field of '" + entry.name + "' overruns");
      if (id == 0x0001) {
        const std::uint8_t* v = x + 4;
        const std::uint8_t* v_end = v + n;
        for (std::uint64_t* field : {&entry.size, &entry.compressed_size, &local}) {
          if (*field != 0xFFFFFFFF) continue;
          if (v_end - v < 8) throw corrupt("zip64 field of '" + entry.name + "' is short");
          *field = le<std::uint64_t>(v);
          v += 8;
        }
      }
      x += 4 + n;
    }
    // Local header: its own name/extra lengths decide where the data starts.
    if (!inside(local, kLocalHeaderSize) || le<std::uint32_t>(data_ + local) != kLocalHeader) {
      throw corrupt("local header of '" + entry.name + "' is missing at offset " + std::to_string(local));
    }
    entry.data_offset = local + kLocalHeaderSize + le<std::uint16_t>(data_ + local + 26) + le<std::uint16_t>(data_ + local + 28);
    if (!inside(entry.data_offset, entry.compressed_size)) {
      throw corrupt("entry '" + entry.name + "' (" + std::to_string(entry.compressed_size) + " bytes at offset " +
                    std::to_string(entry.data_offset) + ") extends past the end of the file (" +
                    std::to_string(size_) + " bytes)");
    }
    if (entry.method == 0 && entry.size != entry.compressed_size) throw corrupt("stored entry '" + entry.name + "' has two sizes");
    index_.emplace(entry.name, entries_.size());
    entries_.push_back(std::move(entry));
    pos += record;
  }
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const std::uint8_t* ZipReader::stored_data(const ZipEntry& entry) const {
  if (entry.method != 0) {
    throw IoError(source_, "zip entry '" + entry.name + "' is compressed (method " + std::to_string(entry.method) +
                               "); torch.save stores entries uncompressed, re-save the file with torch.save");
  }
  return data_ + entry.data_offset;
}

const std::uint8_t* ZipReader::verified_data(const ZipEntry& entry) const {
  const std::uint8_t* bytes = stored_data(entry);
  if (crc32_update(0, bytes, static_cast<std::size_t>(entry.size)) != entry.crc32) {
    throw IoError(source_, "zip entry '" + entry.name + "' fails its CRC-32 check (corrupt file)");
  }
  return bytes;
}

}  // namespace fixres::io
