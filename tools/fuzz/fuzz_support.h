#pragma once
// What every fuzz target shares (tools/fuzz/io_targets.h, data_targets.h): the target row, the
// exception a broken invariant throws, and the input written to a file for the readers that
// take a path. Header-only, so that the libFuzzer programs (tools/fuzz/fuzz_target.cpp) and the
// regression tests of their findings (tests/io, tests/data: fuzz_regression_test.cpp) compile
// the same checks.

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fixres::fuzz {

/// A reader broke one of its promises on some input (read out of bounds, returned a tensor
/// outside its file, an error message that does not name the file, …): a bug, unlike the
/// reader's documented exception. Fuzzing reports it as a crash (an uncaught exception).
class Violation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// One reader under test.
struct Target {
  const char* name;  ///< as in tools/fuzz/CMakeLists.txt, tools/fuzz/corpus/<name>, tests/fixtures/fuzz/<name>
  /// Gives one input to the reader and checks what it returns. True when the input was read,
  /// false when the reader refused it with its documented exception (whose message names the
  /// input). Anything else escapes: a Violation, std::bad_alloc, an undocumented exception type.
  std::function<bool(const std::uint8_t* data, std::size_t size)> feed;
};

/// Runs `read`; false (instead of the exception) when it throws the documented `Error` with a
/// message that names `name`, true when it returns.
template <typename Error, typename Read>
bool refused_as(const std::string& name, Read&& read) {
  try {
    read();
    return true;
  } catch (const Error& e) {
    if (std::string(e.what()).find(name) == std::string::npos) {
      throw Violation("error message does not name the file '" + name + "': " + e.what());
    }
    return false;
  }
}

/// The current input as a file with a path (an anonymous memory file, /proc/self/fd/N), for the
/// readers that open or map a path. Rewritten for each input; never touches the disk.
class MemoryFile {
 public:
  explicit MemoryFile(const char* label) : fd_(::memfd_create(label, MFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  /// Replaces the contents with [data, data + size); returns path().
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) throw std::system_error(errno, std::generic_category(), "ftruncate");
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::system_error(errno, std::generic_category(), "pwrite");
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

/// Reads each byte of [data, data + size) (so that AddressSanitizer checks the range).
inline std::uint8_t touch(const std::uint8_t* data, std::size_t size) {
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < size; ++i) sum = static_cast<std::uint8_t>(sum + data[i]);
  return sum;
}

}  // namespace fixres::fuzz
