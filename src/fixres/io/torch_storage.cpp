#include "fixres/io/torch_storage.h"

#include <array>
#include <utility>

#include "fixres/io/io_error.h"

namespace fixres::io {
namespace {

constexpr std::array<std::pair<const char*, DType>, 10> kStorageClasses = {{
    {"FloatStorage", DType::Float32},
    {"DoubleStorage", DType::Float64},
    {"HalfStorage", DType::Float16},
    {"BFloat16Storage", DType::BFloat16},
    {"LongStorage", DType::Int64},
    {"IntStorage", DType::Int32},
    {"ShortStorage", DType::Int16},
    {"CharStorage", DType::Int8},
    {"ByteStorage", DType::UInt8},
    {"BoolStorage", DType::Bool},
}};

}  // namespace

std::optional<DType> storage_class_dtype(const std::string& qualified_name) {
  if (qualified_name == "torch.UntypedStorage" || qualified_name == "torch.storage.UntypedStorage") {
    return DType::UInt8;
  }
  for (const char* prefix : {"torch.", "torch.cuda."}) {
    const std::string p(prefix);
    if (qualified_name.compare(0, p.size(), p) != 0) continue;
    const std::string name = qualified_name.substr(p.size());
    for (const auto& [cls, dtype] : kStorageClasses) {
      if (name == cls) return dtype;
    }
  }
  return std::nullopt;
}

std::string storage_class_name(DType dtype) {
  for (const auto& [cls, d] : kStorageClasses) {
    if (d == dtype) return cls;
  }
  throw std::logic_error("fixres: no storage class for dtype " + dtype_name(dtype));
}

std::size_t checked_storage_bytes(std::int64_t numel, DType dtype, const std::string& source) {
  std::int64_t bytes = 0;
  if (numel < 0 || __builtin_mul_overflow(numel, static_cast<std::int64_t>(dtype_size(dtype)), &bytes)) {
    throw IoError(source, "invalid storage element count " + std::to_string(numel));
  }
  return static_cast<std::size_t>(bytes);
}

StorageId parse_storage_id(const Value& pid, const std::string& source) {
  auto bad = [&](const std::string& what) -> IoError {
    return IoError(source, "malformed storage reference (persistent id): " + what);
  };
  if (!pid.is(Value::Kind::Tuple)) throw bad("expected a tuple, got " + pid.type_name());
  const auto& t = pid.items();
  if (t.size() != 5 && t.size() != 6) throw bad("expected 5 or 6 fields, got " + std::to_string(t.size()));
  if (!t[0].is(Value::Kind::String) || t[0].as_string() != "storage") {
    throw bad("expected typename 'storage', got " + t[0].summary());
  }
  if (!t[1].is(Value::Kind::Global)) throw bad("expected a storage class, got " + t[1].type_name());
  StorageId id;
  auto dtype = storage_class_dtype(t[1].as_string());
  if (!dtype) throw bad("unknown storage class " + t[1].as_string());
  id.dtype = *dtype;
  if (!t[2].is(Value::Kind::String)) throw bad("storage key must be a str, got " + t[2].type_name());
  id.key = t[2].as_string();
  if (!t[3].is(Value::Kind::String)) throw bad("location must be a str, got " + t[3].type_name());
  id.location = t[3].as_string();
  if (!t[4].is(Value::Kind::Int) || t[4].as_int() < 0) throw bad("element count must be an int >= 0, got " + t[4].summary());
  id.numel = t[4].as_int();
  checked_storage_bytes(id.numel, id.dtype, source);
  if (t.size() == 6 && !t[5].is_none()) {
    const Value& view = t[5];
    if (!view.is(Value::Kind::Tuple) || view.items().size() != 3 || !view.items()[0].is(Value::Kind::String) ||
        !view.items()[1].is(Value::Kind::Int) || !view.items()[2].is(Value::Kind::Int)) {
      throw bad("view metadata must be (str key, int offset, int size), got " + view.summary());
    }
    id.is_view = true;
    id.view_key = view.items()[0].as_string();
    id.view_offset = view.items()[1].as_int();
    id.view_numel = view.items()[2].as_int();
    std::int64_t end = 0;
    if (id.view_offset < 0 || id.view_numel < 0 || __builtin_add_overflow(id.view_offset, id.view_numel, &end) ||
        end > id.numel) {
      throw bad("storage view [" + std::to_string(id.view_offset) + ", +" + std::to_string(id.view_numel) +
                ") exceeds its root storage of " + std::to_string(id.numel) + " elements");
    }
  }
  return id;
}

}  // namespace fixres::io
