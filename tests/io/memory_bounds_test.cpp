// Memory bounds (issue 20, item 2): a reader never allocates more than its input justifies.
// Each file below is a few hundred bytes that claims a tensor of up to 10^12 elements; its read
// runs in a child process whose address space may grow by 64 MB only, and must end in the
// reader's own error naming the file (not in std::bad_alloc).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "common/memory_limit.h"
#include "common/paths.h"
#include "fixres/io/io_error.h"
#include "fixres/io/npy.h"
#include "fixres/io/safetensors.h"
#include "fixres/io/state_dict.h"

namespace fixres::io {
namespace {

constexpr std::size_t kHeadroom = 64u << 20;

std::string write_file(const std::string& name, const std::string& content) {
  const auto path = (testing::scratch_dir("memory_bounds_io") / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

void expect_refused_within_bounds(const std::string& path, const std::function<void()>& read) {
  const auto outcome = testing::run_bounded<std::exception>(kHeadroom, read, [&](const std::exception& e) {
    return std::string(e.what()).find(path) != std::string::npos;  // the reader's message names the file
  });
  EXPECT_EQ(outcome, testing::BoundedOutcome::Refused) << path << ": " << testing::outcome_name(outcome);
}

TEST(MemoryBoundsTest, NpyClaimingTenToTheTwelveElements) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }";
  header.resize(118, ' ');
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size() & 0xFF);
  file += static_cast<char>(header.size() >> 8);
  const std::string path = write_file("claim.npy", file + header + "tiny");
  expect_refused_within_bounds(path, [&] { read_npy(path); });
}

TEST(MemoryBoundsTest, SafetensorsClaimingTenToTheTwelveElements) {
  const std::string json = R"({"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]}})";
  std::string file(8, '\0');
  const std::uint64_t n = json.size();
  std::memcpy(file.data(), &n, 8);
  const std::string path = write_file("claim.safetensors", file + json + "tiny");
  expect_refused_within_bounds(path, [&] { read_safetensors(path); });
}

TEST(MemoryBoundsTest, SafetensorsHeaderLengthBeyondTheFile) {
  std::string file(8, '\0');
  const std::uint64_t n = 90000000;  // a 90 MB JSON header announced by a 20-byte file
  std::memcpy(file.data(), &n, 8);
  const std::string path = write_file("long_header.safetensors", file + "{\"w\":{}}");
  expect_refused_within_bounds(path, [&] { read_safetensors(path); });
}

TEST(MemoryBoundsTest, LegacyCheckpointWhoseStorageClaimsTwoToTheFortyFloats) {
  const std::string path = testing::fixture("checkpoints/bad_legacy_absurd_count.pth").string();
  expect_refused_within_bounds(path, [&] { read_state_dict(path); });
}

}  // namespace
}  // namespace fixres::io
