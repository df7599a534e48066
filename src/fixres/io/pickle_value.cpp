#include "fixres/io/pickle_value.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace fixres::io {

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items) {
    if (k.is(Value::Kind::String) && k.as_string() == key) return &v;
  }
  return nullptr;
}

const Value* Dict::find(std::int64_t key) const {
  for (const auto& [k, v] : items) {
    if (k.is(Value::Kind::Int) && k.as_int() == key) return &v;
  }
  return nullptr;
}

void Dict::add(Value key, Value value) {
  depth = std::max({depth, key.depth() + 1, value.depth() + 1});
  items.emplace_back(std::move(key), std::move(value));
}


Value Value::bytes(std::string raw) { return Value(Kind::Bytes, std::move(raw)); }
Value Value::big_int(std::string little_endian) { return Value(Kind::BigInt, std::move(little_endian)); }
Value Value::global(std::string qualified_name) { return Value(Kind::Global, std::move(qualified_name)); }

Value Value::list(std::vector<Value> items) {
  auto seq = std::make_shared<Sequence>();
  for (const auto& item : items) seq->depth = std::max(seq->depth, item.depth() + 1);
  seq->items = std::move(items);
  return Value(Kind::List, std::move(seq));
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.kind_ = Kind::Tuple;
  return v;
}

Value Value::dict(bool ordered) {
  auto d = std::make_shared<Dict>();
  d->ordered = ordered;
  return Value(Kind::Dict, std::move(d));
}

Value Value::storage(StorageRef ref) { return Value(Kind::Storage, std::make_shared<StorageRef>(std::move(ref))); }
Value Value::object(Object obj) { return Value(Kind::Object, std::make_shared<Object>(std::move(obj))); }

void Value::type_error(const char* expected) const {
  throw std::runtime_error(std::string("expected ") + expected + ", got " + type_name());
}

bool Value::as_bool() const {
  if (kind_ != Kind::Bool) type_error("bool");
  return std::get<bool>(data_);
}

std::int64_t Value::as_int() const {
  if (kind_ == Kind::Bool) return std::get<bool>(data_) ? 1 : 0;
  if (kind_ != Kind::Int) type_error("int");
  return std::get<std::int64_t>(data_);
}

double Value::as_float() const {
  if (kind_ == Kind::Int) return static_cast<double>(std::get<std::int64_t>(data_));
  if (kind_ != Kind::Float) type_error("float");
  return std::get<double>(data_);
}

const std::string& Value::as_string() const {
  if (!std::holds_alternative<std::string>(data_)) type_error("str");
  return std::get<std::string>(data_);
}

const std::vector<Value>& Value::items() const {
  if (kind_ != Kind::List && kind_ != Kind::Tuple) type_error("list or tuple");
  return std::get<std::shared_ptr<Sequence>>(data_)->items;
}

std::vector<Value>& Value::mutable_items() {
  if (kind_ != Kind::List && kind_ != Kind::Tuple) type_error("list or tuple");
  return std::get<std::shared_ptr<Sequence>>(data_)->items;
}

void Value::append(Value item) {
  if (kind_ != Kind::List) type_error("list");
  auto& seq = *std::get<std::shared_ptr<Sequence>>(data_);
  seq.depth = std::max(seq.depth, item.depth() + 1);
  seq.items.push_back(std::move(item));
}

const Dict& Value::as_dict() const {
  if (kind_ != Kind::Dict) type_error("dict");
  return *std::get<std::shared_ptr<Dict>>(data_);
}

Dict& Value::as_dict() {
  if (kind_ != Kind::Dict) type_error("dict");
  return *std::get<std::shared_ptr<Dict>>(data_);
}

const RawTensor& Value::as_tensor() const {
  if (kind_ != Kind::Tensor) type_error("tensor");
  return *std::get<std::shared_ptr<RawTensor>>(data_);
}

const StorageRef& Value::as_storage() const {
  if (kind_ != Kind::Storage) type_error("torch storage");
  return *std::get<std::shared_ptr<StorageRef>>(data_);
}

const Object& Value::as_object() const {
  if (kind_ != Kind::Object) type_error("object");
  return *std::get<std::shared_ptr<Object>>(data_);
}

const void* Value::identity() const {
  if (auto* s = std::get_if<std::shared_ptr<Sequence>>(&data_)) return s->get();
  if (auto* d = std::get_if<std::shared_ptr<Dict>>(&data_)) return d->get();
  return nullptr;
}

int Value::depth() const {
  if (auto* s = std::get_if<std::shared_ptr<Sequence>>(&data_)) return (*s)->depth;
  if (auto* d = std::get_if<std::shared_ptr<Dict>>(&data_)) return (*d)->depth;
  return 0;
}

void Value::seal() {
  if (auto* s = std::get_if<std::shared_ptr<Sequence>>(&data_)) (*s)->sealed = true;
  if (auto* d = std::get_if<std::shared_ptr<Dict>>(&data_)) (*d)->sealed = true;
}

bool Value::sealed() const {
  if (auto* s = std::get_if<std::shared_ptr<Sequence>>(&data_)) return (*s)->sealed;
  if (auto* d = std::get_if<std::shared_ptr<Dict>>(&data_)) return (*d)->sealed;
  return false;
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int:
    case Kind::BigInt: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return as_dict().ordered ? "OrderedDict" : "dict";
    case Kind::Tensor: return "tensor";
    case Kind::Storage: return "storage";
    case Kind::Global: return "global " + as_string();
    case Kind::Object: return as_object().type;
  }
  return "?";
}

std::string Value::summary() const {
  switch (kind_) {
    case Kind::None: return "None";
    case Kind::Bool: return as_bool() ? "True" : "False";
    case Kind::Int: return std::to_string(as_int());
    case Kind::BigInt: return "int (" + std::to_string(as_string().size()) + " bytes)";
    case Kind::Float: {  // shortest text that reads back exactly, as Python's repr
      char buffer[32];
      for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(buffer, sizeof buffer, "%.*g", digits, as_float());
        if (std::strtod(buffer, nullptr) == as_float()) break;
      }
      return buffer;
    }
    case Kind::String: {
      const auto& s = as_string();
      return s.size() <= 60 ? "'" + s + "'" : "'" + s.substr(0, 57) + "...'";
    }
    case Kind::Bytes: return "bytes (" + std::to_string(as_string().size()) + ")";
    case Kind::List:
    case Kind::Tuple: return type_name() + " (" + std::to_string(items().size()) + " items)";
    case Kind::Dict: return type_name() + " (" + std::to_string(as_dict().items.size()) + " items)";
    case Kind::Tensor: {
      const auto& t = as_tensor();
      return "tensor " + dtype_name(t.dtype) + " [" + shape_string(t.shape) + "]";
    }
    default: return type_name();
  }
}

}  // namespace fixres::io
