#pragma once
/// Torch-free tensors as read from checkpoint files: a dtype, a shape, strides and an offset into a
/// shared block of bytes (a storage), exactly as PyTorch lays them out. Storages usually point into
/// a memory-mapped file (zero copy) and keep that mapping alive.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fixres/io/dtype.h"

namespace fixres::io {

/// The bytes of one storage (little-endian elements); `keepalive` owns them (a mapped file or a
/// heap buffer). `mapped` is true when the bytes are a read-only file mapping, whose pages may be
/// handed back to the kernel after use (see release_pages).
struct Storage {
  const std::uint8_t* data = nullptr;
  std::size_t nbytes = 0;
  std::shared_ptr<const void> keepalive;
  bool mapped = false;
};

/// A strided view of a storage, as torch.Tensor: element (i0, i1, …) lives at
/// storage->data + (offset + Σ ik·strides[k]) · dtype_size(dtype). Strides and offset count
/// elements. A 0-dim tensor has empty shape and strides and one element.
struct RawTensor {
  DType dtype = DType::Float32;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;  // in elements
  std::int64_t offset = 0;            // in elements
  std::shared_ptr<const Storage> storage;

  /// Number of elements (product of shape; 1 for a 0-dim tensor).
  std::int64_t numel() const;
  /// numel() · dtype_size(dtype).
  std::size_t nbytes() const;
  /// True when the strides are the C-order (row-major) strides of shape (size-1 dims ignored).
  bool is_contiguous() const;
  /// Address of element (0, 0, …).
  const std::uint8_t* first_element() const;
};

/// Weights by name, in file order.
using StateDict = std::vector<std::pair<std::string, RawTensor>>;

/// C-order strides of `shape`.
std::vector<std::int64_t> contiguous_strides(const std::vector<std::int64_t>& shape);

/// "64x3x7x7"; "" for a 0-dim tensor (as `fixres inspect --manifest` prints shapes).
std::string shape_string(const std::vector<std::int64_t>& shape);

/// Throws IoError(`where`, …) unless shape/strides/offset are non-negative, consistent, free of
/// overflow, and every addressed element lies inside the storage.
void check_tensor_bounds(const RawTensor& tensor, const std::string& where);

/// Copies the tensor's elements in C order to `out` (numel()·dtype_size bytes).
void copy_to_contiguous(const RawTensor& tensor, std::uint8_t* out);

/// A C-contiguous tensor owning a fresh heap copy of the elements (the tensor's own storage is not
/// shared any more).
RawTensor contiguous_copy(const RawTensor& tensor);

/// A tensor over `bytes` (C order, size must be numel·dtype_size; throws std::invalid_argument).
RawTensor make_tensor(DType dtype, std::vector<std::int64_t> shape, std::vector<std::uint8_t> bytes);

/// True when both have the same dtype, shape and element bytes (strides and storages may differ).
bool same_values(const RawTensor& a, const RawTensor& b);

/// Maps in the file pages under this tensor's storage with one system call (MADV_POPULATE_READ)
/// instead of one page fault per 64 KiB during the copy that follows. No effect on heap storages.
void prefetch_pages(const RawTensor& tensor);

/// Tells the kernel that the mapped file pages under this tensor's storage are not needed any
/// more, so that they stop counting in resident memory once copied (they are re-read from the
/// file if touched again). No effect on heap storages. Used when loading files larger than RAM
/// headroom: peak memory stays near one copy of the weights.
void release_pages(const RawTensor& tensor);

}  // namespace fixres::io
