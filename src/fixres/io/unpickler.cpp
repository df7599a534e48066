#include "fixres/io/unpickler.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fixres/io/io_error.h"
#include "fixres/io/torch_storage.h"

namespace fixres::io {
namespace {

constexpr int kMaxDepth = 100;

// What a whitelisted global does when called (REDUCE / NEWOBJ / INST / OBJ).
enum class Callable {
  NotCallable,  // a type only used as an argument (storage classes, torch.Tensor, …)
  OrderedDict,
  RebuildTensorV2,
  RebuildTensor,
  RebuildParameter,
  RebuildParameterWithState,
  RebuildFromType,
  TorchSize,
  Set,
  CodecsEncode,
  NumpyScalar,
  NumpyDType,
};

const std::unordered_map<std::string, Callable>& whitelist() {
  static const std::unordered_map<std::string, Callable> table = {
      {"collections.OrderedDict", Callable::OrderedDict},
      {"torch._utils._rebuild_tensor_v2", Callable::RebuildTensorV2},
      {"torch._utils._rebuild_tensor", Callable::RebuildTensor},
      {"torch._utils._rebuild_parameter", Callable::RebuildParameter},
      {"torch._utils._rebuild_parameter_with_state", Callable::RebuildParameterWithState},
      {"torch._tensor._rebuild_from_type_v2", Callable::RebuildFromType},
      {"torch.Tensor", Callable::NotCallable},
      {"torch.nn.parameter.Parameter", Callable::NotCallable},
      {"torch.Size", Callable::TorchSize},
      {"builtins.set", Callable::Set},
      {"builtins.frozenset", Callable::Set},
      {"_codecs.encode", Callable::CodecsEncode},
      {"numpy.core.multiarray.scalar", Callable::NumpyScalar},
      {"numpy._core.multiarray.scalar", Callable::NumpyScalar},  // numpy >= 2
      {"numpy.dtype", Callable::NumpyDType},
  };
  return table;
}

std::string qualified(std::string module, const std::string& name) {
  if (module == "__builtin__") module = "builtins";  // Python 2 pickles
  return module + "." + name;
}

class Unpickler {
 public:
  Unpickler(const std::uint8_t* data, std::size_t size, const std::string& source, const PersistentLoader& loader)
      : data_(data), size_(size), source_(source), loader_(loader) {}

  Value run(std::size_t* consumed);

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(source_, "pickle byte " + std::to_string(opcode_pos_) + ": " + what);
  }

  // ---- input ----
  void need(std::uint64_t n) const {
    if (n > size_ - pos_) {
      fail("needs " + std::to_string(n) + " more bytes but only " + std::to_string(size_ - pos_) +
           " remain (truncated or corrupt pickle)");
    }
  }
  const std::uint8_t* take(std::uint64_t n) {
    need(n);
    const std::uint8_t* p = data_ + pos_;
    pos_ += static_cast<std::size_t>(n);
    return p;
  }
  template <typename T>
  T read_le() {
    T v{};
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string read_string(std::uint64_t n) {
    const auto* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  std::string read_line() {
    const void* nl = std::memchr(data_ + pos_, '\n', size_ - pos_);
    if (nl == nullptr) fail("unterminated text argument");
    const auto n = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - (data_ + pos_));
    std::string line = read_string(n);
    ++pos_;
    return line;
  }
  std::int64_t parse_decimal(std::string text) {
    if (!text.empty() && text.back() == 'L') text.pop_back();
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) fail("bad or out-of-range integer '" + text + "'");
    return v;
  }
  Value read_long(std::uint64_t n) {
    const std::string raw = read_string(n);
    if (n > 8) return Value::big_int(raw);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(raw[i])) << (8 * i);
    if (n > 0 && n < 8 && (static_cast<std::uint8_t>(raw.back()) & 0x80)) v |= ~std::uint64_t{0} << (8 * n);  // sign
    return Value(static_cast<std::int64_t>(v));
  }

