// `fixres inspect FILE` and `fixres convert IN OUT [--strip-module]` (torch-free commands).

#include <gtest/gtest.h>

#include "common/paths.h"
#include "common/run_command.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/safetensors.h"
#include "fixres/io/state_dict.h"
#include "io/checkpoint_expectations.h"

namespace fixres::io {
namespace {

using testing::fixture;
using testing::run_fixres;

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "output: " << (text)

TEST(InspectCommandTest, ListsTensorsAndOtherFields) {
  const auto result = run_fixres("inspect " + fixture("checkpoints/seed_legacy.pth").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_CONTAINS(result.output, "legacy .pth");
  EXPECT_CONTAINS(result.output, "tensors under 'model': 8 (150 elements)");
  EXPECT_CONTAINS(result.output, "module.conv1.weight             float32  4x3x3x3  108\n");
  EXPECT_CONTAINS(result.output, "module.bn1.num_batches_tracked  int64    scalar   1\n");
  EXPECT_CONTAINS(result.output, "epoch: 2");
  EXPECT_CONTAINS(result.output, "accuracy: 0.4375");
  EXPECT_CONTAINS(result.output, "optimizer: dict (2 items)");
}

TEST(InspectCommandTest, SafetensorsAndErrors) {
  const auto st = run_fixres("inspect " + fixture("checkpoints/dtypes.safetensors").string());
  ASSERT_EQ(st.exit_code, 0) << st.output;
  EXPECT_CONTAINS(st.output, "tensors under top level: 13");
  EXPECT_CONTAINS(st.output, "bfloat16");
  const auto evil = run_fixres("inspect " + fixture("checkpoints/evil_zip_exec.pth").string());
  EXPECT_EQ(evil.exit_code, 1);
  EXPECT_CONTAINS(evil.output, "refusing to load global 'builtins.exec'");
  EXPECT_EQ(run_fixres("inspect").exit_code, 2);
}

class ConvertCommandTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::scratch_dir("checkpoint_cli").string();
};

TEST_F(ConvertCommandTest, PthToSafetensorsAndBack) {
  const std::string st = dir_ + "/w.safetensors";
  auto r = run_fixres("convert " + fixture("checkpoints/seed_legacy.pth").string() + " " + st + " --strip-module");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_CONTAINS(r.output, "8 tensors");
  EXPECT_CONTAINS(r.output, "not kept (safetensors holds weights only): 'epoch', 'accuracy', 'optimizer', 'lr_scheduler'");
  const SafetensorsFile file = read_safetensors(st);
  const StateDict reference = read_state_dict(fixture("checkpoints/seed_zip.pth"));
  ASSERT_EQ(file.tensors.size(), reference.size());
  for (std::size_t i = 0; i < reference.size(); ++i) {
    EXPECT_EQ(file.tensors[i].first, reference[i].first);
    EXPECT_TRUE(same_values(file.tensors[i].second, reference[i].second)) << reference[i].first;
  }
  const std::string pth = dir_ + "/w.pth";
  r = run_fixres("convert " + st + " " + pth);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const StateDict back = read_state_dict(pth);
  ASSERT_EQ(back.size(), reference.size());
  EXPECT_TRUE(same_values(back[3].second, reference[3].second));
}

TEST_F(ConvertCommandTest, LegacyToZipKeepsTheWholeCheckpoint) {
  const std::string out = dir_ + "/seed.pth";
  auto r = run_fixres("convert " + fixture("checkpoints/seed_legacy.pth").string() + " " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto diffs = testing::differences(testing::expected_values("seed_legacy.pth"), testing::flatten(read_checkpoint(out).root));
  EXPECT_TRUE(diffs.empty()) << diffs.front();

  r = run_fixres("convert " + fixture("checkpoints/seed_zip.pth").string() + " " + out + " --strip-module");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Value root = read_checkpoint(out).root;
  const Dict& model = root.as_dict().find("model")->as_dict();
  EXPECT_EQ(model.items.front().first.as_string(), "conv1.weight");
  EXPECT_NE(model.attributes.at(0).second.as_dict().find("bn1"), nullptr);  // _metadata keys stripped too
  EXPECT_EQ(root.as_dict().find("epoch")->as_int(), 2);
}

TEST_F(ConvertCommandTest, FailuresExitOneAndNameTheFile) {
  auto r = run_fixres("convert " + dir_ + "/missing.pth " + dir_ + "/x.safetensors");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.output, "missing.pth");
  r = run_fixres("convert " + fixture("checkpoints/values_zip.pth").string() + " " + dir_ + "/x.safetensors");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.output, "not a tensor");
  EXPECT_EQ(run_fixres("convert onlyone").exit_code, 2);
}

}  // namespace
}  // namespace fixres::io
