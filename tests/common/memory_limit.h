#pragma once
// Runs a piece of a test in a forked child whose address space may grow only by a given amount:
// a reader that allocates what its input merely claims fails there (std::bad_alloc, or its
// library's out-of-memory error) instead of passing on a machine with memory to spare.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <new>
#include <string>

namespace fixres::testing {

/// What the child reported.
enum class BoundedOutcome { Refused, Accepted, OutOfMemory, OtherError, Died };

inline const char* outcome_name(BoundedOutcome o) {
  switch (o) {
    case BoundedOutcome::Refused: return "refused with the reader's error";
    case BoundedOutcome::Accepted: return "accepted";
    case BoundedOutcome::OutOfMemory: return "ran out of memory (allocated what the input claims)";
    case BoundedOutcome::OtherError: return "failed with another exception";
    case BoundedOutcome::Died: return "died";
  }
  return "?";
}

/// The process's current virtual size in bytes (/proc/self/statm).
inline std::size_t virtual_size() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

/// Runs `read` in a child limited to its current virtual size plus `extra_bytes`. `read` throws
/// the reader's documented error type (caught by `is_refusal`, which also sees its message and
/// may reject out-of-memory messages) or returns normally.
template <typename Error>
BoundedOutcome run_bounded(std::size_t extra_bytes, const std::function<void()>& read,
                           const std::function<bool(const Error&)>& is_refusal) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::size_t bytes = virtual_size() + extra_bytes;
    const rlimit limit{bytes, bytes};
    ::setrlimit(RLIMIT_AS, &limit);
    int code = 1;
    try {
      read();
    } catch (const std::bad_alloc&) {
      code = 2;
    } catch (const Error& e) {
      code = is_refusal(e) ? 0 : 2;
    } catch (...) {
      code = 3;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return BoundedOutcome::Died;
  switch (WEXITSTATUS(status)) {
    case 0: return BoundedOutcome::Refused;
    case 1: return BoundedOutcome::Accepted;
    case 2: return BoundedOutcome::OutOfMemory;
    default: return BoundedOutcome::OtherError;
  }
}

}  // namespace fixres::testing
