// `fixres extract` against FixRes's own extraction run in PyTorch (tools/fixtures/inference.py):
// the same legacy checkpoint, the same real photos through torchvision's ImageFolder + PIL +
// FixRes's test transform + DataLoader. Preprocessing is bit-exact, so only float summation order
// may differ: identical labels, the same top-1 class for every image, embeddings within 1e-4
// (relative L2 per image) and probabilities within 1e-4 (max abs). Also: evaluate-softmax on the
// files agrees with evaluate, the output folder is checked before any work, and two ranks write
// what one rank writes.
#include <gtest/gtest.h>

#include <cstdio>

#include "engine/inference_fixtures.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

constexpr double kTolerance = 1e-4;

/// Runs `fixres extract` for case `c` (tests/fixtures/inference/cases.json's schema) into a fresh
/// folder; returns the folder.
fs::path run_extract_case(const std::string& name, const nlohmann::json& c, const std::string& extra = "") {
  const fs::path out = scratch_dir("extract_" + name);
  std::string flags;
  for (const auto& f : c["flags"]) flags += " " + quoted(f.get<std::string>());
  const auto result = run_fixres("extract" + flags + " --weight-path " + quoted(reference_checkpoint(c["row"]).string()) +
                                 " --dataset-path " + quoted(case_folder(c).string()) + " --input-size " +
                                 std::to_string(c["size"].get<int>()) + " --save-path " + quoted(out.string()) +
                                 " --batch 4 --workers 2 --json " + quoted((out / "result.json").string()) + extra);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return out;
}

/// How a parity case runs and is judged.
struct ParityRun {
  std::string extra;                      ///< more flags
  const nlohmann::json* cases = nullptr;  ///< the cases file (default: tests/fixtures/inference/cases.json)
  std::string fixtures = "inference";     ///< where NAME/ holds the reference outputs
  double tolerance = kTolerance;          ///< embeddings (max relative L2) and softmax (max abs)
  nlohmann::json* result = nullptr;       ///< receives the run's --json
};

ParityRun with_flags(const std::string& extra) {
  ParityRun run;
  run.extra = extra;
  return run;
}

/// The cases of tools/fixtures/protocols.py (tests/fixtures/protocols/extract.json).
ParityRun protocol_case(double tolerance, nlohmann::json* result) {
  static const nlohmann::json cases = read_json_file(fixture("protocols/extract.json"));
  ParityRun run;
  run.cases = &cases;
  run.fixtures = "protocols";
  run.tolerance = tolerance;
  run.result = result;
  return run;
}

/// Case `name` against its PyTorch run.
void expect_matches_reference(const std::string& name, const ParityRun& run = {}) {
  const nlohmann::json& c = (run.cases ? *run.cases : inference_cases())["cases"][name];
  const std::string& extra = run.extra;
  const std::string& fixtures = run.fixtures;
  const std::string arch = c["name"];
  const fs::path out = run_extract_case(name, c, extra);
  const fs::path want = fixture(fixtures + "/" + name);

  auto labels = read_npy_tensor(out / "labels.npy");
  auto want_labels = read_npy_tensor(want / "labels.npy");
  ASSERT_EQ(labels.scalar_type(), torch::kInt64);
  ASSERT_TRUE(torch::equal(labels, want_labels)) << labels << want_labels;

  auto embedding = read_npy_tensor(out / (arch + "_embedding.npy"));
  auto softmax = read_npy_tensor(out / (arch + "_softmax.npy"));
  auto want_embedding = read_npy_tensor(want / (arch + "_embedding.npy"));
  auto want_softmax = read_npy_tensor(want / (arch + "_softmax.npy"));
  ASSERT_EQ(embedding.scalar_type(), torch::kFloat32);
  ASSERT_EQ(softmax.scalar_type(), torch::kFloat32);
  ASSERT_EQ(embedding.sizes(), want_embedding.sizes());
  ASSERT_EQ(softmax.sizes(), want_softmax.sizes());

  EXPECT_TRUE(torch::equal(softmax.argmax(1), want_softmax.argmax(1)))
      << "top-1 per image: " << softmax.argmax(1) << " vs " << want_softmax.argmax(1);
  const double embedding_error = max_relative_l2(embedding, want_embedding);
  const double softmax_error = max_abs_difference(softmax, want_softmax);
  EXPECT_LE(embedding_error, run.tolerance);
  EXPECT_LE(softmax_error, run.tolerance);
  ::testing::Test::RecordProperty("embedding_max_relative_l2", std::to_string(embedding_error));
  ::testing::Test::RecordProperty("softmax_max_abs", std::to_string(softmax_error));
  std::printf("[ parity   ] %s%s: embedding max rel. L2 %.3g, softmax max abs %.3g, %lld images\n", name.c_str(),
              extra.c_str(), embedding_error, softmax_error, static_cast<long long>(labels.size(0)));

  auto json = read_json_file(out / "result.json");
  EXPECT_EQ(json["images"], labels.size(0));
  EXPECT_EQ(json["embedding_dim"], want_embedding.size(1));
  EXPECT_EQ(json["num_classes"], want_softmax.size(1));
  if (run.result) *run.result = json;
}

