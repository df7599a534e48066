// .npy reader/writer: files written by numpy read back exactly, our files round-trip and are
// read by numpy, and every malformed input is a clear error.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "common/paths.h"
#include "common/run_command.h"
#include "fixres/io/npy.h"

namespace fixres::io {
namespace {

using fixres::testing::fixture;
using fixres::testing::scratch_dir;

std::string npy(const std::string& name) { return fixture("npy/" + name).string(); }

/// Message of the IoError thrown by read_npy(path), or "" when it does not throw.
std::string read_error(const std::string& path) {
  try {
    read_npy(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(NpyTest, ReadsEveryDtypeNumpyWrites) {
  struct Case {
    const char* file;
    DType dtype;
    std::vector<std::int64_t> shape;
  };
  const Case cases[] = {
      {"float32.npy", DType::Float32, {2, 3, 4}}, {"float64.npy", DType::Float64, {5, 2}},
      {"float16.npy", DType::Float16, {7}},       {"int64.npy", DType::Int64, {3, 3}},
      {"int32.npy", DType::Int32, {4}},           {"int16.npy", DType::Int16, {2, 2}},
      {"int8.npy", DType::Int8, {6}},             {"uint8.npy", DType::UInt8, {2, 5}},
      {"bool.npy", DType::Bool, {3, 2}},          {"scalar.npy", DType::Float64, {}},
      {"zero_rows.npy", DType::Float32, {0, 5}},  {"version2.npy", DType::Float32, {2, 3, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    NpyArray a = read_npy(npy(c.file));
    EXPECT_EQ(a.dtype, c.dtype);
    EXPECT_EQ(a.shape, c.shape);
  }
  // version2.npy holds the same values as float32.npy (both written by numpy).
  NpyArray v1 = read_npy(npy("float32.npy"));
  NpyArray v2 = read_npy(npy("version2.npy"));
  ASSERT_EQ(v1.nbytes(), v2.nbytes());
  EXPECT_EQ(std::memcmp(v1.data, v2.data, v1.nbytes()), 0);
  EXPECT_DOUBLE_EQ(read_npy(npy("scalar.npy")).as<double>()[0], 3.25);
}

TEST(NpyTest, RoundTripsEveryDtypeThroughOurWriter) {
  auto dir = scratch_dir("npy_round_trip");
  for (const char* name : {"float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}) {
    SCOPED_TRACE(name);
    NpyArray original = read_npy(npy(std::string(name) + ".npy"));
    const std::string path = (dir / (std::string(name) + ".npy")).string();
    write_npy(path, original.dtype, original.shape, original.data);
    NpyArray copy = read_npy(path);
    EXPECT_EQ(copy.dtype, original.dtype);
    EXPECT_EQ(copy.shape, original.shape);
    ASSERT_EQ(copy.nbytes(), original.nbytes());
    EXPECT_EQ(std::memcmp(copy.data, original.data, copy.nbytes()), 0);
    // numpy aligns the data to 64 bytes; so do we.
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(copy.data) % 64, 0u);
  }
}

TEST(NpyTest, NumpyReadsWhatWeWrite) {
  auto dir = scratch_dir("npy_numpy_reads");
  std::vector<float> values(6 * 7);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f - 3.0f;
  const std::string path = (dir / "ours.npy").string();
  write_npy(path, DType::Float32, {6, 7}, values);
  std::vector<std::int64_t> labels = {3, -1, 1LL << 40};
  write_npy((dir / "labels.npy").string(), DType::Int64, {3}, labels);
  const std::string script =
      "import numpy as np; a=np.load('" + path + "'); l=np.load('" + (dir / "labels.npy").string() +
      "'); assert a.dtype==np.float32 and a.shape==(6,7), a; "
      "assert (a.ravel()==np.arange(42,dtype=np.float32)*0.5-3).all(); "
      "assert l.dtype==np.int64 and list(l)==[3,-1,1<<40]; print('ok')";
  auto result = fixres::testing::run_command(fixres::testing::python() + " -c \"" + script + "\"");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("ok"), std::string::npos) << result.output;
}

TEST(NpyTest, WriteIsAtomicAndKeepsOldFileOnFailure) {
  auto dir = scratch_dir("npy_atomic");
  const std::string path = (dir / "a.npy").string();
  std::vector<std::int32_t> values = {1, 2, 3};
  write_npy(path, DType::Int32, {3}, values);
  // bfloat16 has no .npy descr: the write fails before anything replaces the file.
  EXPECT_THROW(write_npy(path, DType::BFloat16, {3}, values.data()), IoError);
  NpyArray kept = read_npy(path);
  EXPECT_EQ(kept.as<std::int32_t>()[2], 3);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename(), "a.npy") << "temporary file left behind";
  }
}

TEST(NpyTest, MissingFileNamesThePath) {
  std::string error = read_error(npy("does_not_exist.npy"));
  EXPECT_NE(error.find("does_not_exist.npy"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(NpyTest, MalformedFilesAreClearErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"bad_magic.npy", "not a .npy file"},
      {"truncated_header.npy", "truncated .npy header"},
      {"truncated_data.npy", "truncated .npy data"},
      {"empty.npy", "truncated .npy file"},
      {"corrupt_header.npy", "corrupt .npy header"},
      {"absurd_shape.npy", "truncated .npy data"},
      {"big_endian.npy", "big-endian"},
      {"fortran.npy", "Fortran-ordered"},
      {"complex.npy", "unsupported .npy dtype"},
  };
  for (const auto& [file, expected] : cases) {
    SCOPED_TRACE(file);
    std::string error = read_error(npy(file));
    EXPECT_NE(error.find(expected), std::string::npos) << error;
    EXPECT_NE(error.find(file), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace fixres::io
