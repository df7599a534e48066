#pragma once
// Paths the tests need, fixed at configure time (tests/CMakeLists.txt).

#include <filesystem>
#include <string>

#include <unistd.h>

namespace fixres::testing {

/// tests/fixtures/<relative>
inline std::filesystem::path fixture(const std::string& relative) {
  return std::filesystem::path(FIXRES_FIXTURES_DIR) / relative;
}

/// A fresh, empty scratch folder for one test: build/test_tmp/<name>.<pid>. The process id keeps
/// apart the folders of tests that CTest runs as parallel processes (suite fixtures included).
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::path(FIXRES_TEST_TMP) / (name + "." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// The built `fixres` program.
inline std::string fixres_binary() { return FIXRES_BINARY; }

/// Debian's Python with python3-torch (for tests that have PyTorch read what we wrote).
inline std::string python() { return FIXRES_PYTHON; }

}  // namespace fixres::testing
