// The ViT/DeiT and ConvNeXt rows (issue 15) through every command that runs a network:
// evaluate, sweep and finetune on the fixture photos with the reference checkpoints of
// tools/fixtures/inference.py (extract's parity with timm is in extract_cli_test.cpp), and the
// bad inputs of these families: a size that is not a multiple of the patch, a checkpoint of another
// width or family, --train-layers naming nothing, a batch-norm recalibration without batch norm.
#include <gtest/gtest.h>

#include "engine/inference_fixtures.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

std::string weights_flags(const std::string& row) {
  return "--architecture " + row + " --weight-path " + quoted(reference_checkpoint(row).string()) +
         " --batch 5 --workers 2";
}

std::string model_flags(const std::string& row, int size) {
  return weights_flags(row) + " --input-size " + std::to_string(size);
}

std::string folder() { return quoted(fixture("images/folder").string()); }

struct Family {
  std::string row;
  int size;             ///< a small test size the row accepts
  std::string trained;  ///< what its fine-tuning policy says it trains (pos_embed on the 4 x 4 grid of 64 px)
};

void PrintTo(const Family& f, std::ostream* os) { *os << f.row; }

class FamilyCommandsTest : public ::testing::TestWithParam<Family> {};

TEST_P(FamilyCommandsTest, EvaluateSweepAndFinetuneRun) {
  const Family& f = GetParam();
  const fs::path dir = scratch_dir("families_" + f.row);
  auto evaluate = run_fixres("evaluate " + model_flags(f.row, f.size) + " --dataset-path " + folder() + " --json " +
                             quoted((dir / "evaluate.json").string()));
  ASSERT_EQ(evaluate.exit_code, 0) << evaluate.output;
  const auto e = read_json_file(dir / "evaluate.json");
  EXPECT_EQ(e["images"], 9);
  EXPECT_EQ(e["architecture"], f.row);
  EXPECT_NE(e["test_transform"].get<std::string>().find("bicubic"), std::string::npos) << e.dump();

  const std::string sizes = std::to_string(f.size) + "," + std::to_string(f.size + 32);
  auto sweep = run_fixres("sweep " + weights_flags(f.row) + " --sizes " + sizes + " --dataset-path " + folder() +
                          " --json " + quoted((dir / "sweep.json").string()));
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  EXPECT_EQ(read_json_file(dir / "sweep.json")["sizes"].size(), 2u);

  auto finetune = run_fixres("finetune " + model_flags(f.row, f.size) + " --train-path " + folder() + " --val-path " +
                             folder() + " --epochs 1 --max-iterations 1 --save-folder " + quoted(dir.string()) +
                             " --job-id ft --json " + quoted((dir / "finetune.json").string()));
  ASSERT_EQ(finetune.exit_code, 0) << finetune.output;
  EXPECT_NE(finetune.output.find(f.trained), std::string::npos) << finetune.output;
  EXPECT_TRUE(fs::is_regular_file(dir / "ft" / "checkpoint.pth"));
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FamilyCommandsTest,
    ::testing::Values(Family{"deit_small_patch16_224", 64,
                             "training 5 tensors (392296 parameters, 1.78% of 21981544, by deit_small_patch16_224's "
                             "policy): pos_embed, norm.weight, norm.bias, head.weight, head.bias"},
                      Family{"convnext_tiny", 64,
                             "training 4 tensors (770536 parameters, 2.70% of 28589128, by convnext_tiny's policy): "
                             "head.norm.weight, head.norm.bias, head.fc.weight, head.fc.bias"}),
    [](const ::testing::TestParamInfo<Family>& p) { return p.param.row; });

// The sweep's GFLOPs count the attention's matrix products too: DeiT-S at 224 is 4.6 GMACs
// (the DeiT paper, timm), 9.2 GFLOPs.
TEST(FamilyCostTest, DeiTSmallAt224Is46GMacs) {
  const fs::path dir = scratch_dir("families_gflops");
  auto r = run_fixres("sweep " + weights_flags("deit_small_patch16_224") + " --sizes 224 --dataset-path " + folder() +
                      " --json " + quoted((dir / "sweep.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double gflops = read_json_file(dir / "sweep.json")["sizes"][0]["gflops"].get<double>();
  EXPECT_NEAR(gflops / 2, 4.6, 0.05) << gflops;
}

TEST(FamilyErrorsTest, SizeThatIsNotAMultipleOfThePatch) {
  auto r = run_fixres("evaluate " + model_flags("deit_small_patch16_224", 200) + " --dataset-path " + folder());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("test size 200 is not a multiple of deit_small_patch16_224's patch size 16 (try 192 or 208)"),
            std::string::npos)
      << r.output;
  auto sweep = run_fixres("sweep " + weights_flags("deit_small_patch16_224") + " --sizes 224,230 --dataset-path " +
                          folder());
  EXPECT_EQ(sweep.exit_code, 1) << sweep.output;
  EXPECT_NE(sweep.output.find("test size 230"), std::string::npos) << sweep.output;
}

TEST(FamilyErrorsTest, CheckpointOfAnotherWidthOrFamilyGivesTheFullReport) {
  // DeiT-S (width 384) into a ViT-Ti (192): every width differs, the grid is the same.
  auto width = run_fixres("evaluate --architecture vit_tiny_patch16_224 --weight-path " +
                          quoted(reference_checkpoint("deit_small_patch16_224").string()) + " --dataset-path " + folder());
  EXPECT_EQ(width.exit_code, 1) << width.output;
  EXPECT_NE(width.output.find("do not fit architecture vit_tiny_patch16_224"), std::string::npos) << width.output;
  EXPECT_NE(width.output.find("pos_embed: expected 1x197x192, got 1x197x384"), std::string::npos) << width.output;
  EXPECT_EQ(width.output.find("frame #"), std::string::npos) << width.output;
  // ConvNeXt weights into a DeiT: nothing fits.
  auto family = run_fixres("evaluate --architecture deit_small_patch16_224 --weight-path " +
                           quoted(reference_checkpoint("convnext_tiny").string()) + " --dataset-path " + folder());
  EXPECT_EQ(family.exit_code, 1) << family.output;
  EXPECT_NE(family.output.find("missing"), std::string::npos) << family.output;
  EXPECT_NE(family.output.find("unexpected"), std::string::npos) << family.output;
  EXPECT_NE(family.output.find("stages.0.blocks.0.conv_dw.weight"), std::string::npos) << family.output;
}

TEST(FamilyErrorsTest, TrainLayersNamingNothingListsThePrefixes) {
  const fs::path dir = scratch_dir("families_train_layers");
  auto r = run_fixres("finetune " + model_flags("convnext_tiny", 64) + " --train-path " + folder() +
                      " --epochs 1 --no-val --train-layers head,stage9 --save-folder " + quoted(dir.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--train-layers: 'stage9' names no tensor of the model"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("top-level prefixes: stem, stages, head"), std::string::npos) << r.output;
}

TEST(FamilyErrorsTest, RecalibrationNeedsBatchNorm) {
  auto r = run_fixres("sweep " + weights_flags("deit_small_patch16_224") + " --sizes 64 --dataset-path " + folder() +
                      " --calibrate-path " + folder() + " --calibrate-images 4");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("adapts no batch-norm layer"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace fixres::engine
