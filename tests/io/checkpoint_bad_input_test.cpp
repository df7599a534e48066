// Malicious, truncated and corrupt inputs: each is refused with an IoError naming the file and the
// problem; none crashes, hangs or allocates from an unchecked size.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "common/paths.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/io_error.h"
#include "fixres/io/unpickler.h"

namespace fixres::io {
namespace {

using testing::fixture;

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The message of the IoError that reading `path` throws ("" if it does not throw).
std::string read_error(const std::string& path) {
  try {
    read_checkpoint(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

std::string unpickle_error(const std::string& bytes) {
  try {
    unpickle(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "test.pkl", nullptr);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

TEST(MaliciousPickleTest, RefusesForbiddenGlobalsByName) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"evil_global_os_system.pkl", "'os.system'"},        // GLOBAL + REDUCE
      {"evil_stack_global_eval.pkl", "'builtins.eval'"},   // STACK_GLOBAL (protocol 4)
      {"evil_inst_os_system.pkl", "'os.system'"},          // INST
      {"evil_reduce.pkl", "'posix.system'"},               // pickle.dumps of a __reduce__ to os.system
      {"evil_unknown_class.pkl", "'collections.Counter'"},  // an unknown class
  };
  for (const auto& [file, global] : cases) {
    const std::string message = unpickle_error(read_bytes(fixture("checkpoints/" + file)));
    EXPECT_CONTAINS(message, "refusing to load global " + global);
    EXPECT_CONTAINS(message, "test.pkl");
  }
}

TEST(MaliciousPickleTest, RefusesForbiddenGlobalsInsideCheckpoints) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"evil_zip_exec.pth", "'builtins.exec'"},
      {"evil_legacy_os_system.pth", "'os.system'"},
      {"bad_whole_model.pth", "'torch.nn.modules.linear.Linear'"},
  };
  for (const auto& [file, global] : cases) {
    const std::string message = read_error(fixture("checkpoints/" + file));
    EXPECT_CONTAINS(message, "refusing to load global " + global);
    EXPECT_CONTAINS(message, file);
  }
}

TEST(MaliciousPickleTest, RefusesDeepNestingCyclesAndMutationAfterUse) {
  const std::string deep = "\x80\x02" + std::string(200, ']') + std::string(199, 'a') + ".";
  EXPECT_CONTAINS(unpickle_error(deep), "nested deeper than 100");
  EXPECT_CONTAINS(unpickle_error(std::string("\x80\x02]q\x00h\x00" "a.", 8)), "contains itself");
  // list0 goes into list1, then list0 is appended to: would make a shared mutable structure.
  EXPECT_CONTAINS(unpickle_error(std::string("\x80\x02]q\x00]h\x00" "a0h\x00K\x01" "a.", 15)), "already stored");
  EXPECT_CONTAINS(unpickle_error("\x80\x02h\x05."), "memo entry 5");
  EXPECT_CONTAINS(unpickle_error("\x80\x02" "a."), "stack underflow");
  EXPECT_CONTAINS(unpickle_error("\x80\x02\xff."), "opcode 0xff");
  EXPECT_CONTAINS(unpickle_error("\x80\x02X\xff\xff\xff\x7f" "abc."), "truncated");
  EXPECT_CONTAINS(unpickle_error("\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff."), "truncated");
  EXPECT_CONTAINS(unpickle_error("\x80\x02K\x01"), "truncated");  // no STOP
  // A persistent id where no storages may appear (e.g. the legacy magic-number pickle).
  EXPECT_CONTAINS(unpickle_error("\x80\x02K\x01Q."), "persistent id");
}

TEST(BadCheckpointTest, LegacyStorageKeyAndCountErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_legacy_unknown_key.pth", "storage key '7' is listed but no tensor references it"},
      {"bad_legacy_missing_key.pth", "storage '1' is referenced but missing from the storage key list"},
      {"bad_legacy_count_mismatch.pth", "holds 13 elements in the file but 12 in its reference"},
      {"bad_legacy_absurd_count.pth", "truncated: storage '1' needs 4398046511104 bytes"},
      {"bad_legacy_overflow_count.pth", "invalid storage element count 4611686018427387904"},
      {"bad_legacy_tensor_out_of_bounds.pth", "needs 14 elements but its storage holds 12"},
  };
  for (const auto& [file, what] : cases) {
    const std::string message = read_error(fixture("checkpoints/" + file));
    EXPECT_CONTAINS(message, what);
    EXPECT_CONTAINS(message, file);
  }
}

class CorruptFileTest : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = testing::scratch_dir("checkpoint_bad_input");
  std::string write(const std::string& name, const std::string& bytes) {
    const auto path = dir_ / name;
    write_bytes(path, bytes);
    return path.string();
  }
};

TEST_F(CorruptFileTest, EveryTruncationIsAnError) {
  for (const char* name : {"seed_zip.pth", "seed_legacy.pth", "dtypes.safetensors", "views_legacy.pth"}) {
    const std::string bytes = read_bytes(fixture(std::string("checkpoints/") + name));
    for (std::size_t size = 0; size < bytes.size(); size += (size < 64 ? 1 : 29)) {
      const std::string path = write("truncated.pth", bytes.substr(0, size));
      EXPECT_FALSE(read_error(path).empty()) << name << " truncated to " << size << " bytes was accepted";
    }
  }
}

