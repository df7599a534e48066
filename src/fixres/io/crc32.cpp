#include "fixres/io/crc32.h"

#include <zlib.h>

#include <algorithm>

namespace fixres::io {

std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size) {
  // zlib takes the length as uInt (32 bits): feed larger buffers (multi-GB checkpoints) in chunks.
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  const auto* bytes = static_cast<const Bytef*>(data);
  uLong value = crc;
  while (size > 0) {
    const std::size_t n = std::min(size, kChunk);
    value = ::crc32(value, bytes, static_cast<uInt>(n));
    bytes += n;
    size -= n;
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace fixres::io
