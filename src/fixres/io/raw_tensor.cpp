#include "fixres/io/raw_tensor.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "fixres/io/io_error.h"

namespace fixres::io {
namespace {

// Copies `count` elements of `size` bytes from a strided source to a dense destination.
template <std::size_t Size>
void copy_strided_row(const std::uint8_t* src, std::int64_t stride, std::int64_t count, std::uint8_t* dst) {
  for (std::int64_t i = 0; i < count; ++i) std::memcpy(dst + i * Size, src + i * stride * Size, Size);
}

void copy_row(const std::uint8_t* src, std::int64_t stride, std::int64_t count, std::size_t size,
              std::uint8_t* dst) {
  if (stride == 1) {
    std::memcpy(dst, src, static_cast<std::size_t>(count) * size);
    return;
  }
  switch (size) {
    case 1: copy_strided_row<1>(src, stride, count, dst); break;
    case 2: copy_strided_row<2>(src, stride, count, dst); break;
    case 4: copy_strided_row<4>(src, stride, count, dst); break;
    case 8: copy_strided_row<8>(src, stride, count, dst); break;
    default: throw std::logic_error("fixres: unexpected element size " + std::to_string(size));
  }
}

}  // namespace

std::int64_t RawTensor::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t RawTensor::nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype); }

bool RawTensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (std::size_t k = shape.size(); k-- > 0;) {
    if (shape[k] == 1) continue;
    if (strides[k] != expected) return false;
    expected *= shape[k];
  }
  return true;
}

const std::uint8_t* RawTensor::first_element() const {
  return storage->data + static_cast<std::size_t>(offset) * dtype_size(dtype);
}

std::vector<std::int64_t> contiguous_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t k = shape.size(); k-- > 1;) strides[k - 1] = strides[k] * shape[k];
  return strides;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) out += 'x';
    out += std::to_string(shape[k]);
  }
  return out;
}

void check_tensor_bounds(const RawTensor& tensor, const std::string& where) {
  if (!tensor.storage) throw IoError(where, "tensor has no storage");
  if (tensor.strides.size() != tensor.shape.size()) {
    throw IoError(where, "tensor has " + std::to_string(tensor.shape.size()) + " dimensions but " +
                             std::to_string(tensor.strides.size()) + " strides");
  }
  if (tensor.offset < 0) throw IoError(where, "negative storage offset " + std::to_string(tensor.offset));
  const auto elem = static_cast<std::int64_t>(dtype_size(tensor.dtype));
  std::int64_t numel = 1;
  std::int64_t last = tensor.offset;  // index of the last addressed element
  for (std::size_t k = 0; k < tensor.shape.size(); ++k) {
    const std::int64_t size = tensor.shape[k];
    const std::int64_t stride = tensor.strides[k];
    if (size < 0 || stride < 0) {
      throw IoError(where, "negative size or stride in shape [" + shape_string(tensor.shape) + "]");
    }
    std::int64_t reach = 0;
    if (__builtin_mul_overflow(numel, size, &numel) ||
        (size > 0 && __builtin_mul_overflow(size - 1, stride, &reach)) ||
        __builtin_add_overflow(last, reach, &last)) {
      throw IoError(where, "tensor shape [" + shape_string(tensor.shape) + "] overflows 64-bit sizes");
    }
  }
  if (numel == 0) return;
  std::int64_t end_bytes = 0;
  if (__builtin_add_overflow(last, 1, &end_bytes) || __builtin_mul_overflow(end_bytes, elem, &end_bytes) ||
      static_cast<std::uint64_t>(end_bytes) > tensor.storage->nbytes) {
    throw IoError(where, "tensor of shape [" + shape_string(tensor.shape) + "] at offset " +
                             std::to_string(tensor.offset) + " needs " + std::to_string(last + 1) +
                             " elements but its storage holds " +
                             std::to_string(tensor.storage->nbytes / static_cast<std::size_t>(elem)));
  }
}

