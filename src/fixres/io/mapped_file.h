#pragma once
/// A read-only memory map of a whole file (RAII). Large checkpoints and .npy files are read
/// through it without copying.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace fixres::io {

class MappedFile {
 public:
  /// Maps `path` read-only; throws IoError naming the file when it cannot be opened or mapped.
  /// An empty file maps to size() == 0 and data() == nullptr. `populate` reads the whole file
  /// in at once (MAP_POPULATE: much faster than page faults when every byte will be used).
  static std::shared_ptr<const MappedFile> open(const std::string& path, bool populate = false);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const std::uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace fixres::io
