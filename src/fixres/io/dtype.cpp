#include "fixres/io/dtype.h"

#include <array>
#include <stdexcept>
#include <utility>

namespace fixres::io {
namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  std::size_t size;
};

constexpr std::array<DTypeInfo, 10> kDTypes = {{
    {DType::Float32, "float32", 4},
    {DType::Float64, "float64", 8},
    {DType::Float16, "float16", 2},
    {DType::BFloat16, "bfloat16", 2},
    {DType::Int64, "int64", 8},
    {DType::Int32, "int32", 4},
    {DType::Int16, "int16", 2},
    {DType::Int8, "int8", 1},
    {DType::UInt8, "uint8", 1},
    {DType::Bool, "bool", 1},
}};

const DTypeInfo& info(DType dtype) {
  for (const auto& entry : kDTypes) {
    if (entry.dtype == dtype) return entry;
  }
  throw std::logic_error("fixres: unknown DType value " + std::to_string(static_cast<int>(dtype)));
}

}  // namespace

std::size_t dtype_size(DType dtype) { return info(dtype).size; }

std::string dtype_name(DType dtype) { return info(dtype).name; }

DType dtype_from_name(const std::string& name) {
  for (const auto& entry : kDTypes) {
    if (name == entry.name) return entry.dtype;
  }
  throw std::invalid_argument("unknown dtype '" + name +
                              "' (expected float32, float64, float16, bfloat16, int64, int32, "
                              "int16, int8, uint8 or bool)");
}

}  // namespace fixres::io
