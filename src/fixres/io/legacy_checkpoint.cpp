#include "fixres/io/legacy_checkpoint.h"

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "fixres/io/io_error.h"
#include "fixres/io/torch_storage.h"
#include "fixres/io/unpickler.h"

namespace fixres::io {
namespace {

// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) without its STOP: PROTO 2, LONG1 of 10 bytes.
constexpr std::uint8_t kMagicPickle[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr std::int64_t kProtocolVersion = 1001;

struct PendingStorage {
  std::shared_ptr<Storage> storage;  // filled once the raw data section is read
  DType dtype = DType::Float32;
  std::int64_t numel = 0;
};

struct PendingView {
  std::shared_ptr<Storage> storage;
  std::string root_key;
  std::int64_t offset = 0;  // elements
};

}  // namespace

bool looks_like_legacy_checkpoint(const std::uint8_t* data, std::size_t size) {
  return size >= sizeof kMagicPickle && std::memcmp(data, kMagicPickle, sizeof kMagicPickle) == 0;
}

Value read_legacy_checkpoint(const std::shared_ptr<const MappedFile>& file) {
  const std::string& path = file->path();
  const std::uint8_t* data = file->data();
  const std::size_t size = file->size();
  std::size_t pos = 0;
  auto next_pickle = [&](const std::string& what, const PersistentLoader& loader) {
    std::size_t used = 0;
    Value v = unpickle(data + pos, size - pos, path + " (" + what + ")", loader, &used);
    pos += used;
    return v;
  };

  if (!looks_like_legacy_checkpoint(data, size)) {
    throw IoError(path, "not a PyTorch checkpoint: expected the legacy magic number 0x1950a86a20f9469cfc6c");
  }
  next_pickle("magic number", nullptr);
  const Value protocol = next_pickle("protocol version", nullptr);
  if (!protocol.is(Value::Kind::Int) || protocol.as_int() != kProtocolVersion) {
    throw IoError(path, "unsupported legacy protocol version " + protocol.summary() + " (expected 1001)");
  }
  const Value sys_info = next_pickle("sys info", nullptr);
  if (sys_info.is(Value::Kind::Dict)) {
    const Value* little = sys_info.as_dict().find("little_endian");
    if (little && little->is(Value::Kind::Bool) && !little->as_bool()) {
      throw IoError(path, "big-endian checkpoints are not supported");
    }
  }

  std::map<std::string, PendingStorage> roots;
  std::map<std::string, PendingView> views;
  std::map<std::string, Value> resolved;  // key -> Value::storage, shared by every reference
  const std::string source = path + " (main pickle)";
  auto load_storage = [&](const Value& pid) -> Value {
    const StorageId id = parse_storage_id(pid, source);
    auto [it, fresh] = roots.try_emplace(id.key);
    if (fresh) {
      it->second.storage = std::make_shared<Storage>();
      it->second.storage->nbytes = checked_storage_bytes(id.numel, id.dtype, source);
      it->second.dtype = id.dtype;
      it->second.numel = id.numel;
    } else if (it->second.dtype != id.dtype || it->second.numel != id.numel) {
      throw IoError(source, "storage '" + id.key + "' is referenced with two different types or sizes");
    }
    if (!id.is_view) {
      auto& ref = resolved[id.key];
      if (ref.is_none()) ref = Value::storage({it->second.storage, id.dtype, id.numel, id.key});
      return ref;
    }
    auto& ref = resolved["view:" + id.view_key];
    if (ref.is_none()) {
      PendingView view{std::make_shared<Storage>(), id.key, id.view_offset};
      view.storage->nbytes = checked_storage_bytes(id.view_numel, id.dtype, source);
      views[id.view_key] = view;
      ref = Value::storage({view.storage, id.dtype, id.view_numel, id.view_key});
    }
    return ref;
  };
  Value result = next_pickle("main pickle", load_storage);

  const Value keys = next_pickle("storage key list", nullptr);
  if (!keys.is(Value::Kind::List)) throw IoError(path, "storage key list is a " + keys.type_name() + ", expected a list");
  std::map<std::string, bool> seen;
  for (const Value& key_value : keys.items()) {
    if (!key_value.is(Value::Kind::String)) throw IoError(path, "storage key is a " + key_value.type_name() + ", expected a str");
    const std::string& key = key_value.as_string();
    auto it = roots.find(key);
    if (it == roots.end()) throw IoError(path, "storage key '" + key + "' is listed but no tensor references it");
    if (seen[key]) throw IoError(path, "storage key '" + key + "' is listed twice");
    seen[key] = true;
    if (size - pos < 8) throw IoError(path, "truncated: storage '" + key + "' starts past the end of the file");
    std::int64_t count = 0;
    std::memcpy(&count, data + pos, 8);
    pos += 8;
    if (count != it->second.numel) {
      throw IoError(path, "storage '" + key + "' holds " + std::to_string(count) + " elements in the file but " +
                              std::to_string(it->second.numel) + " in its reference");
    }
    const std::size_t nbytes = it->second.storage->nbytes;
    if (nbytes > size - pos) {
      throw IoError(path, "truncated: storage '" + key + "' needs " + std::to_string(nbytes) + " bytes at offset " +
                              std::to_string(pos) + " but the file has " + std::to_string(size - pos) + " left");
    }
    it->second.storage->data = data + pos;
    it->second.storage->keepalive = file;
    it->second.storage->mapped = true;
    pos += nbytes;
  }
  for (const auto& [key, pending] : roots) {
    if (!seen.count(key)) throw IoError(path, "storage '" + key + "' is referenced but missing from the storage key list");
  }
  for (const auto& [key, view] : views) {
    const PendingStorage& root = roots.at(view.root_key);
    view.storage->data = root.storage->data + static_cast<std::size_t>(view.offset) * dtype_size(root.dtype);
    view.storage->keepalive = file;
    view.storage->mapped = true;
  }
  return result;
}

}  // namespace fixres::io
