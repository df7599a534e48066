#pragma once
// Paths the tests need, fixed at configure time (tests/CMakeLists.txt).

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace fixres::testing {

/// tests/fixtures/<relative>
inline std::filesystem::path fixture(const std::string& relative) {
  return std::filesystem::path(FIXRES_FIXTURES_DIR) / relative;
}

/// The scratch folders this process made, removed when it exits (unless FIXRES_KEEP_TEST_TMP is
/// set, to look at them after a failure). Only by the process that made them: a forked child
/// exiting leaves its parent's folders alone.
class ScratchFolders {
 public:
  static ScratchFolders& instance() {
    static ScratchFolders folders;
    return folders;
  }
  void add(const std::filesystem::path& dir) { dirs_.push_back(dir); }
  ~ScratchFolders() {
    if (::getpid() != owner_ || std::getenv("FIXRES_KEEP_TEST_TMP") != nullptr) return;
    std::error_code ignored;
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir, ignored);
  }

 private:
  ScratchFolders() = default;
  pid_t owner_ = ::getpid();
  std::vector<std::filesystem::path> dirs_;
};

/// A fresh, empty scratch folder for one test: build/test_tmp/<name>.<pid>. The process id keeps
/// apart the folders of tests that CTest runs as parallel processes (suite fixtures included).
/// Removed when the process exits (see ScratchFolders).
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::path(FIXRES_TEST_TMP) / (name + "." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ScratchFolders::instance().add(dir);
  return dir;
}

/// The built `fixres` program.
inline std::string fixres_binary() { return FIXRES_BINARY; }

/// Debian's Python with python3-torch (for tests that have PyTorch read what we wrote).
inline std::string python() { return FIXRES_PYTHON; }

}  // namespace fixres::testing
