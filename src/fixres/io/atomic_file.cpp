#include "fixres/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fixres/io/io_error.h"

namespace fixres::io {
namespace {

std::string errno_text() { return std::strerror(errno); }

class FdWriter : public AtomicWriter {
 public:
  FdWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void write(const void* data, std::size_t size) override {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = ::write(fd_, bytes, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw IoError(path_, "write failed: " + errno_text());
      }
      bytes += n;
      size -= static_cast<std::size_t>(n);
      offset_ += static_cast<std::size_t>(n);
    }
  }
  std::size_t offset() const override { return offset_; }

 private:
  int fd_;
  std::string path_;
  std::size_t offset_ = 0;
};

std::string temp_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(AtomicWriter&)>& produce) {
  const std::string temp = temp_name(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(path, "cannot create file: " + errno_text());
  try {
    FdWriter writer(fd, path);
    produce(writer);
    if (::fsync(fd) != 0) throw IoError(path, "cannot flush to disk: " + errno_text());
    if (::close(fd) != 0) {
      fd = -1;
      throw IoError(path, "cannot close: " + errno_text());
    }
    fd = -1;
    if (::rename(temp.c_str(), path.c_str()) != 0) throw IoError(path, "cannot rename temporary file: " + errno_text());
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
}

void write_file_atomically(const std::string& path, std::string_view content) {
  write_file_atomically(path, [&](AtomicWriter& out) { out.write(content); });
}

namespace {

/// The PID of a temporary's name `TARGET.tmp.PID.N`, or -1.
long temporary_pid(const std::string& name) {
  const std::size_t at = name.rfind(".tmp.");
  if (at == std::string::npos) return -1;
  const std::string rest = name.substr(at + 5);
  const std::size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string::npos || dot + 1 == rest.size()) return -1;
  const auto digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
  if (!digits(rest.substr(0, dot)) || !digits(rest.substr(dot + 1)) || dot > 9) return -1;
  return std::stol(rest.substr(0, dot));
}

}  // namespace

int remove_stale_temporaries(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const long pid = temporary_pid(entry.path().filename().string());
    if (pid <= 0 || !entry.is_regular_file(ec)) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // its writer still runs
    if (std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

void ensure_writable_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(dir, "cannot create output folder: " + ec.message());
  if (!std::filesystem::is_directory(dir)) throw IoError(dir, "output path exists and is not a folder");
  const std::string probe = (std::filesystem::path(dir) / ".fixres-write-test").string();
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(dir, "output folder is not writable: " + errno_text());
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace fixres::io