  // ---- stack ----
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value v) { stack_.push_back(std::move(v)); }
  Value pop() {
    if (stack_.size() <= floor()) fail("stack underflow");
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.size() <= floor()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_mark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
                             std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  // ---- containers ----
  // `child` becomes part of `parent`: from now on it may not change (this keeps the tree acyclic
  // and its depth exact).
  void adopt(const Value& parent, Value& child) {
    if (child.identity() != nullptr && child.identity() == parent.identity()) fail("a container that contains itself");
    if (child.depth() + 1 > kMaxDepth) fail("values nested deeper than " + std::to_string(kMaxDepth));
    child.seal();
  }
  void check_mutable(const Value& target, Value::Kind kind, const char* opcode) {
    if (!target.is(kind)) fail(std::string(opcode) + " on a " + target.type_name());
    if (target.sealed()) fail(std::string(opcode) + " modifies a container already stored elsewhere");
  }
  Value make_tuple(std::vector<Value> items) {
    for (auto& item : items) {
      if (item.depth() + 1 > kMaxDepth) fail("values nested deeper than " + std::to_string(kMaxDepth));
      item.seal();
    }
    return Value::tuple(std::move(items));
  }
  void append_items(std::vector<Value> items, const char* opcode) {
    Value& list = top();
    check_mutable(list, Value::Kind::List, opcode);
    for (auto& item : items) {
      adopt(list, item);
      list.append(std::move(item));
    }
  }
  void set_items(std::vector<Value> items, const char* opcode) {
    if (items.size() % 2 != 0) fail(std::string(opcode) + " with an odd number of stack items");
    Value& dict = top();
    check_mutable(dict, Value::Kind::Dict, opcode);
    for (std::size_t i = 0; i < items.size(); i += 2) {
      adopt(dict, items[i]);
      adopt(dict, items[i + 1]);
      dict.as_dict().add(std::move(items[i]), std::move(items[i + 1]));
    }
  }

  // ---- globals and calls ----
  Value global(const std::string& module, const std::string& name) {
    const std::string q = qualified(module, name);
    if (whitelist().count(q) == 0 && !storage_class_dtype(q)) {
      fail("refusing to load global '" + q +
           "': only the types of tensors and state dicts are allowed (nothing in a checkpoint is executed)");
    }
    return Value::global(q);
  }
  Value call(const Value& callable, std::vector<Value> args, const char* opcode);
  Value rebuild_tensor(const std::vector<Value>& args, std::size_t min_args);
  Value numpy_scalar(const std::vector<Value>& args);
  std::vector<std::int64_t> int_tuple(const Value& v, const char* what);
  void build(Value state);

  void memo_put(std::uint64_t index) { memo_[index] = top(); }
  Value memo_get(std::uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    return it->second;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  const std::string& source_;
  const PersistentLoader& loader_;
  std::size_t pos_ = 0;
  std::size_t opcode_pos_ = 0;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Value> memo_;
};

std::vector<std::int64_t> Unpickler::int_tuple(const Value& v, const char* what) {
  if (!v.is(Value::Kind::Tuple) && !v.is(Value::Kind::List)) fail(std::string(what) + " must be a tuple, got " + v.type_name());
  std::vector<std::int64_t> out;
  out.reserve(v.items().size());
  for (const auto& item : v.items()) {
    if (!item.is(Value::Kind::Int)) fail(std::string(what) + " must hold ints, got " + item.type_name());
    out.push_back(item.as_int());
  }
  return out;
}

Value Unpickler::rebuild_tensor(const std::vector<Value>& args, std::size_t min_args) {
  if (args.size() < min_args) fail("tensor rebuild with " + std::to_string(args.size()) + " arguments");
  if (!args[0].is(Value::Kind::Storage)) fail("tensor rebuild expects a storage, got " + args[0].type_name());
  if (!args[1].is(Value::Kind::Int)) fail("tensor storage offset must be an int, got " + args[1].type_name());
  const StorageRef& ref = args[0].as_storage();
  RawTensor t;
  t.dtype = ref.dtype;
  t.storage = ref.storage;
  t.offset = args[1].as_int();
  t.shape = int_tuple(args[2], "tensor size");
  t.strides = int_tuple(args[3], "tensor stride");
  check_tensor_bounds(t, source_ + " (storage '" + ref.key + "')");
  return Value(std::move(t));
}

Value Unpickler::numpy_scalar(const std::vector<Value>& args) {
  if (args.size() != 2 || !args[0].is(Value::Kind::Object) || args[0].as_object().type != "numpy.dtype" ||
      args[0].as_object().args.empty() || !args[0].as_object().args[0].is(Value::Kind::String) ||
      !args[1].is(Value::Kind::Bytes)) {
    fail("numpy scalar needs (numpy.dtype, bytes)");
  }
  const std::string& code = args[0].as_object().args[0].as_string();
  const std::string& raw = args[1].as_string();
  auto expect = [&](std::size_t n) {
    if (raw.size() != n) fail("numpy scalar of type " + code + " with " + std::to_string(raw.size()) + " bytes");
  };
  auto load = [&](auto v) {
    expect(sizeof v);
    std::memcpy(&v, raw.data(), sizeof v);
    return v;
  };
  if (code == "f8") return Value(load(double{}));
  if (code == "f4") return Value(static_cast<double>(load(float{})));
  if (code == "i8") return Value(static_cast<std::int64_t>(load(std::int64_t{})));
  if (code == "i4") return Value(static_cast<std::int64_t>(load(std::int32_t{})));
  if (code == "b1") return Value(load(std::uint8_t{}) != 0);
  fail("unsupported numpy scalar type '" + code + "'");
}

Value Unpickler::call(const Value& callable, std::vector<Value> args, const char* opcode) {
  if (!callable.is(Value::Kind::Global)) fail(std::string(opcode) + " on a " + callable.type_name() + ", not a class or function");
  const std::string& name = callable.as_string();
  auto it = whitelist().find(name);
  const Callable kind = it == whitelist().end() ? Callable::NotCallable : it->second;
  switch (kind) {
    case Callable::OrderedDict: {
      Value d = Value::dict(true);
      if (!args.empty()) {
        if (!args[0].is(Value::Kind::List) && !args[0].is(Value::Kind::Tuple)) fail("OrderedDict() of a " + args[0].type_name());
        for (const auto& pair : args[0].items()) {
          if (!pair.is(Value::Kind::Tuple) && !pair.is(Value::Kind::List)) fail("OrderedDict() item is not a pair");
          if (pair.items().size() != 2) fail("OrderedDict() item is not a pair");
          d.as_dict().add(pair.items()[0], pair.items()[1]);
        }
      }
      return d;
    }
    case Callable::RebuildTensorV2: return rebuild_tensor(args, 6);
    case Callable::RebuildTensor: return rebuild_tensor(args, 4);
    case Callable::RebuildParameter:
    case Callable::RebuildParameterWithState:
      if (args.empty() || !args[0].is(Value::Kind::Tensor)) fail("Parameter rebuild expects a tensor");
      return args[0];
    case Callable::RebuildFromType:
      if (args.size() != 4 || !args[2].is(Value::Kind::Tuple)) fail("_rebuild_from_type_v2 expects (func, type, args, state)");
      if (!args[1].is(Value::Kind::Global) || (args[1].as_string() != "torch.Tensor" &&
                                                 args[1].as_string() != "torch.nn.parameter.Parameter")) {
        fail("tensor subclass " + args[1].type_name() + " is not supported");
      }
      return call(args[0], args[2].items(), opcode);
    case Callable::TorchSize:
      if (args.size() != 1) fail("torch.Size expects one argument");
      int_tuple(args[0], "torch.Size");  // validates
      return make_tuple(args[0].items());
    case Callable::Set: {
      Value list = Value::list();
      if (!args.empty()) {
        if (!args[0].is(Value::Kind::List) && !args[0].is(Value::Kind::Tuple)) fail("set() of a " + args[0].type_name());
        for (Value item : args[0].items()) list.append(std::move(item));
      }
      return list;
    }
    case Callable::CodecsEncode: {
      // Protocol 2 stores bytes as _codecs.encode(text, 'latin1'): map code points 0–255 back to bytes.
      if (args.size() != 2 || !args[0].is(Value::Kind::String) || !args[1].is(Value::Kind::String) ||
          (args[1].as_string() != "latin1" && args[1].as_string() != "latin-1")) {
        fail("_codecs.encode is only accepted as encode(str, 'latin1')");
      }
      const std::string& text = args[0].as_string();
      std::string out;
      for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(text[i]);
        if (c < 0x80) {
          out += static_cast<char>(c);
        } else if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
          out += static_cast<char>(((c & 0x03) << 6) | (static_cast<std::uint8_t>(text[++i]) & 0x3F));
        } else {
          fail("_codecs.encode text is not latin-1");
        }
      }
      return Value::bytes(std::move(out));
    }
    case Callable::NumpyScalar: return numpy_scalar(args);
    case Callable::NumpyDType: return Value::object(Object{name, std::move(args)});
    case Callable::NotCallable: break;
  }
  fail(std::string(opcode) + " on '" + name + "', which may not be called");
}