TEST(ExtractParityTest, ResNet50At224) { expect_matches_reference("resnet50_224"); }
// PyTorch's own arithmetic: NCHW activations, batch-norms not folded.
TEST(ExtractParityTest, ResNet50At224ContiguousUnfolded) {
  expect_matches_reference("resnet50_224", with_flags(" --contiguous --no-fold-bn"));
}
TEST(ExtractParityTest, ResNet50At320) { expect_matches_reference("resnet50_320"); }
TEST(ExtractParityTest, EfficientNetB0At320) { expect_matches_reference("tf_efficientnet_b0_320"); }
TEST(ExtractParityTest, PNASNetAt331) { expect_matches_reference("pnasnet_331"); }
// timm's DeiT and ConvNeXt through their own eval transform (shorter side, bicubic, crop 0.9 /
// 0.875); at 384 the 224 checkpoint's position embedding is resampled as timm's loader does.
TEST(ExtractParityTest, DeiTSmallAt224) { expect_matches_reference("deit_small_224"); }
TEST(ExtractParityTest, DeiTSmallAt384FromA224Checkpoint) { expect_matches_reference("deit_small_384"); }
TEST(ExtractParityTest, ConvNeXtTinyAt288) { expect_matches_reference("convnext_tiny_288"); }
// Another protocol (tools/fixtures/protocols.py): shorter side to floor(288 / 0.95), bicubic.
TEST(ExtractParityTest, ResNet50At288ShorterSideBicubicCropPct095) {
  nlohmann::json json;
  expect_matches_reference("resnet50_288_shorter_bicubic_095", protocol_case(kTolerance, &json));
  EXPECT_EQ(json["resize_mode"], "shorter");
  EXPECT_EQ(json["interpolation"], "bicubic");
  EXPECT_DOUBLE_EQ(json["crop_pct"].get<double>(), 0.95);
  EXPECT_EQ(json["resize_size"], 303);
  EXPECT_EQ(json["tta"], "none");
}
// --tta flip: the means over each test crop and its mirror, as the Python reference averages
// its two runs; measured here: embeddings ~4e-7 relative L2, softmax ~5e-6 max abs.
TEST(ExtractParityTest, FlipTtaAveragesTheCropAndItsMirror) {
  nlohmann::json json;
  expect_matches_reference("resnet50_288_shorter_bicubic_095_flip", protocol_case(1e-5, &json));
  EXPECT_EQ(json["tta"], "flip");
}

