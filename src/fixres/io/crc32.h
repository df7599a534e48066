#pragma once
/// CRC-32 (ISO-HDLC, the checksum of zip entries), computed by zlib's crc32() (already linked for
/// PNG and gzip): its braided, hardware-friendly implementation is faster than a table of our own.

#include <cstddef>
#include <cstdint>

namespace fixres::io {

/// Continues a CRC-32 over `size` bytes; start with crc = 0.
std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace fixres::io
