// Reading torch.save files (legacy and zip), safetensors and plain pickles, compared value by value
// with what PyTorch itself loaded from the same files.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/paths.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/state_dict.h"
#include "fixres/io/unpickler.h"
#include "io/checkpoint_expectations.h"

namespace fixres::io {
namespace {

using testing::expected_values;
using testing::fixture;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Value load_any(const std::string& name) {
  const std::string path = fixture("checkpoints/" + name).string();
  if (name.size() > 4 && name.substr(name.size() - 4) == ".pkl") {
    const std::string bytes = read_bytes(path);
    return unpickle(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path, nullptr);
  }
  return read_checkpoint(path).root;
}

class CheckpointParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointParityTest, MatchesTorchLoad) {
  const auto expected = expected_values(GetParam());
  const auto actual = testing::flatten(load_any(GetParam()));
  const auto diffs = testing::differences(expected, actual);
  EXPECT_TRUE(diffs.empty()) << diffs.size() << " differences, first: " << (diffs.empty() ? "" : diffs.front());
  EXPECT_GT(expected.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CheckpointParityTest, ::testing::ValuesIn(testing::expected_files()),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(CheckpointReaderTest, DetectsFormatsByContent) {
  EXPECT_EQ(read_checkpoint(fixture("checkpoints/seed_legacy.pth")).format, CheckpointFormat::LegacyPth);
  EXPECT_EQ(read_checkpoint(fixture("checkpoints/seed_zip.pth")).format, CheckpointFormat::ZipPth);
  EXPECT_EQ(read_checkpoint(fixture("checkpoints/dtypes.safetensors")).format, CheckpointFormat::Safetensors);
}

TEST(CheckpointReaderTest, ViewsShareOneMappedStorage) {
  for (const char* name : {"views_zip.pth", "views_legacy.pth"}) {
    const Value root = read_checkpoint(fixture(std::string("checkpoints/") + name)).root;
    const Dict& d = root.as_dict();
    const RawTensor& base = d.find("base")->as_tensor();
    const RawTensor& slice = d.find("slice")->as_tensor();
    const RawTensor& transposed = d.find("transposed")->as_tensor();
    EXPECT_EQ(base.storage.get(), slice.storage.get()) << name;
    EXPECT_EQ(base.storage.get(), d.find("again")->as_tensor().storage.get()) << name;
    EXPECT_NE(base.storage.get(), d.find("other")->as_tensor().storage.get()) << name;
    EXPECT_EQ(slice.offset, 4) << name;
    EXPECT_EQ(transposed.strides, (std::vector<std::int64_t>{1, 6})) << name;
    EXPECT_FALSE(transposed.is_contiguous()) << name;
    EXPECT_TRUE(base.storage->mapped) << name;
  }
}

TEST(CheckpointReaderTest, KeepsOrderedDictMetadata) {
  for (const char* name : {"seed_zip.pth", "seed_legacy.pth"}) {
    const Value root = read_checkpoint(fixture(std::string("checkpoints/") + name)).root;
    const Dict& model = root.as_dict().find("model")->as_dict();
    ASSERT_TRUE(model.ordered) << name;
    ASSERT_EQ(model.attributes.size(), 1u) << name;
    EXPECT_EQ(model.attributes[0].first, "_metadata");
    const Dict& meta = model.attributes[0].second.as_dict();
    const Value* bn = meta.find("module.bn1");
    ASSERT_NE(bn, nullptr) << name;
    EXPECT_EQ(bn->as_dict().find("version")->as_int(), 2);
  }
}

TEST(StateDictTest, FindsWeightsUnderModelStateDictOrTopLevelAndStripsModule) {
  const auto expected = expected_values("bare_state_dict_zip.pth");
  for (const char* name : {"seed_legacy.pth", "seed_zip.pth", "bare_state_dict_zip.pth", "under_state_dict_zip.pth"}) {
    const StateDict weights = read_state_dict(fixture(std::string("checkpoints/") + name));
    ASSERT_EQ(weights.size(), 8u) << name;
    EXPECT_EQ(weights.front().first, "conv1.weight") << name;
    for (const auto& [key, tensor] : weights) {
      const auto actual = testing::flatten(Value(tensor));
      EXPECT_EQ(actual.at(""), expected.at("module." + key)) << name << " " << key;
    }
  }
  const StateDict bn = read_state_dict(fixture("checkpoints/seed_legacy.pth"));
  EXPECT_EQ(bn[5].first, "bn1.num_batches_tracked");
  EXPECT_EQ(*reinterpret_cast<const std::int64_t*>(bn[5].second.first_element()), (std::int64_t{1} << 33) + 5);
}

TEST(StateDictTest, ReadsSafetensorsAsAStateDict) {
  const StateDict weights = read_state_dict(fixture("checkpoints/dtypes.safetensors"));
  ASSERT_EQ(weights.size(), 13u);
  EXPECT_EQ(weights.front().first, "float32");
  EXPECT_EQ(weights.front().second.shape, (std::vector<std::int64_t>{2, 3}));
}

TEST(StateDictTest, RefusesNonTensorEntriesNamingTheKey) {
  try {
    read_state_dict(fixture("checkpoints/values_zip.pth"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("values_zip.pth"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a tensor"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fixres::io
