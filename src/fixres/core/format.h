#pragma once
/// Numbers as text for messages, tables and plots: printf formats of one value, written once.
/// Torch-free.

#include <array>
#include <cstdint>
#include <string>

namespace fixres::engine {

/// `format` (a printf format taking exactly one double: "%.4f", "%g", "%+.2f") applied to `value`.
std::string format_number(const char* format, double value);

/// `value` with `decimals` digits after the point ("%.*f").
std::string format_fixed(double value, int decimals);

/// "a,b,c" with %g each: a mean/std triplet.
std::string format_triplet(const std::array<float, 3>& values);

/// A byte count for people: "512 B", "3.2 KiB", "766.0 MiB", "1.50 GiB".
std::string format_bytes(std::int64_t bytes);

/// "8G", "512M", "64K", "1000" (bytes; K/M/G/T are powers of 1024, an optional trailing "B" or
/// "iB"); throws std::invalid_argument naming `flag` for anything else or a negative size.
std::int64_t parse_byte_size(const std::string& text, const std::string& flag);

}  // namespace fixres::engine
