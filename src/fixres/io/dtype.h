#pragma once
/// Element types of the arrays fixres reads and writes (.npy, .pth, .safetensors), torch-free.

#include <cstddef>
#include <cstdint>
#include <string>

namespace fixres::io {

enum class DType : std::uint8_t {
  Float32,
  Float64,
  Float16,
  BFloat16,
  Int64,
  Int32,
  Int16,
  Int8,
  UInt8,
  Bool,
};

/// Bytes per element.
std::size_t dtype_size(DType dtype);

/// Lower-case PyTorch-style name: "float32", "int64", "bool", …
std::string dtype_name(DType dtype);

/// Inverse of dtype_name; throws std::invalid_argument naming the unknown type.
DType dtype_from_name(const std::string& name);

}  // namespace fixres::io
