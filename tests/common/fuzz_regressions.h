#pragma once
// The inputs of past fuzzing findings, tests/fixtures/fuzz/<target>/, run through the same
// targets the fuzzers run (tools/fuzz/io_targets.h, data_targets.h; see tools/fuzz/run.sh).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/paths.h"
#include "fuzz/fuzz_support.h"

namespace fixres::testing {

/// Feeds every regression input of `targets` to its target: each must be read or refused with
/// the reader's documented exception; a crash, a fuzz::Violation or any other exception fails.
/// Returns the number of inputs run.
inline int run_fuzz_regressions(const std::vector<fuzz::Target>& targets) {
  int count = 0;
  for (const fuzz::Target& target : targets) {
    const std::filesystem::path dir = fixture(std::string("fuzz/") + target.name);
    if (!std::filesystem::is_directory(dir)) continue;
    std::vector<std::filesystem::path> inputs;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) inputs.push_back(entry.path());
    std::sort(inputs.begin(), inputs.end());
    for (const auto& path : inputs) {
      std::ifstream in(path, std::ios::binary);
      const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
      try {
        target.feed(bytes.data(), bytes.size());
      } catch (const std::exception& e) {
        ADD_FAILURE() << target.name << " on " << path.string() << ": " << e.what();
      }
      ++count;
    }
  }
  return count;
}

}  // namespace fixres::testing
