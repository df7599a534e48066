#include "fixres/io/pickler.h"

#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "fixres/io/torch_storage.h"

namespace fixres::io {
namespace {

class Pickler {
 public:
  PickledObject run(const Value& root) {
    out_.bytes += "\x80\x02";
    save(root, 0);
    out_.bytes += '.';
    return std::move(out_);
  }

 private:
  void op(char c) { out_.bytes += c; }
  void u32(std::uint32_t v) { out_.bytes.append(reinterpret_cast<const char*>(&v), 4); }
  void global(const char* module, const std::string& name) {
    op('c');
    out_.bytes += module;
    op('\n');
    out_.bytes += name;
    op('\n');
  }
  void text(const std::string& s) {
    if (s.size() > 0xFFFFFFFFu) throw std::invalid_argument("string too long to pickle");
    op('X');
    u32(static_cast<std::uint32_t>(s.size()));
    out_.bytes += s;
  }
  void integer(std::int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      op(static_cast<char>(v));
    } else if (v >= 0 && v < 65536) {
      op('M');
      auto u = static_cast<std::uint16_t>(v);
      out_.bytes.append(reinterpret_cast<const char*>(&u), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      auto i = static_cast<std::int32_t>(v);
      out_.bytes.append(reinterpret_cast<const char*>(&i), 4);
    } else {
      op('\x8a');  // LONG1, 8 bytes two's complement
      op(8);
      out_.bytes.append(reinterpret_cast<const char*>(&v), 8);
    }
  }
  void floating(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, 8);
    op('G');
    for (int i = 7; i >= 0; --i) op(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
  void ordered_dict_call() {
    global("collections", "OrderedDict");
    op(')');
    op('R');
  }
  void dict_items(const std::vector<std::pair<Value, Value>>& items, int depth) {
    if (items.empty()) return;
    op('(');
    for (const auto& [k, v] : items) {
      save(k, depth + 1);
      save(v, depth + 1);
    }
    op('u');
  }
  void tensor(const RawTensor& t, int depth) {
    if (!t.storage) throw std::invalid_argument("cannot pickle a tensor without storage");
    const std::size_t elem = dtype_size(t.dtype);
    if (t.storage->nbytes % elem != 0) throw std::invalid_argument("tensor storage is not a whole number of elements");
    auto [it, fresh] = keys_.try_emplace(t.storage.get(), std::to_string(keys_.size()));
    if (fresh) out_.storages.emplace_back(it->second, t.storage);
    global("torch._utils", "_rebuild_tensor_v2");
    op('(');
    op('(');  // persistent id
    text("storage");
    global("torch", storage_class_name(t.dtype));
    text(it->second);
    text("cpu");
    integer(static_cast<std::int64_t>(t.storage->nbytes / elem));
    op('t');
    op('Q');
    integer(t.offset);
    for (const auto* dims : {&t.shape, &t.strides}) {
      op('(');
      for (auto d : *dims) integer(d);
      op('t');
    }
    op('\x89');  // requires_grad False
    ordered_dict_call();  // backward hooks
    op('t');
    op('R');
    (void)depth;
  }
  void save(const Value& v, int depth) {
    if (depth > 100) throw std::invalid_argument("value nested too deeply to pickle");
    switch (v.kind()) {
      case Value::Kind::None: op('N'); return;
      case Value::Kind::Bool: op(v.as_bool() ? '\x88' : '\x89'); return;
      case Value::Kind::Int: integer(v.as_int()); return;
      case Value::Kind::BigInt: {
        const std::string& raw = v.as_string();
        if (raw.size() > 255) throw std::invalid_argument("int too large to pickle");
        op('\x8a');
        op(static_cast<char>(raw.size()));
        out_.bytes += raw;
        return;
      }
      case Value::Kind::Float: floating(v.as_float()); return;
      case Value::Kind::String: text(v.as_string()); return;
      case Value::Kind::Bytes:
        op('B');
        u32(static_cast<std::uint32_t>(v.as_string().size()));
        out_.bytes += v.as_string();
        return;
      case Value::Kind::List:
        op(']');
        if (!v.items().empty()) {
          op('(');
          for (const auto& item : v.items()) save(item, depth + 1);
          op('e');
        }
        return;
      case Value::Kind::Tuple:
        op('(');
        for (const auto& item : v.items()) save(item, depth + 1);
        op('t');
        return;
      case Value::Kind::Dict: {
        const Dict& d = v.as_dict();
        if (d.ordered) ordered_dict_call();
        else op('}');
        dict_items(d.items, depth);
        if (!d.attributes.empty()) {  // obj.__dict__ via BUILD, as pickle does for OrderedDict
          op('}');
          op('(');
          for (const auto& [name, value] : d.attributes) {
            text(name);
            save(value, depth + 1);
          }
          op('u');
          op('b');
        }
        return;
      }
      case Value::Kind::Tensor: tensor(v.as_tensor(), depth); return;
      default: throw std::invalid_argument("cannot write a " + v.type_name() + " into a checkpoint");
    }
  }

  PickledObject out_;
  std::unordered_map<const Storage*, std::string> keys_;
};

}  // namespace

PickledObject pickle_checkpoint(const Value& root) { return Pickler().run(root); }

}  // namespace fixres::io