TEST(ExtractTest, EvaluateSoftmaxOnTheFilesAgreesWithEvaluate) {
  const nlohmann::json& c = inference_cases()["cases"]["resnet50_224"];
  const fs::path out = run_extract_case("resnet50_224", c);
  const auto softmax = run_fixres("evaluate-softmax --architecture ResNet50 --save-path " + quoted(out.string()) +
                                  " --json " + quoted((out / "softmax.json").string()));
  ASSERT_EQ(softmax.exit_code, 0) << softmax.output;
  const auto evaluate = run_fixres("evaluate --architecture ResNet50 --weight-path " +
                                   quoted(reference_checkpoint("ResNet50").string()) + " --dataset-path " +
                                   quoted(case_folder(c).string()) + " --input-size 224 --batch 3 --workers 1 --json " +
                                   quoted((out / "evaluate.json").string()));
  ASSERT_EQ(evaluate.exit_code, 0) << evaluate.output;
  const auto a = read_json_file(out / "softmax.json");
  const auto b = read_json_file(out / "evaluate.json");
  const auto extracted = read_json_file(out / "result.json");
  EXPECT_EQ(a["images"], b["images"]);
  EXPECT_DOUBLE_EQ(a["top1"].get<double>(), b["top1"].get<double>());
  EXPECT_DOUBLE_EQ(a["top5"].get<double>(), b["top5"].get<double>());
  EXPECT_DOUBLE_EQ(a["top1"].get<double>(), extracted["top1"].get<double>());
  // And both equal PyTorch's counts on the reference softmax.
  EXPECT_DOUBLE_EQ(b["top1"].get<double>(), 100.0 * c["top1_correct"].get<double>() / 9.0);
  EXPECT_DOUBLE_EQ(b["top5"].get<double>(), 100.0 * c["top5_correct"].get<double>() / 9.0);
  // The printed line of the CLI contract.
  char line[96];
  std::snprintf(line, sizeof line, "Top-1: %.2f  Top-5: %.2f  (9 images)", b["top1"].get<double>(),
                b["top5"].get<double>());
  EXPECT_NE(evaluate.output.find(line), std::string::npos) << evaluate.output;
}

TEST(ExtractTest, RefusesAnUnwritableOutputFolderBeforeAnyWork) {
  const fs::path dir = scratch_dir("extract_unwritable");
  {
    std::ofstream file(dir / "a_file");
    file << "not a folder";
  }
  // The weights do not exist either: the folder must be the error, so it was checked first.
  const auto result = run_fixres("extract --architecture ResNet50 --weight-path " + quoted((dir / "missing.pth").string()) +
                                 " --dataset-path " + quoted(fixture("images/folder").string()) + " --save-path " +
                                 quoted((dir / "a_file" / "out").string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find((dir / "a_file").string()), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("missing.pth"), std::string::npos) << result.output;
}

TEST(ExtractTest, TwoRanksWriteTheFilesOneRankWrites) {
  const fs::path weights = small_weights();
  const fs::path one = scratch_dir("extract_one_rank");
  const fs::path two = scratch_dir("extract_two_ranks");
  const std::string common = "extract --architecture resnet26_w16 --weight-path " + quoted(weights.string()) +
                             " --dataset-path " + quoted(fixture("images/folder").string()) +
                             " --input-size 64 --batch 1 --workers 1 --threads 1";
  auto a = run_fixres(common + " --save-path " + quoted(one.string()));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  // 9 images over 2 ranks: DistributedSampler pads rank 1 with image 0, written once.
  auto b = run_fixres("launch --nproc-per-node 2 -- " + common + " --save-path " + quoted(two.string()) +
                      " --json " + quoted((two / "result.json").string()));
  ASSERT_EQ(b.exit_code, 0) << b.output;
  for (const char* file : {"labels.npy", "resnet26_w16_embedding.npy", "resnet26_w16_softmax.npy"}) {
    auto x = read_npy_tensor(one / file);
    auto y = read_npy_tensor(two / file);
    ASSERT_EQ(x.sizes(), y.sizes()) << file;
    // Bit for bit: same images, same batch composition (--batch 1), same --threads (which also
    // fixes OpenBLAS's thread count, whatever OMP_NUM_THREADS `fixres launch` gives its ranks).
    EXPECT_TRUE(torch::equal(x, y)) << file << ": largest difference " << max_abs_difference(x, y);
  }
  auto json = read_json_file(two / "result.json");
  EXPECT_EQ(json["world_size"], 2);
  EXPECT_EQ(json["images"], 9);
}

}  // namespace
}  // namespace fixres::engine
