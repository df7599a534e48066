#include "fixres/io/state_dict.h"

#include <stdexcept>

#include "fixres/io/checkpoint.h"
#include "fixres/io/io_error.h"

namespace fixres::io {

std::string strip_module_prefix(const std::string& key) {
  static const std::string prefix = "module.";
  return key.compare(0, prefix.size(), prefix) == 0 ? key.substr(prefix.size()) : key;
}

const Value& find_state_dict(const Value& root, std::string* where) {
  if (!root.is(Value::Kind::Dict)) throw std::runtime_error("the checkpoint holds a " + root.type_name() + ", not a dict of weights");
  for (const char* key : {"model", "state_dict"}) {
    const Value* v = root.as_dict().find(key);
    if (v != nullptr && v->is(Value::Kind::Dict)) {
      if (where) *where = std::string("'") + key + "'";
      return *v;
    }
  }
  if (where) *where = "top level";
  return root;
}

StateDict to_state_dict(const Value& dict, bool strip_module, const std::string& source) {
  StateDict out;
  out.reserve(dict.as_dict().items.size());
  for (const auto& [key, value] : dict.as_dict().items) {
    if (!key.is(Value::Kind::String)) throw IoError(source, "state dict key " + key.summary() + " is not a str");
    if (!value.is(Value::Kind::Tensor)) {
      throw IoError(source, "state dict entry '" + key.as_string() + "' is a " + value.type_name() + ", not a tensor");
    }
    out.emplace_back(strip_module ? strip_module_prefix(key.as_string()) : key.as_string(), value.as_tensor());
  }
  return out;
}

Value state_dict_value(const StateDict& weights) {
  Value dict = Value::dict(true);
  for (const auto& [name, tensor] : weights) dict.as_dict().add(name, Value(tensor));
  return dict;
}

const Value& find_state_dict(const Checkpoint& checkpoint, const std::string& path, std::string* where) {
  try {
    return find_state_dict(checkpoint.root, where);
  } catch (const std::runtime_error& e) {
    throw IoError(path, e.what());
  }
}

StateDict read_state_dict(const std::string& path) {
  const Checkpoint checkpoint = read_checkpoint(path);
  std::string where;
  const Value& dict = find_state_dict(checkpoint, path, &where);
  return to_state_dict(dict, true, path + " (" + where + ")");
}

StateDict read_state_dict(const std::string& path, const std::string& key) {
  const Checkpoint checkpoint = read_checkpoint(path);
  const Value* dict = checkpoint.root.is(Value::Kind::Dict) ? checkpoint.root.as_dict().find(key) : nullptr;
  if (dict == nullptr || !dict->is(Value::Kind::Dict)) {
    throw IoError(path, "no '" + key + "' weights in this checkpoint (they are saved by a run with --model-ema)");
  }
  return to_state_dict(*dict, true, path + " ('" + key + "')");
}

}  // namespace fixres::io