void copy_to_contiguous(const RawTensor& tensor, std::uint8_t* out) {
  const std::size_t elem = dtype_size(tensor.dtype);
  const std::int64_t numel = tensor.numel();
  if (numel == 0) return;
  const std::uint8_t* base = tensor.first_element();
  if (tensor.is_contiguous()) {
    std::memcpy(out, base, static_cast<std::size_t>(numel) * elem);
    return;
  }
  const std::size_t dims = tensor.shape.size();  // >= 1 here: a 0-dim tensor is contiguous
  const std::int64_t inner = tensor.shape[dims - 1];
  const std::int64_t inner_stride = tensor.strides[dims - 1];
  std::vector<std::int64_t> index(dims - 1, 0);
  const std::int64_t rows = numel / inner;
  for (std::int64_t row = 0; row < rows; ++row) {
    std::int64_t element = 0;
    for (std::size_t k = 0; k + 1 < dims; ++k) element += index[k] * tensor.strides[k];
    copy_row(base + static_cast<std::size_t>(element) * elem, inner_stride, inner, elem, out);
    out += static_cast<std::size_t>(inner) * elem;
    for (std::size_t k = dims - 1; k-- > 0;) {  // odometer over the outer dimensions
      if (++index[k] < tensor.shape[k]) break;
      index[k] = 0;
    }
  }
}

RawTensor make_tensor(DType dtype, std::vector<std::int64_t> shape, std::vector<std::uint8_t> bytes) {
  RawTensor tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.strides = contiguous_strides(tensor.shape);
  if (tensor.nbytes() != bytes.size()) {
    throw std::invalid_argument("make_tensor: shape [" + shape_string(tensor.shape) + "] of " +
                                dtype_name(dtype) + " needs " + std::to_string(tensor.nbytes()) +
                                " bytes, got " + std::to_string(bytes.size()));
  }
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
  auto storage = std::make_shared<Storage>();
  storage->data = buffer->data();
  storage->nbytes = buffer->size();
  storage->keepalive = buffer;
  tensor.storage = std::move(storage);
  return tensor;
}

RawTensor contiguous_copy(const RawTensor& tensor) {
  std::vector<std::uint8_t> bytes(tensor.nbytes());
  copy_to_contiguous(tensor, bytes.data());
  return make_tensor(tensor.dtype, tensor.shape, std::move(bytes));
}

bool same_values(const RawTensor& a, const RawTensor& b) {
  if (a.dtype != b.dtype || a.shape != b.shape) return false;
  if (a.is_contiguous() && b.is_contiguous()) {
    return a.nbytes() == 0 || std::memcmp(a.first_element(), b.first_element(), a.nbytes()) == 0;
  }
  const RawTensor ca = contiguous_copy(a);
  const RawTensor cb = contiguous_copy(b);
  return ca.nbytes() == 0 || std::memcmp(ca.first_element(), cb.first_element(), ca.nbytes()) == 0;
}

void prefetch_pages(const RawTensor& tensor) {
  if (!tensor.storage || !tensor.storage->mapped || tensor.storage->nbytes == 0) return;
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(tensor.storage->data) / page * page;
  const auto end = reinterpret_cast<std::uintptr_t>(tensor.storage->data) + tensor.storage->nbytes;
#ifdef MADV_POPULATE_READ
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ) == 0) return;
#endif
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_WILLNEED);  // kernels before 5.14
}

void release_pages(const RawTensor& tensor) {
  if (!tensor.storage || !tensor.storage->mapped || tensor.storage->nbytes == 0) return;
  // Only whole pages inside the storage: neighbouring storages may still be in use.
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(tensor.storage->data);
  const auto end = begin + tensor.storage->nbytes;
  const std::uintptr_t first = (begin + page - 1) / page * page;
  const std::uintptr_t last = end / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace fixres::io
