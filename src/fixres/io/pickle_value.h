#pragma once
/// The value tree a checkpoint's pickle decodes to, torch-free: the Python types a state dict or a
/// training checkpoint uses (None, bool, int, float, str, bytes, list, tuple, dict/OrderedDict,
/// tensor). Containers are shared by reference, as in Python (a pickle's memo may refer to the
/// same list twice); everything else is a plain value.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "fixres/io/raw_tensor.h"

namespace fixres::io {

class Value;

/// list or tuple items.
struct Sequence {
  std::vector<Value> items;
  int depth = 1;        // nesting depth (1: holds no containers)
  bool sealed = false;  // set once stored inside another container (unpickler bookkeeping)
};

/// dict or collections.OrderedDict, items in insertion (file) order.
struct Dict {
  bool ordered = false;                          // OrderedDict
  std::vector<std::pair<Value, Value>> items;
  std::vector<std::pair<std::string, Value>> attributes;  // e.g. OrderedDict._metadata (set by BUILD)
  int depth = 1;
  bool sealed = false;

  /// The value under a str key, or nullptr.
  const Value* find(const std::string& key) const;
  /// The value under an int key, or nullptr.
  const Value* find(std::int64_t key) const;
  /// Appends an item (keys are not checked for duplicates; pickles never repeat them).
  void add(Value key, Value value);
};

/// A typed torch storage (torch.FloatStorage, …) referenced by a tensor.
struct StorageRef {
  std::shared_ptr<const Storage> storage;
  DType dtype = DType::Float32;
  std::int64_t numel = 0;  // in elements of dtype
  std::string key;         // the file's storage key
};

/// A whitelisted Python object the tree keeps opaque (e.g. a numpy dtype before BUILD).
struct Object {
  std::string type;  // "module.name"
  std::vector<Value> args;
};

class Value {
 public:
  enum class Kind { None, Bool, Int, BigInt, Float, String, Bytes, List, Tuple, Dict, Tensor, Storage, Global, Object };

  Value() = default;  // None
  Value(bool v) : kind_(Kind::Bool), data_(v) {}                      // NOLINT(google-explicit-constructor)
  Value(std::int64_t v) : kind_(Kind::Int), data_(v) {}               // NOLINT
  Value(int v) : Value(static_cast<std::int64_t>(v)) {}               // NOLINT
  Value(double v) : kind_(Kind::Float), data_(v) {}                   // NOLINT
  Value(std::string v) : kind_(Kind::String), data_(std::move(v)) {}  // NOLINT
  Value(const char* v) : Value(std::string(v)) {}                     // NOLINT
  Value(RawTensor v) : kind_(Kind::Tensor), data_(std::make_shared<RawTensor>(std::move(v))) {}  // NOLINT

  static Value bytes(std::string raw);
  /// An int wider than 64 bits: its little-endian two's-complement bytes (pickle LONG1/LONG4).
  static Value big_int(std::string little_endian);
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items = {});
  static Value dict(bool ordered = false);
  static Value storage(StorageRef ref);
  /// A reference to a whitelisted global "module.name" (unpickler intermediate).
  static Value global(std::string qualified_name);
  static Value object(Object obj);

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is(Kind kind) const { return kind_ == kind; }

  /// Accessors; each throws std::runtime_error naming the expected and actual type.
  bool as_bool() const;
  std::int64_t as_int() const;  // int (bool accepted, as in Python)
  double as_float() const;      // float or int
  const std::string& as_string() const;  // str, bytes, big int bytes, global name
  const std::vector<Value>& items() const;  // list or tuple
  std::vector<Value>& mutable_items();
  /// Appends to a list (keeps depth() up to date).
  void append(Value item);
  const Dict& as_dict() const;
  Dict& as_dict();
  const RawTensor& as_tensor() const;
  const StorageRef& as_storage() const;
  const Object& as_object() const;

  /// Shared container identity (for memo sharing and cycle checks); nullptr for scalars.
  const void* identity() const;
  /// Nesting depth: 0 for scalars and tensors, 1 + deepest child for containers.
  int depth() const;
  void seal();
  bool sealed() const;

  /// Python type name: "int", "OrderedDict", "tensor", …
  std::string type_name() const;
  /// A one-line summary for listings: 3, 0.5, 'adam', dict(2 items), tensor float32 [64x3], …
  std::string summary() const;

 private:
  using Data = std::variant<std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<Sequence>,
                            std::shared_ptr<Dict>, std::shared_ptr<RawTensor>, std::shared_ptr<StorageRef>,
                            std::shared_ptr<Object>>;
  Value(Kind kind, Data data) : kind_(kind), data_(std::move(data)) {}
  [[noreturn]] void type_error(const char* expected) const;

  Kind kind_ = Kind::None;
  Data data_;
};

}  // namespace fixres::io
