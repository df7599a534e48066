#include "fixres/io/zip_checkpoint.h"

#include <map>
#include <vector>

#include "fixres/io/atomic_file.h"
#include "fixres/io/io_error.h"
#include "fixres/io/pickler.h"
#include "fixres/io/torch_storage.h"
#include "fixres/io/unpickler.h"
#include "fixres/io/zip_reader.h"
#include "fixres/io/zip_writer.h"

namespace fixres::io {

Value read_zip_checkpoint(const std::shared_ptr<const MappedFile>& file) {
  const std::string& path = file->path();
  ZipReader zip(file->data(), file->size(), path);
  // torch.load takes the folder of the first entry as the archive name.
  if (zip.entries().empty()) throw IoError(path, "zip archive is empty; expected <archive>/data.pkl");
  const std::string& first = zip.entries().front().name;
  const auto slash = first.find('/');
  const std::string prefix = slash == std::string::npos ? std::string() : first.substr(0, slash + 1);
  const ZipEntry* pickle = zip.find(prefix + "data.pkl");
  if (pickle == nullptr) throw IoError(path, "zip archive has no '" + prefix + "data.pkl' record; not a torch.save file");
  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    const std::string value(reinterpret_cast<const char*>(zip.verified_data(*order)), static_cast<std::size_t>(order->size));
    if (value != "little") throw IoError(path, "byte order '" + value + "' is not supported (expected 'little')");
  }

  const std::string source = path + " (" + pickle->name + ")";
  std::map<std::string, Value> loaded;
  auto load_storage = [&](const Value& pid) -> Value {
    const StorageId id = parse_storage_id(pid, source);
    if (id.is_view) throw IoError(source, "storage views are not used in zip checkpoints");
    auto it = loaded.find(id.key);
    if (it != loaded.end()) {
      if (it->second.as_storage().dtype != id.dtype) throw IoError(source, "storage '" + id.key + "' used with two dtypes");
      return it->second;
    }
    const std::string record = prefix + "data/" + id.key;
    const ZipEntry* entry = zip.find(record);
    if (entry == nullptr) throw IoError(path, "storage key '" + id.key + "' has no record '" + record + "'");
    const std::size_t nbytes = checked_storage_bytes(id.numel, id.dtype, source);
    if (entry->size < nbytes) {
      throw IoError(path, "record '" + record + "' holds " + std::to_string(entry->size) + " bytes but its storage needs " +
                              std::to_string(nbytes) + " (" + std::to_string(id.numel) + " x " + dtype_name(id.dtype) + ")");
    }
    auto storage = std::make_shared<Storage>();
    storage->data = zip.stored_data(*entry);
    storage->nbytes = nbytes;
    storage->keepalive = file;
    storage->mapped = true;
    return loaded.emplace(id.key, Value::storage({storage, id.dtype, id.numel, id.key})).first->second;
  };
  const std::uint8_t* bytes = zip.verified_data(*pickle);
  return unpickle(bytes, static_cast<std::size_t>(pickle->size), source, load_storage);
}

void write_zip_checkpoint(const std::string& path, const Value& root) {
  const PickledObject pickled = pickle_checkpoint(root);
  write_file_atomically(path, [&](AtomicWriter& out) {
    ZipWriter zip(out);
    zip.add("archive/data.pkl", pickled.bytes.data(), pickled.bytes.size());
    for (const auto& [key, storage] : pickled.storages) zip.add("archive/data/" + key, storage->data, storage->nbytes);
    zip.add("archive/version", "3\n", 2);
    zip.finish();
  });
}

}  // namespace fixres::io
