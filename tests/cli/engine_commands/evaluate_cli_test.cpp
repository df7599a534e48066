// `fixres evaluate`: the contract line and JSON, unreadable images skipped and listed, and every
// bad input of issue 6 as a clear error (exit 1) naming what is wrong.
#include <gtest/gtest.h>

#include "engine/inference_fixtures.h"
#include "fixres/core/format.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

/// The fixture folder plus an undecodable file in one class.
fs::path folder_with_a_bad_image() {
  const fs::path dir = scratch_dir("evaluate_bad_image");
  fs::copy(fixture("images/folder"), dir / "folder", fs::copy_options::recursive);
  fs::copy_file(fixture("images/bad/truncated.jpg"), dir / "folder" / "cup" / "cup_9_truncated.jpg");
  return dir / "folder";
}

std::string small_model_flags(int size = 64) {
  return "--architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) + " --input-size " +
         std::to_string(size) + " --batch 4";
}

TEST(EvaluateTest, SkipsListsAndCountsUnreadableImages) {
  const fs::path folder = folder_with_a_bad_image();
  const fs::path json = folder.parent_path() / "result.json";
  auto r = run_fixres("evaluate " + small_model_flags() + " --dataset-path " + quoted(folder.string()) + " --json " +
                      quoted(json.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(9 images)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cup_9_truncated.jpg"), std::string::npos) << r.output;  // said on stderr
  auto j = read_json_file(json);
  EXPECT_EQ(j["images"], 9);
  EXPECT_EQ(j["skipped_images"], 1);
  ASSERT_EQ(j["skipped"].size(), 1u);
  EXPECT_EQ(j["skipped"][0]["path"], (folder / "cup" / "cup_9_truncated.jpg").string());
  EXPECT_EQ(j["skipped"][0]["index"], 6);  // cat 0-2, cup 3-6 (cup_0, cup_1, cup_2, cup_9_truncated)
  EXPECT_GT(j["images_per_second"].get<double>(), 0.0);
  EXPECT_EQ(j["input_size"], 64);
  EXPECT_EQ(j["architecture"], "resnet26_w16");
  EXPECT_NE(j["normalization"].get<std::string>().find("0.485"), std::string::npos);

  auto strict = run_fixres("evaluate " + small_model_flags() + " --strict-images --dataset-path " + quoted(folder.string()));
  EXPECT_EQ(strict.exit_code, 1) << strict.output;
  EXPECT_NE(strict.output.find("cup_9_truncated.jpg"), std::string::npos) << strict.output;
}

TEST(EvaluateTest, ImnetPathMeansRootSlashVal) {
  const fs::path root = scratch_dir("evaluate_imnet");
  fs::copy(fixture("images/folder"), root / "val", fs::copy_options::recursive);
  auto r = run_fixres("evaluate " + small_model_flags() + " --imnet-path " + quoted(root.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(9 images)"), std::string::npos) << r.output;
  auto missing = run_fixres("evaluate " + small_model_flags() + " --imnet-path " + quoted((root / "val").string()));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find((root / "val" / "val").string()), std::string::npos) << missing.output;
}

TEST(EvaluateTest, MeanAndStdOverrideIsSaid) {
  const fs::path json = scratch_dir("evaluate_mean_std") / "r.json";
  auto r = run_fixres("evaluate " + small_model_flags() + " --dataset-path " + quoted(fixture("images/folder").string()) +
                      " --mean 0.5 0.5 0.5 --std 0.25 0.25 0.25 --json " + quoted(json.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(read_json_file(json)["normalization"].get<std::string>().find("--mean/--std"), std::string::npos);
  auto half = run_fixres("evaluate " + small_model_flags() + " --dataset-path " +
                         quoted(fixture("images/folder").string()) + " --mean 0.5 0.5 0.5");
  EXPECT_EQ(half.exit_code, 2) << half.output;
}

TEST(EvaluateTest, MissingWeightsAreAClearError) {
  const fs::path dir = scratch_dir("evaluate_missing_weights");
  auto r = run_fixres("evaluate --architecture ResNet50 --weight-path " + quoted((dir / "nope.pth").string()) +
                      " --dataset-path " + quoted(fixture("images/folder").string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("nope.pth"), std::string::npos) << r.output;
}

TEST(EvaluateTest, WeightsOfAnotherArchitectureGiveTheFullLoadReport) {
  // resnet26_w16 weights into ResNet50: every shape differs, and blocks are missing.
  auto r = run_fixres("evaluate --architecture ResNet50 --weight-path " + quoted(small_weights().string()) +
                      " --dataset-path " + quoted(fixture("images/folder").string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("do not fit architecture ResNet50"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("layer1.0.conv1.weight"), std::string::npos) << r.output;  // mis-shaped
  EXPECT_NE(r.output.find("layer1.2.conv1.weight"), std::string::npos) << r.output;  // missing (2 blocks there)
  EXPECT_NE(r.output.find("resnet26_w16.safetensors"), std::string::npos) << r.output;  // the file
  // --non-strict loads what fits and says what did not.
  auto loose = run_fixres("evaluate --architecture ResNet50 --non-strict --weight-path " +
                          quoted(small_weights().string()) + " --input-size 64 --dataset-path " +
                          quoted(fixture("images/folder").string()));
  EXPECT_EQ(loose.exit_code, 0) << loose.output;
  EXPECT_NE(loose.output.find("loaded partially"), std::string::npos) << loose.output;
}

TEST(EvaluateTest, BadSizesDevicesAndArchitectures) {
  const std::string data = " --dataset-path " + quoted(fixture("images/folder").string());
  auto small = run_fixres("evaluate " + small_model_flags(16) + data);
  EXPECT_EQ(small.exit_code, 1) << small.output;
  EXPECT_NE(small.output.find("too small"), std::string::npos) << small.output;
  for (const char* size : {"0", "-3", "5000"}) {
    auto bad = run_fixres("evaluate --architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) +
                          " --input-size " + size + data);
    EXPECT_EQ(bad.exit_code, 1) << bad.output;  // bad input, not a usage error
    EXPECT_NE(bad.output.find("--input-size"), std::string::npos) << bad.output;
  }
  auto device = run_fixres("evaluate " + small_model_flags() + data + " --device tpu");
  EXPECT_EQ(device.exit_code, 1) << device.output;
  EXPECT_NE(device.output.find("tpu"), std::string::npos) << device.output;
  auto arch = run_fixres("evaluate --architecture ResNet49 --weight-path " + quoted(small_weights().string()) + data);
  EXPECT_EQ(arch.exit_code, 1) << arch.output;
  EXPECT_NE(arch.output.find("ResNet49"), std::string::npos) << arch.output;
  auto nodata = run_fixres("evaluate " + small_model_flags());
  EXPECT_EQ(nodata.exit_code, 2) << nodata.output;
}

}  // namespace
}  // namespace fixres::engine

namespace fixres::engine {
namespace {

using namespace fixres::testing;

std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(EvaluateTest, ResultsFileAppendsOneRowPerRunWithTimmsColumns) {
  const fs::path dir = scratch_dir("evaluate_results_csv");
  const fs::path csv = dir / "results.csv";
  const std::string common = "--architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) +
                             " --batch 4 --dataset-path " + quoted(fixture("images/folder").string()) +
                             " --results-file " + quoted(csv.string());
  auto first = run_fixres("evaluate " + common + " --input-size 64 --json " + quoted((dir / "a.json").string()));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto second = run_fixres("evaluate " + common + " --input-size 96 --crop-pct 1.0 --interpolation bicubic "
                           "--resize-mode shorter --json " + quoted((dir / "b.json").string()));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const auto rows = lines_of(csv);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0],
            "model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation,weights,resize_mode,"
            "resize_size,images,images_per_second");
  const auto a = read_json_file(dir / "a.json");
  const std::string a_top1 = format_number("%.4f", a["top1"].get<double>());
  EXPECT_EQ(rows[1].rfind("resnet26_w16," + a_top1 + ",", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find(",64,0.875,bilinear,"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find(",fixres,73,9,"), std::string::npos) << rows[1];  // floor(64 / 0.875) = 73
  EXPECT_NE(rows[2].find(",96,1,bicubic,"), std::string::npos) << rows[2];
  EXPECT_NE(rows[2].find(",shorter,96,9,"), std::string::npos) << rows[2];
  const auto b = read_json_file(dir / "b.json");
  EXPECT_EQ(b["interpolation"], "bicubic");
  EXPECT_EQ(b["resize_mode"], "shorter");

  // Another table in the way: refused, and left as it was.
  const fs::path other = dir / "other.csv";
  { std::ofstream(other) << "a,b\n1,2\n"; }
  auto refused = run_fixres("evaluate --architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) +
                            " --input-size 64 --dataset-path " + quoted(fixture("images/folder").string()) +
                            " --results-file " + quoted(other.string()));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("other.csv"), std::string::npos) << refused.output;
  EXPECT_EQ(lines_of(other).size(), 2u);
}

// --fast-decode reaches the test transform (the pixels against PIL's draft: test_protocol_test),
// and the run says so in its log and JSON. At 32 px the 160x120 photos are decoded at 1/2.
TEST(EvaluateTest, FastDecodeIsReportedAndChangesOnlyTheDecode) {
  const fs::path dir = scratch_dir("evaluate_fast_decode");
  const std::string common = "evaluate --architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) +
                             " --input-size 32 --batch 4 --dataset-path " + quoted(fixture("images/folder").string());
  auto exact = run_fixres(common + " --json " + quoted((dir / "exact.json").string()));
  ASSERT_EQ(exact.exit_code, 0) << exact.output;
  auto fast = run_fixres(common + " --fast-decode --json " + quoted((dir / "fast.json").string()));
  ASSERT_EQ(fast.exit_code, 0) << fast.output;
  EXPECT_NE(fast.output.find("fast decode: JPEGs at 1/2, 1/4 or 1/8"), std::string::npos) << fast.output;
  EXPECT_EQ(exact.output.find("fast decode"), std::string::npos) << exact.output;
  const auto e = read_json_file(dir / "exact.json"), f = read_json_file(dir / "fast.json");
  EXPECT_EQ(e["fast_decode"], false);
  EXPECT_EQ(f["fast_decode"], true);
  EXPECT_EQ(f["resize_size"], e["resize_size"]);
  EXPECT_EQ(f["skipped_images"], 0);
}

TEST(EvaluateTest, BadTestProtocolFlagsAreUsageOrInputErrorsNamingTheFlag) {
  const std::string common = "evaluate --architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) +
                             " --input-size 64 --dataset-path " + quoted(fixture("images/folder").string());
  struct Case {
    std::string flags;
    int exit_code;
    std::string says;
  };
  for (const Case& c : {Case{"--crop-pct 0", 1, "--crop-pct"}, Case{"--crop-pct 1.5", 1, "--crop-pct"},
                        Case{"--crop-pct 0.9 --resize-size 80", 2, "--resize-size"},
                        Case{"--interpolation lanczos", 2, "--interpolation"},
                        Case{"--resize-mode longer", 2, "--resize-mode"}, Case{"--tta mirror", 2, "--tta"}}) {
    auto r = run_fixres(common + " " + c.flags);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.flags << ": " << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.flags << ": " << r.output;
    EXPECT_EQ(r.output.find("Top-1"), std::string::npos) << c.flags << ": " << r.output;
  }
}

}  // namespace
}  // namespace fixres::engine

namespace fixres::engine {
namespace {

using namespace fixres::testing;

// What a person reads: the message, never LibTorch's C++ backtrace; the first ten keys of each
// kind, mis-shaped first, and how many more (--verbose lists them all).
TEST(EvaluateTest, LoadReportIsReadableAndCappedUnlessVerbose) {
  const std::string command = "evaluate --architecture ResNet50 --weight-path " + quoted(small_weights().string()) +
                              " --dataset-path " + quoted(fixture("images/folder").string());
  auto r = run_fixres(command);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.find("frame #"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << r.output;
  const auto mismatches = r.output.find("shape mismatches ("), missing = r.output.find("missing keys (");
  ASSERT_NE(mismatches, std::string::npos) << r.output;
  ASSERT_NE(missing, std::string::npos) << r.output;
  EXPECT_LT(mismatches, missing) << r.output;
  EXPECT_NE(r.output.find("more: --verbose lists all"), std::string::npos) << r.output;
  EXPECT_LT(std::count(r.output.begin(), r.output.end(), '\n'), 40) << r.output;
  // The last missing key of ResNet-50 (layer4's third block) shows only with --verbose.
  EXPECT_EQ(r.output.find("layer4.2.bn3.running_var"), std::string::npos) << r.output;
  auto verbose = run_fixres(command + " --verbose");
  EXPECT_EQ(verbose.exit_code, 1) << verbose.output;
  EXPECT_NE(verbose.output.find("layer4.2.bn3.running_var"), std::string::npos) << verbose.output;
  EXPECT_EQ(verbose.output.find("more: --verbose"), std::string::npos) << verbose.output;
}

}  // namespace
}  // namespace fixres::engine