void Unpickler::build(Value state) {
  Value& obj = top();
  if (obj.is(Value::Kind::Dict)) {
    check_mutable(obj, Value::Kind::Dict, "BUILD");
    // state is the instance __dict__, or (dict_state, slot_state).
    if (state.is(Value::Kind::Tuple) && state.items().size() == 2) {
      Value dict_state = state.items()[0];  // copied out first: assigning it would free its owner mid-copy
      state = std::move(dict_state);
    }
    if (state.is_none()) return;
    if (!state.is(Value::Kind::Dict)) fail("BUILD of an OrderedDict with a " + state.type_name());
    for (auto& [key, value] : state.as_dict().items) {
      if (!key.is(Value::Kind::String)) fail("attribute name must be a str, got " + key.type_name());
      Value v = value;
      adopt(obj, v);
      obj.as_dict().attributes.emplace_back(key.as_string(), v);
    }
    return;
  }
  // Python-side attributes of tensors and numpy dtypes carry nothing a state dict needs.
  if (obj.is(Value::Kind::Tensor) || obj.is(Value::Kind::Object)) return;
  fail("BUILD on a " + obj.type_name());
}

Value Unpickler::run(std::size_t* consumed) {
  while (true) {
    opcode_pos_ = pos_;
    const std::uint8_t op = *take(1);
    switch (op) {
      case 0x80: {  // PROTO
        const std::uint8_t proto = *take(1);
        if (proto > 5) fail("unsupported pickle protocol " + std::to_string(proto));
        break;
      }
      case 0x95: {  // FRAME: a length hint; opcodes simply follow
        const auto n = read_le<std::uint64_t>();
        need(n);
        break;
      }
      case '.': {  // STOP
        Value result = pop();
        if (consumed) *consumed = pos_;
        return result;
      }
      case '(': marks_.push_back(stack_.size()); break;  // MARK
      case '0': pop(); break;                              // POP
      case '1': pop_mark(); break;                         // POP_MARK
      case '2': push(top()); break;                        // DUP
      case 'N': push(Value()); break;
      case 0x88: push(Value(true)); break;
      case 0x89: push(Value(false)); break;
      case 'I': {  // INT (text); I01/I00 are bools
        const std::string line = read_line();
        if (line == "01" || line == "00") push(Value(line == "01"));
        else push(Value(parse_decimal(line)));
        break;
      }
      case 'L': push(Value(parse_decimal(read_line()))); break;  // LONG (text)
      case 'J': push(Value(static_cast<std::int64_t>(read_le<std::int32_t>()))); break;
      case 'K': push(Value(static_cast<std::int64_t>(read_le<std::uint8_t>()))); break;
      case 'M': push(Value(static_cast<std::int64_t>(read_le<std::uint16_t>()))); break;
      case 0x8a: push(read_long(read_le<std::uint8_t>())); break;  // LONG1
      case 0x8b: {                                                 // LONG4
        const auto n = read_le<std::int32_t>();
        if (n < 0) fail("negative LONG4 length");
        push(read_long(static_cast<std::uint64_t>(n)));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        const std::uint8_t* p = take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
        double v = 0;
        std::memcpy(&v, &bits, 8);
        push(Value(v));
        break;
      }
      case 'F': {  // FLOAT (text)
        const std::string line = read_line();
        char* end = nullptr;
        const double v = std::strtod(line.c_str(), &end);
        if (line.empty() || *end != '\0') fail("bad float '" + line + "'");
        push(Value(v));
        break;
      }
      case 'X': push(Value(read_string(read_le<std::uint32_t>()))); break;    // BINUNICODE
      case 0x8c: push(Value(read_string(read_le<std::uint8_t>()))); break;    // SHORT_BINUNICODE
      case 0x8d: push(Value(read_string(read_le<std::uint64_t>()))); break;   // BINUNICODE8
      case 'T': {                                                              // BINSTRING (Python 2 str)
        const auto n = read_le<std::int32_t>();
        if (n < 0) fail("negative BINSTRING length");
        push(Value(read_string(static_cast<std::uint64_t>(n))));
        break;
      }
      case 'U': push(Value(read_string(read_le<std::uint8_t>()))); break;     // SHORT_BINSTRING
      case 'B': push(Value::bytes(read_string(read_le<std::uint32_t>()))); break;   // BINBYTES
      case 'C': push(Value::bytes(read_string(read_le<std::uint8_t>()))); break;    // SHORT_BINBYTES
      case 0x8e:                                                                     // BINBYTES8
      case 0x96: push(Value::bytes(read_string(read_le<std::uint64_t>()))); break;  // BYTEARRAY8
      case ']': push(Value::list()); break;  // EMPTY_LIST
      case 'l': {                             // LIST
        auto items = pop_mark();
        push(Value::list());
        append_items(std::move(items), "LIST");
        break;
      }
      case 'a': {  // APPEND
        Value item = pop();
        append_items({std::move(item)}, "APPEND");
        break;
      }
      case 'e': append_items(pop_mark(), "APPENDS"); break;
      case 0x8f: push(Value::list()); break;  // EMPTY_SET (as a list)
      case 0x90: append_items(pop_mark(), "ADDITEMS"); break;
      case 0x91: {  // FROZENSET
        auto items = pop_mark();
        push(Value::list());
        append_items(std::move(items), "FROZENSET");
        break;
      }
      case ')': push(Value::tuple()); break;  // EMPTY_TUPLE
      case 't': push(make_tuple(pop_mark())); break;
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        std::vector<Value> items(static_cast<std::size_t>(op - 0x84));
        for (std::size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(make_tuple(std::move(items)));
        break;
      }
      case '}': push(Value::dict()); break;  // EMPTY_DICT
      case 'd': {                             // DICT
        auto items = pop_mark();
        push(Value::dict());
        set_items(std::move(items), "DICT");
        break;
      }
      case 's': {  // SETITEM
        Value value = pop();
        Value key = pop();
        set_items({std::move(key), std::move(value)}, "SETITEM");
        break;
      }
      case 'u': set_items(pop_mark(), "SETITEMS"); break;
      case 'c': {  // GLOBAL
        const std::string module = read_line();
        const std::string name = read_line();
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Value name = pop();
        Value module = pop();
        if (!name.is(Value::Kind::String) || !module.is(Value::Kind::String)) fail("STACK_GLOBAL needs two str");
        push(global(module.as_string(), name.as_string()));
        break;
      }
      case 'R': {  // REDUCE
        Value args = pop();
        Value callable = pop();
        if (!args.is(Value::Kind::Tuple)) fail("REDUCE arguments must be a tuple, got " + args.type_name());
        push(call(callable, args.items(), "REDUCE"));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        Value args = pop();
        Value cls = pop();
        if (!args.is(Value::Kind::Tuple)) fail("NEWOBJ arguments must be a tuple");
        if (!cls.is(Value::Kind::Global) || cls.as_string() != "collections.OrderedDict") {
          fail("NEWOBJ of '" + (cls.is(Value::Kind::Global) ? cls.as_string() : cls.type_name()) + "' is not allowed");
        }
        push(Value::dict(true));
        break;
      }
      case 0x92: {  // NEWOBJ_EX
        pop();
        pop();
        Value cls = pop();
        fail("NEWOBJ_EX of '" + (cls.is(Value::Kind::Global) ? cls.as_string() : cls.type_name()) + "' is not allowed");
      }
      case 'i': {  // INST: module, name lines; args from MARK
        const std::string module = read_line();
        const std::string name = read_line();
        Value cls = global(module, name);
        push(call(cls, pop_mark(), "INST"));
        break;
      }
      case 'o': {  // OBJ: MARK cls args…
        auto items = pop_mark();
        if (items.empty()) fail("OBJ without a class");
        Value cls = items.front();
        items.erase(items.begin());
        push(call(cls, std::move(items), "OBJ"));
        break;
      }
      case 'b': build(pop()); break;  // BUILD
      case 'Q':                         // BINPERSID
      case 'P': {                       // PERSID
        Value pid = op == 'Q' ? pop() : Value(read_line());
        if (!loader_) fail("persistent id in a pickle that may not reference storages");
        push(loader_(pid));
        break;
      }
      case 'p': memo_put(static_cast<std::uint64_t>(parse_decimal(read_line()))); break;  // PUT
      case 'q': memo_put(read_le<std::uint8_t>()); break;                                 // BINPUT
      case 'r': memo_put(read_le<std::uint32_t>()); break;                                // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); break;                                          // MEMOIZE
      case 'g': push(memo_get(static_cast<std::uint64_t>(parse_decimal(read_line())))); break;
      case 'h': push(memo_get(read_le<std::uint8_t>())); break;
      case 'j': push(memo_get(read_le<std::uint32_t>())); break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported or invalid opcode ") + hex);
      }
    }
  }
}

}  // namespace

bool is_allowed_global(const std::string& module, const std::string& name) {
  const std::string q = qualified(module, name);
  return whitelist().count(q) > 0 || storage_class_dtype(q).has_value();
}

Value unpickle(const std::uint8_t* data, std::size_t size, const std::string& source,
               const PersistentLoader& persistent_load, std::size_t* consumed) {
  Unpickler unpickler(data, size, source, persistent_load);
  return unpickler.run(consumed);
}

}  // namespace fixres::io
