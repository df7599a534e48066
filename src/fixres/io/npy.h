#pragma once
/// NumPy .npy files (format versions 1.0, 2.0 and 3.0), torch-free.
/// Supported element types: float32, float64, float16, int64, int32, int16, int8, uint8, bool,
/// little-endian, C order. Big-endian data and Fortran-ordered arrays of more than one dimension
/// are refused with a clear message. Reading maps the file and does not copy the data.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixres/io/dtype.h"
#include "fixres/io/io_error.h"

namespace fixres::io {

/// A read-only view of an array, C order, little-endian, kept alive by `keepalive`.
struct NpyArray {
  DType dtype = DType::Float32;
  std::vector<std::int64_t> shape;
  const std::uint8_t* data = nullptr;  ///< numel() * dtype_size(dtype) bytes
  std::shared_ptr<const void> keepalive;

  std::int64_t numel() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype); }
  /// "50000x1000"
  std::string shape_string() const;

  /// Typed pointer; throws std::logic_error if T does not match dtype's size.
  template <typename T>
  const T* as() const {
    if (sizeof(T) != dtype_size(dtype)) throw std::logic_error("NpyArray::as: element size mismatch");
    return reinterpret_cast<const T*>(data);
  }
};

/// Maps and parses `path`. Throws IoError naming the file: missing, not a .npy file, truncated,
/// corrupt header, unsupported dtype/byte order/Fortran order, data shorter than the header says.
NpyArray read_npy(const std::string& path);

/// Parses an in-memory .npy image (`name` is used in error messages). The bytes must outlive the
/// result unless `keepalive` owns them.
NpyArray parse_npy(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                   std::shared_ptr<const void> keepalive);

/// Writes `path` atomically (format 1.0, or 2.0 when the header needs it), C order.
/// `data` holds product(shape) elements of `dtype` (bfloat16 is not a NumPy type: refused).
void write_npy(const std::string& path, DType dtype, const std::vector<std::int64_t>& shape,
               const void* data);

/// Typed convenience for write_npy.
template <typename T>
void write_npy(const std::string& path, DType dtype, const std::vector<std::int64_t>& shape,
               const std::vector<T>& values) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  if (static_cast<std::int64_t>(values.size()) != n || sizeof(T) != dtype_size(dtype)) {
    throw IoError(path, "write_npy: values do not match shape/dtype");
  }
  write_npy(path, dtype, shape, values.data());
}

}  // namespace fixres::io
