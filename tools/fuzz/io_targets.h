#pragma once
// The torch-free readers of src/fixres/io as fuzz targets. Each feeds one input to one reader and
// checks the result against the input on its own arithmetic (not the reader's): every tensor
// lies inside its storage and every storage inside the file, nesting stays within the
// unpickler's 100 levels, small tensors are copied out element by element. The documented
// refusal is an IoError naming the file.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "fixres/io/io_error.h"
#include "fixres/io/legacy_checkpoint.h"
#include "fixres/io/mapped_file.h"
#include "fixres/io/npy.h"
#include "fixres/io/pickle_value.h"
#include "fixres/io/raw_tensor.h"
#include "fixres/io/safetensors.h"
#include "fixres/io/torch_storage.h"
#include "fixres/io/unpickler.h"
#include "fixres/io/zip_checkpoint.h"
#include "fixres/io/zip_reader.h"
#include "fuzz/fuzz_support.h"

namespace fixres::fuzz {
namespace io_checks {

/// The bytes a reader's tensors must stay inside: the mapped file, or (begin == nullptr) only
/// each tensor's own storage (the unpickler target's storages are made by its loader).
struct Bounds {
  const std::uint8_t* begin = nullptr;
  const std::uint8_t* end = nullptr;
};

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();
inline std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}
inline std::uint64_t add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

// Tensors this small are also copied to C order (RawTensor's strided copy).
constexpr std::uint64_t kCopyLimit = 1 << 16;

inline void check_storage(const io::Storage& storage, const Bounds& file, const std::string& where) {
  if (file.begin == nullptr || storage.nbytes == 0) return;
  if (storage.data < file.begin || storage.data > file.end ||
      storage.nbytes > static_cast<std::size_t>(file.end - storage.data)) {
    throw Violation(where + ": storage of " + std::to_string(storage.nbytes) + " bytes lies outside the file");
  }
}

inline void check_tensor(const io::RawTensor& t, const Bounds& file, const std::string& where) {
  if (!t.storage) throw Violation(where + ": tensor without a storage");
  if (t.strides.size() != t.shape.size()) throw Violation(where + ": shape and strides differ in length");
  if (t.offset < 0) throw Violation(where + ": negative storage offset");
  check_storage(*t.storage, file, where);
  std::uint64_t numel = 1;
  std::uint64_t last = static_cast<std::uint64_t>(t.offset);  // index of the last element addressed
  for (std::size_t k = 0; k < t.shape.size(); ++k) {
    if (t.shape[k] < 0 || t.strides[k] < 0) throw Violation(where + ": negative size or stride");
    // RawTensor::numel() multiplies in int64 from the first dimension: no prefix may overflow.
    numel = mul(numel, static_cast<std::uint64_t>(t.shape[k]));
    if (numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw Violation(where + ": element count of [" + io::shape_string(t.shape) + "] overflows int64");
    }
    if (t.shape[k] > 0) last = add(last, mul(static_cast<std::uint64_t>(t.shape[k] - 1), static_cast<std::uint64_t>(t.strides[k])));
  }
  const std::size_t elem = io::dtype_size(t.dtype);
  if (static_cast<std::uint64_t>(t.numel()) != numel || t.nbytes() != numel * elem) {
    throw Violation(where + ": numel()/nbytes() disagree with the shape");
  }
  if (numel == 0) return;
  if (mul(add(last, 1), elem) > t.storage->nbytes) {
    throw Violation(where + ": tensor [" + io::shape_string(t.shape) + "] reaches past its storage of " +
                    std::to_string(t.storage->nbytes) + " bytes");
  }
  if (t.storage->data == nullptr) return;  // a storage the unpickler target left unbacked
  touch(t.first_element(), elem);
  touch(t.storage->data + last * elem, elem);
  if (numel * elem <= kCopyLimit) {
    const io::RawTensor dense = io::contiguous_copy(t);
    touch(dense.first_element(), dense.nbytes());
  }
}

/// Walks a decoded tree once per shared container (a memo can share one list many times).
class TreeCheck {
 public:
  TreeCheck(const Bounds& file, std::string where) : file_(file), where_(std::move(where)) {}

  void visit(const io::Value& v, int level = 1) {
    v.type_name();
    v.summary();
    if (v.identity() != nullptr && !seen_.insert(v.identity()).second) return;
    const bool container = v.is(io::Value::Kind::List) || v.is(io::Value::Kind::Tuple) ||
                           v.is(io::Value::Kind::Dict) || v.is(io::Value::Kind::Object);
    // The unpickler promises at most 100 levels (what a recursive consumer may rely on).
    if (container && level > 100) throw Violation(where_ + ": values nested deeper than 100 levels");
    switch (v.kind()) {
      case io::Value::Kind::List:
      case io::Value::Kind::Tuple:
        for (const auto& item : v.items()) visit(item, level + 1);
        break;
      case io::Value::Kind::Dict:
        for (const auto& [key, value] : v.as_dict().items) {
          visit(key, level + 1);
          visit(value, level + 1);
        }
        for (const auto& [name, value] : v.as_dict().attributes) visit(value, level + 1);
        break;
      case io::Value::Kind::Object:
        for (const auto& arg : v.as_object().args) visit(arg, level + 1);
        break;
      case io::Value::Kind::Tensor: check_tensor(v.as_tensor(), file_, where_); break;
      case io::Value::Kind::Storage:
        if (v.as_storage().storage) check_storage(*v.as_storage().storage, file_, where_);
        break;
      default: break;
    }
  }