TEST_F(CorruptFileTest, WrongMagicAndUnknownFormats) {
  std::string legacy = read_bytes(fixture("checkpoints/seed_legacy.pth"));
  legacy[6] ^= 0x01;  // inside the magic number
  EXPECT_CONTAINS(read_error(write("magic.pth", legacy)), "not a PyTorch checkpoint");
  EXPECT_CONTAINS(read_error(write("empty.pth", "")), "not a PyTorch checkpoint");
  EXPECT_CONTAINS(read_error(write("text.pth", "hello world, not weights")), "first bytes 68 65 6c 6c");
  EXPECT_CONTAINS(read_error((dir_ / "does_not_exist.pth").string()), "cannot open");
}

TEST_F(CorruptFileTest, CorruptZipDirectory) {
  const std::string good = read_bytes(fixture("checkpoints/seed_zip.pth"));
  const std::size_t eocd = good.rfind(std::string("PK\x05\x06", 4));
  ASSERT_NE(eocd, std::string::npos);
  auto patch32 = [&](std::size_t at, std::uint32_t v) {
    std::string bad = good;
    std::memcpy(bad.data() + at, &v, 4);
    return bad;
  };
  std::uint32_t dir_offset = 0;
  std::memcpy(&dir_offset, good.data() + eocd + 16, 4);
  EXPECT_CONTAINS(read_error(write("a.pth", patch32(eocd + 16, 0x7FFFFFF0))), "lies outside the file");
  EXPECT_CONTAINS(read_error(write("b.pth", patch32(dir_offset, 0xDEADBEEF))), "central directory entry 0 is damaged");
  std::string many = good;
  many[eocd + 10] = '\xff';
  many[eocd + 11] = '\x7f';
  EXPECT_CONTAINS(read_error(write("c.pth", many)), "directory claims 32767 entries");
  // Entry 0's local-header offset pointing past the end of the file.
  EXPECT_CONTAINS(read_error(write("d.pth", patch32(dir_offset + 42, 0x00FFFFFF))), "local header of");
  // Entry 0's size beyond the file.
  std::string big = patch32(dir_offset + 20, 0x0FFFFFFF);
  std::memcpy(big.data() + dir_offset + 24, big.data() + dir_offset + 20, 4);
  EXPECT_CONTAINS(read_error(write("e.pth", big)), "extends past the end of the file");
  // A flipped byte inside data.pkl fails its CRC.
  std::string flipped = good;
  flipped[good.find("data.pkl") + 8 + 64] ^= 0x20;
  EXPECT_CONTAINS(read_error(write("f.pth", flipped)), "CRC-32");
}

TEST_F(CorruptFileTest, BadSafetensorsHeaders) {
  const std::string good = read_bytes(fixture("checkpoints/dtypes.safetensors"));
  std::uint64_t header = 0;
  std::memcpy(&header, good.data(), 8);
  const std::string json = good.substr(8, header);
  auto with_header = [&](const std::string& text, const std::string& data) {
    std::string out(8, '\0');
    const std::uint64_t n = text.size();
    std::memcpy(out.data(), &n, 8);
    return out + text + data;
  };
  std::string huge = good;
  const std::uint64_t too_big = good.size();
  std::memcpy(huge.data(), &too_big, 8);
  // Not recognised as safetensors at all when the length is impossible: still refused, with the file named.
  EXPECT_CONTAINS(read_error(write("a.safetensors", huge)), "a.safetensors");
  EXPECT_CONTAINS(read_error(write("b.safetensors", with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", std::string(8, 'x')))),
                  "outside the 8 data bytes");
  EXPECT_CONTAINS(read_error(write("c.safetensors", with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, 'x')))),
                  "needs 3 elements but its storage holds 2");
  EXPECT_CONTAINS(read_error(write("d.safetensors", with_header(R"({"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", std::string(8, 'x')))),
                  "unsupported dtype 'C64'");
  EXPECT_CONTAINS(read_error(write("e.safetensors", with_header(R"({"w":{"dtype":"F32","shape":[4611686018427387904, 4],"data_offsets":[0,8]}})", std::string(8, 'x')))),
                  "overflows");
  EXPECT_CONTAINS(read_error(write("f.safetensors", with_header(R"({"w":{"dtype":"F32"}, "x": 1})", ""))), "needs dtype");
  EXPECT_CONTAINS(read_error(write("g.safetensors", with_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", std::string(8, 'x')))),
                  "overlap");
  EXPECT_CONTAINS(read_error(write("h.safetensors", with_header("{\"w\": [1, 2", ""))), "not valid JSON");
}

// Random byte corruption: every outcome is either a decoded file or an IoError, never a crash.
TEST_F(CorruptFileTest, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(1234);
  int refused = 0;
  int total = 0;
  for (const char* name : {"seed_zip.pth", "seed_legacy.pth", "dtypes.safetensors", "values_legacy.pth"}) {
    const std::string good = read_bytes(fixture(std::string("checkpoints/") + name));
    for (int trial = 0; trial < 150; ++trial) {
      std::string bad = good;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
      const std::string path = write("fuzz.pth", bad);
      ++total;
      try {
        const Checkpoint c = read_checkpoint(path);
        (void)c;
      } catch (const IoError&) {
        ++refused;
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << ": unexpected exception type: " << e.what();
      }
    }
  }
  EXPECT_GT(refused, total / 10);
}

}  // namespace
}  // namespace fixres::io
