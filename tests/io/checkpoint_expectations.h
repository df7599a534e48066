#pragma once
// Compares a decoded checkpoint with what PyTorch itself loaded from the same file
// (tests/fixtures/checkpoints/expected.{json,bin}, written by tools/fixtures/checkpoints.py).

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/paths.h"
#include "fixres/io/pickle_value.h"

namespace fixres::testing {

/// One flattened value: containers by type and length, scalars by type and printed value, tensors
/// by dtype, shape and C-order bytes.
struct Flat {
  std::string type;
  std::string value;
  bool operator==(const Flat& o) const { return type == o.type && value == o.value; }
};

inline std::string hex(const std::string& bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

inline std::string tensor_text(const std::string& dtype, const std::vector<std::int64_t>& shape, const std::string& bytes) {
  std::string s = dtype + " [";
  for (auto d : shape) s += std::to_string(d) + ",";
  return s + "] " + hex(bytes);
}

inline std::string float_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline void flatten(const io::Value& v, const std::string& path, std::map<std::string, Flat>& out) {
  using K = io::Value::Kind;
  auto child = [&](const std::string& key) { return path.empty() ? key : path + "/" + key; };
  switch (v.kind()) {
    case K::Tensor: {
      const auto& t = v.as_tensor();
      std::string bytes(t.nbytes(), '\0');
      io::copy_to_contiguous(t, reinterpret_cast<std::uint8_t*>(bytes.data()));
      out[path] = {"tensor", tensor_text(io::dtype_name(t.dtype), t.shape, bytes)};
      return;
    }
    case K::Dict: {
      const auto& d = v.as_dict();
      out[path] = {d.ordered ? "OrderedDict" : "dict", std::to_string(d.items.size())};
      for (const auto& [k, x] : d.items) flatten(x, child(k.is(K::String) ? k.as_string() : std::to_string(k.as_int())), out);
      return;
    }
    case K::List:
    case K::Tuple:
      out[path] = {v.is(K::List) ? "list" : "tuple", std::to_string(v.items().size())};
      for (std::size_t i = 0; i < v.items().size(); ++i) flatten(v.items()[i], child(std::to_string(i)), out);
      return;
    case K::Bool: out[path] = {"bool", v.as_bool() ? "true" : "false"}; return;
    case K::Int: out[path] = {"int", std::to_string(v.as_int())}; return;
    case K::BigInt: out[path] = {"bigint", hex(v.as_string())}; return;
    case K::Float: out[path] = {"float", float_text(v.as_float())}; return;
    case K::String: out[path] = {"str", v.as_string()}; return;
    case K::Bytes: out[path] = {"bytes", hex(v.as_string())}; return;
    case K::None: out[path] = {"None", ""}; return;
    default: out[path] = {v.type_name(), "?"}; return;
  }
}

inline std::map<std::string, Flat> flatten(const io::Value& root) {
  std::map<std::string, Flat> out;
  flatten(root, "", out);
  return out;
}

inline const nlohmann::json& expected_json() {
  static const nlohmann::json j = [] {
    std::ifstream in(fixture("checkpoints/expected.json"));
    return nlohmann::json::parse(in);
  }();
  return j;
}

inline const std::string& expected_blob() {
  static const std::string blob = [] {
    std::ifstream in(fixture("checkpoints/expected.bin"), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  return blob;
}

/// What PyTorch loaded from tests/fixtures/checkpoints/<file>, flattened like flatten().
inline std::map<std::string, Flat> expected_values(const std::string& file) {
  std::map<std::string, Flat> out;
  for (const auto& [path, e] : expected_json().at(file).items()) {
    const std::string type = e.at("type");
    if (type == "tensor") {
      const std::string bytes = expected_blob().substr(e.at("offset"), e.at("nbytes"));
      out[path] = {type, tensor_text(e.at("dtype"), e.at("shape").get<std::vector<std::int64_t>>(), bytes)};
    } else if (type == "dict" || type == "OrderedDict" || type == "list" || type == "tuple") {
      out[path] = {type, std::to_string(e.at("length").get<int>())};
    } else if (type == "bool") {
      out[path] = {type, e.at("value").get<bool>() ? "true" : "false"};
    } else if (type == "int") {
      out[path] = {type, std::to_string(e.at("value").get<std::int64_t>())};
    } else if (type == "float") {
      out[path] = {type, float_text(e.at("value").get<double>())};
    } else if (type == "None") {
      out[path] = {type, ""};
    } else {
      out[path] = {type, e.at("value").get<std::string>()};
    }
  }
  return out;
}

/// Human-readable differences ("path: expected …, got …"), empty when equal.
inline std::vector<std::string> differences(const std::map<std::string, Flat>& expected,
                                            const std::map<std::string, Flat>& actual) {
  std::vector<std::string> out;
  for (const auto& [path, e] : expected) {
    auto it = actual.find(path);
    if (it == actual.end()) out.push_back(path + ": missing");
    else if (!(it->second == e)) out.push_back(path + ": expected " + e.type + " " + e.value.substr(0, 80) + ", got " +
                                               it->second.type + " " + it->second.value.substr(0, 80));
  }
  for (const auto& [path, a] : actual) {
    if (!expected.count(path)) out.push_back(path + ": unexpected " + a.type);
  }
  return out;
}

/// Names of the fixture files that have expected values.
inline std::vector<std::string> expected_files() {
  std::vector<std::string> out;
  for (const auto& [name, _] : expected_json().items()) out.push_back(name);
  return out;
}

}  // namespace fixres::testing