 private:
  Bounds file_;
  std::string where_;
  std::unordered_set<const void*> seen_;
};

inline Bounds bounds_of(const io::MappedFile& file) { return {file.data(), file.data() + file.size()}; }

}  // namespace io_checks

/// unpickle() over the input itself (protocols 0–5), storages from a loader that backs the small
/// ones with exact-size heap buffers (so that AddressSanitizer sees every access).
inline bool feed_unpickler(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.pkl";
  return refused_as<io::IoError>(name, [&] {
    const io::PersistentLoader loader = [&](const io::Value& pid) {
      const io::StorageId id = io::parse_storage_id(pid, name);
      auto storage = std::make_shared<io::Storage>();
      storage->nbytes = io::checked_storage_bytes(id.is_view ? id.view_numel : id.numel, id.dtype, name);
      if (storage->nbytes <= io_checks::kCopyLimit) {
        auto buffer = std::make_shared<std::vector<std::uint8_t>>(storage->nbytes);
        storage->data = buffer->data();
        storage->keepalive = buffer;
      }
      return io::Value::storage({storage, id.dtype, id.numel, id.key});
    };
    std::size_t consumed = 0;
    const io::Value root = io::unpickle(data, size, name, loader, &consumed);
    if (consumed == 0 || consumed > size) throw Violation("unpickle consumed " + std::to_string(consumed) + " bytes");
    io_checks::TreeCheck({}, name).visit(root);
  });
}

/// read_legacy_checkpoint() of the input as a mapped file.
inline bool feed_legacy_pth(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file("legacy.pth");
  const std::string& path = file.write(data, size);
  return refused_as<io::IoError>(path, [&] {
    const auto mapped = io::MappedFile::open(path);
    const io::Value root = io::read_legacy_checkpoint(mapped);
    io_checks::TreeCheck(io_checks::bounds_of(*mapped), path).visit(root);
  });
}

/// The zip directory parsed over the input itself (every stored entry read), then
/// read_zip_checkpoint() of the input as a mapped file.
inline bool feed_zip_pth(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file("zip.pth");
  const std::string& path = file.write(data, size);
  return refused_as<io::IoError>(path, [&] {
    const io::ZipReader zip(data, size, path);
    for (const io::ZipEntry& entry : zip.entries()) {
      if (entry.data_offset > size || entry.compressed_size > size - entry.data_offset) {
        throw Violation(path + ": zip entry '" + entry.name + "' lies outside the file");
      }
      if (zip.find(entry.name) == nullptr) throw Violation(path + ": zip entry '" + entry.name + "' is not found by name");
      if (entry.method == 0) touch(zip.stored_data(entry), static_cast<std::size_t>(entry.size));
    }
    const auto mapped = io::MappedFile::open(path);
    const io::Value root = io::read_zip_checkpoint(mapped);
    io_checks::TreeCheck(io_checks::bounds_of(*mapped), path).visit(root);
  });
}

/// read_safetensors() of the input as a mapped file.
inline bool feed_safetensors(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file("model.safetensors");
  const std::string& path = file.write(data, size);
  return refused_as<io::IoError>(path, [&] {
    const auto mapped = io::MappedFile::open(path);
    const io::SafetensorsFile st = io::read_safetensors(mapped);
    for (const auto& [name, tensor] : st.tensors) {
      io_checks::check_tensor(tensor, io_checks::bounds_of(*mapped), path + " (tensor '" + name + "')");
    }
  });
}

/// parse_npy() over the input itself; the array must lie inside it.
inline bool feed_npy(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.npy";
  return refused_as<io::IoError>(name, [&] {
    const io::NpyArray a = io::parse_npy(data, size, name, nullptr);
    std::uint64_t numel = 1;
    for (const std::int64_t d : a.shape) {
      if (d < 0) throw Violation(name + ": negative dimension");
      numel = io_checks::mul(numel, static_cast<std::uint64_t>(d));
    }
    const std::uint64_t nbytes = io_checks::mul(numel, io::dtype_size(a.dtype));
    if (numel > 0 && (a.data < data || a.data > data + size || nbytes > static_cast<std::uint64_t>(data + size - a.data))) {
      throw Violation(name + ": array of shape " + a.shape_string() + " lies outside the file");
    }
    if (static_cast<std::uint64_t>(a.numel()) != numel || a.nbytes() != nbytes) {
      throw Violation(name + ": numel()/nbytes() disagree with the shape");
    }
    touch(a.data, a.nbytes());
  });
}

/// The rows of the io targets.
inline std::vector<Target> io_targets() {
  return {
      {"unpickler", feed_unpickler}, {"legacy_pth", feed_legacy_pth}, {"zip_pth", feed_zip_pth},
      {"safetensors", feed_safetensors}, {"npy", feed_npy},
  };
}

}  // namespace fixres::fuzz
