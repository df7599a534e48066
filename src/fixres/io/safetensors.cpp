#include "fixres/io/safetensors.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "fixres/io/atomic_file.h"
#include "fixres/io/io_error.h"
#include "fixres/io/mapped_file.h"

namespace fixres::io {
namespace {

constexpr std::array<std::pair<const char*, DType>, 10> kNames = {{
    {"F32", DType::Float32},
    {"F64", DType::Float64},
    {"F16", DType::Float16},
    {"BF16", DType::BFloat16},
    {"I64", DType::Int64},
    {"I32", DType::Int32},
    {"I16", DType::Int16},
    {"I8", DType::Int8},
    {"U8", DType::UInt8},
    {"BOOL", DType::Bool},
}};

// Header sizes beyond this are refused before any allocation (the reference implementation uses
// 100 MB too).
constexpr std::uint64_t kMaxHeader = 100'000'000;

std::string safetensors_name(DType dtype) {
  for (const auto& [name, d] : kNames) {
    if (d == dtype) return name;
  }
  throw std::logic_error("no safetensors name for " + dtype_name(dtype));
}

}  // namespace

bool looks_like_safetensors(const std::uint8_t* data, std::size_t size) {
  if (size < 10) return false;
  std::uint64_t n = 0;
  std::memcpy(&n, data, 8);
  return n >= 2 && n <= size - 8 && data[8] == '{';
}

SafetensorsFile read_safetensors(const std::string& path) { return read_safetensors(MappedFile::open(path)); }

SafetensorsFile read_safetensors(const std::shared_ptr<const MappedFile>& file) {
  const std::string& path = file->path();
  const std::uint8_t* data = file->data();
  const std::size_t size = file->size();
  if (size < 8) throw IoError(path, "truncated safetensors file: " + std::to_string(size) + " bytes, no header");
  std::uint64_t header_len = 0;
  std::memcpy(&header_len, data, 8);
  if (header_len > size - 8 || header_len > kMaxHeader) {
    throw IoError(path, "safetensors header claims " + std::to_string(header_len) + " bytes but the file has " +
                            std::to_string(size - 8) + " after the length field");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(data + 8, data + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(path, std::string("safetensors header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw IoError(path, "safetensors header is not a JSON object");
  const std::uint8_t* base = data + 8 + header_len;
  const std::uint64_t data_size = size - 8 - header_len;

  SafetensorsFile out;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  std::vector<std::pair<std::uint64_t, std::size_t>> order;  // (begin, index) to sort by file layout
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw IoError(path, "__metadata__ must be an object of strings");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw IoError(path, "__metadata__['" + k + "'] is not a string");
        out.metadata.emplace_back(k, v.get<std::string>());
      }
      continue;
    }
    // C++17 lambdas cannot capture a structured binding (clang refuses; GCC allows it).
    auto bad = [&path, &tensor = name](const std::string& what) { return IoError(path, "tensor '" + tensor + "': " + what); };
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
      throw bad("needs dtype, shape and data_offsets");
    }
    RawTensor t;
    const auto& dt = entry["dtype"];
    if (!dt.is_string()) throw bad("dtype must be a string");
    auto known = std::find_if(kNames.begin(), kNames.end(), [&](const auto& p) { return dt.get<std::string>() == p.first; });
    if (known == kNames.end()) throw bad("unsupported dtype '" + dt.get<std::string>() + "'");
    t.dtype = known->second;
    const auto& shape = entry["shape"];
    if (!shape.is_array()) throw bad("shape must be an array");
    for (const auto& d : shape) {
      if (!d.is_number_unsigned()) throw bad("shape entries must be non-negative integers");
      const auto v = d.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(INT64_MAX)) throw bad("dimension too large");
      t.shape.push_back(static_cast<std::int64_t>(v));
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      throw bad("data_offsets must be [begin, end]");
    }
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > data_size) {
      throw bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] outside the " +
                std::to_string(data_size) + " data bytes");
    }
    t.strides = contiguous_strides(t.shape);
    auto storage = std::make_shared<Storage>();
    storage->data = base + begin;
    storage->nbytes = static_cast<std::size_t>(end - begin);
    storage->keepalive = file;
    storage->mapped = true;
    t.storage = storage;
    check_tensor_bounds(t, path + " (tensor '" + name + "')");
    if (t.nbytes() != end - begin) {
      throw bad("shape [" + shape_string(t.shape) + "] of " + dtype_name(t.dtype) + " needs " + std::to_string(t.nbytes()) +
                " bytes, data_offsets give " + std::to_string(end - begin));
    }
    order.emplace_back(begin, out.tensors.size());
    ranges.emplace_back(begin, end);
    out.tensors.emplace_back(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) throw IoError(path, "safetensors tensors overlap in the data section");
  }
  std::stable_sort(order.begin(), order.end());
  StateDict sorted;
  sorted.reserve(order.size());
  for (const auto& [begin, index] : order) sorted.push_back(std::move(out.tensors[index]));
  out.tensors = std::move(sorted);
  return out;
}

void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    auto& meta = header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
  }
  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second) {
      throw std::invalid_argument("write_safetensors: duplicate or reserved tensor name '" + name + "'");
    }
    header[name] = {{"dtype", safetensors_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  write_file_atomically(path, [&](AtomicWriter& out) {
    const std::uint64_t n = text.size();
    out.write(&n, 8);
    out.write(text);
    for (const auto& [name, t] : tensors) {
      if (t.is_contiguous()) {
        out.write(t.first_element(), t.nbytes());
      } else {
        const RawTensor dense = contiguous_copy(t);
        out.write(dense.first_element(), dense.nbytes());
      }
    }
  });
}

}  // namespace fixres::io
