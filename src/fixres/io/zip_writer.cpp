#include "fixres/io/zip_writer.h"

#include <stdexcept>

#include "fixres/io/crc32.h"

namespace fixres::io {
namespace {

constexpr std::uint64_t kMax32 = 0xFFFFFFFF;
constexpr std::size_t kAlignment = 64;
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: reproducible files

class Bytes {
 public:
  Bytes& u16(std::uint16_t v) { return raw(&v, 2); }
  Bytes& u32(std::uint32_t v) { return raw(&v, 4); }
  Bytes& u64(std::uint64_t v) { return raw(&v, 8); }
  Bytes& str(const std::string& s) { return raw(s.data(), s.size()); }
  Bytes& zeros(std::size_t n) {
    data_.append(n, '\0');
    return *this;
  }
  const std::string& data() const { return data_; }
  std::size_t size() const { return data_.size(); }

 private:
  Bytes& raw(const void* p, std::size_t n) {  // little-endian host (x86-64, aarch64)
    data_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string data_;
};

std::uint32_t clamp32(std::uint64_t v) { return v >= kMax32 ? static_cast<std::uint32_t>(kMax32) : static_cast<std::uint32_t>(v); }

}  // namespace

void ZipWriter::add(const std::string& name, const void* data, std::size_t size) {
  if (finished_) throw std::logic_error("ZipWriter::add after finish");
  if (name.size() > 0xFFFF) throw std::invalid_argument("zip entry name too long: " + name.substr(0, 80));
  const std::uint64_t offset = out_.offset();
  const std::uint32_t crc = crc32_update(0, data, size);
  const bool zip64 = size >= kMax32;
  Bytes extra;
  if (zip64) extra.u16(0x0001).u16(16).u64(size).u64(size);
  // Pad with an extra field ("FB", as PyTorch) so that the data starts on a 64-byte boundary.
  const std::size_t unpadded = offset + 30 + name.size() + extra.size() + 4;
  const std::size_t pad = (kAlignment - unpadded % kAlignment) % kAlignment;
  extra.u16(0x4246).u16(static_cast<std::uint16_t>(pad)).zeros(pad);
  Bytes header;
  header.u32(0x04034b50).u16(zip64 ? 45 : 20).u16(0).u16(0).u16(0).u16(kDosDate).u32(crc);
  header.u32(clamp32(size)).u32(clamp32(size)).u16(static_cast<std::uint16_t>(name.size()));
  header.u16(static_cast<std::uint16_t>(extra.size())).str(name).str(extra.data());
  out_.write(header.data().data(), header.size());
  out_.write(data, size);
  records_.push_back({name, offset, size, crc});
}

void ZipWriter::finish() {
  if (finished_) return;
  finished_ = true;
  const std::uint64_t dir_offset = out_.offset();
  Bytes dir;
  for (const auto& r : records_) {
    Bytes extra;
    const bool big_size = r.size >= kMax32;
    const bool big_offset = r.header_offset >= kMax32;
    if (big_size || big_offset) {
      extra.u16(0x0001).u16(static_cast<std::uint16_t>((big_size ? 16 : 0) + (big_offset ? 8 : 0)));
      if (big_size) extra.u64(r.size).u64(r.size);
      if (big_offset) extra.u64(r.header_offset);
    }
    const std::uint16_t version = (big_size || big_offset) ? 45 : 20;
    dir.u32(0x02014b50).u16(version).u16(version).u16(0).u16(0).u16(0).u16(kDosDate).u32(r.crc);
    dir.u32(clamp32(r.size)).u32(clamp32(r.size)).u16(static_cast<std::uint16_t>(r.name.size()));
    dir.u16(static_cast<std::uint16_t>(extra.size())).u16(0).u16(0).u16(0).u32(0).u32(clamp32(r.header_offset));
    dir.str(r.name).str(extra.data());
  }
  const std::uint64_t dir_size = dir.size();
  const std::uint64_t count = records_.size();
  Bytes end;
  if (count >= 0xFFFF || dir_offset >= kMax32 || dir_size >= kMax32) {
    const std::uint64_t record_offset = dir_offset + dir_size;
    end.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count).u64(dir_size).u64(dir_offset);
    end.u32(0x07064b50).u32(0).u64(record_offset).u32(1);
  }
  const auto count16 = static_cast<std::uint16_t>(count >= 0xFFFF ? 0xFFFF : count);
  end.u32(0x06054b50).u16(0).u16(0).u16(count16).u16(count16).u32(clamp32(dir_size)).u32(clamp32(dir_offset)).u16(0);
  out_.write(dir.data().data(), dir.size());
  out_.write(end.data().data(), end.size());
}

}  // namespace fixres::io
