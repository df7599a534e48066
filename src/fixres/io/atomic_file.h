#pragma once
/// Atomic file writes: data goes to a temporary file beside the target, is flushed to disk, then
/// renamed over the target. A failure at any point (disk full, killed process) leaves the old
/// file intact and removes the temporary.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace fixres::io {

/// Sink handed to the writer callback; every write is checked.
class AtomicWriter {
 public:
  virtual ~AtomicWriter() = default;
  /// Appends bytes; throws IoError on failure (e.g. ENOSPC).
  virtual void write(const void* data, std::size_t size) = 0;
  void write(std::string_view text) { write(text.data(), text.size()); }
  /// Bytes written so far.
  virtual std::size_t offset() const = 0;
};

/// Writes `path` atomically with the content produced by `produce`. Throws IoError naming the
/// path; the previous content of `path`, if any, is then untouched.
void write_file_atomically(const std::string& path, const std::function<void(AtomicWriter&)>& produce);

/// Convenience: a whole string.
void write_file_atomically(const std::string& path, std::string_view content);

/// Removes the temporary files write_file_atomically() left in `dir` when its process was
/// killed (SIGKILL, power loss): names `TARGET.tmp.PID.N` whose process no longer runs. Returns
/// how many were removed; errors are ignored (a temporary that stays harms nothing).
int remove_stale_temporaries(const std::string& dir);

/// Throws IoError unless a file can be created in `dir` (creating `dir` and its parents first).
/// Used to refuse bad output folders before any long computation starts.
void ensure_writable_directory(const std::string& dir);

}  // namespace fixres::io
