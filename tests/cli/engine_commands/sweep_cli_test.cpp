// `fixres sweep` against PyTorch's own momentum=None recalibration of ResNet-50's layer4.2.bn3
// (tools/fixtures/inference.py, make_recalibration): top-1/top-5 before and after at two sizes,
// the JSON and the SVG plot it writes. Also the size syntax and bad sizes.
#include <gtest/gtest.h>

#include "engine/inference_fixtures.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

TEST(SweepTest, MatchesPyTorchPlainAndRecalibratedAndWritesJsonAndPlot) {
  const auto& r = inference_cases()["recalibration"];
  const fs::path dir = scratch_dir("sweep_reference");
  auto result = run_fixres("sweep --architecture ResNet50 --weight-path " +
                           quoted(reference_checkpoint("ResNet50").string()) + " --dataset-path " +
                           quoted(fixture("images/folder").string()) + " --sizes 224,320 --calibrate-path " +
                           quoted(fixture("images/folder").string()) + " --calibrate-images " +
                           std::to_string(r["images"].get<int>()) + " --batch " + std::to_string(r["batch"].get<int>()) +
                           " --workers 2 --json " + quoted((dir / "sweep.json").string()) + " --plot " +
                           quoted((dir / "sweep.svg").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Best test size: "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("top-1 recal."), std::string::npos) << result.output;

  auto j = read_json_file(dir / "sweep.json");
  EXPECT_EQ(j["architecture"], "ResNet50");
  ASSERT_EQ(j["sizes"].size(), 2u);
  int best = 0;
  double best_top1 = -1;
  for (const auto& row : j["sizes"]) {
    const std::string size = std::to_string(row["size"].get<int>());
    const auto& want = r["results"][size];
    EXPECT_DOUBLE_EQ(row["top1"].get<double>(), 100.0 * want["top1"].get<double>() / 9.0) << size;
    EXPECT_DOUBLE_EQ(row["top5"].get<double>(), 100.0 * want["top5"].get<double>() / 9.0) << size;
    EXPECT_DOUBLE_EQ(row["top1_calibrated"].get<double>(), 100.0 * want["top1_calibrated"].get<double>() / 9.0) << size;
    EXPECT_DOUBLE_EQ(row["top5_calibrated"].get<double>(), 100.0 * want["top5_calibrated"].get<double>() / 9.0) << size;
    if (row["top1"].get<double>() > best_top1) {
      best_top1 = row["top1"].get<double>();
      best = row["size"];
    }
  }
  // The plain run at 224 is the extraction case resnet50_224.
  EXPECT_EQ(r["results"]["224"]["top1"], inference_cases()["cases"]["resnet50_224"]["top1_correct"]);
  EXPECT_EQ(j["best_size"], best);
  EXPECT_EQ(j["calibration_images"], r["images"]);

  std::ifstream in(dir / "sweep.svg");
  const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("after batch-norm recalibration"), std::string::npos);
  EXPECT_NE(svg.find("test size (pixels)"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

std::string small_sweep(const std::string& sizes, const std::string& extra = "") {
  return "sweep --architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) + " --dataset-path " +
         quoted(fixture("images/folder").string()) + " --batch 9 --sizes " + quoted(sizes) + extra;
}

TEST(SweepTest, RangeSyntaxAndNullsWithoutRecalibration) {
  const fs::path dir = scratch_dir("sweep_range");
  auto r = run_fixres(small_sweep("32:96:32", " --json " + quoted((dir / "s.json").string())));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = read_json_file(dir / "s.json");
  ASSERT_EQ(j["sizes"].size(), 3u);
  EXPECT_EQ(j["sizes"][0]["size"], 32);
  EXPECT_EQ(j["sizes"][1]["size"], 64);
  EXPECT_EQ(j["sizes"][2]["size"], 96);
  EXPECT_TRUE(j["sizes"][0]["top1_calibrated"].is_null());
  EXPECT_TRUE(j["sizes"][0]["top5_calibrated"].is_null());
  EXPECT_TRUE(j["sizes"][0]["top1"].is_number());
  EXPECT_EQ(r.output.find("recal."), std::string::npos) << r.output;
}

TEST(SweepTest, BadSizesAreClearErrors) {
  struct Case {
    std::string sizes;
    int exit_code;
    std::string says;
  };
  for (const Case& c : {Case{"0,64", 1, "positive"}, Case{"-32", 1, "positive"}, Case{"16,64", 1, "too small"},
                        Case{"96:32:32", 1, "backwards"}, Case{"32:96:0", 1, "step"}, Case{"64,abc", 2, "abc"},
                        Case{"64,64", 1, "twice"}}) {
    auto r = run_fixres(small_sweep(c.sizes));
    EXPECT_EQ(r.exit_code, c.exit_code) << c.sizes << ": " << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.sizes << ": " << r.output;
  }
  auto no_k = run_fixres(small_sweep("64", " --calibrate-path " + quoted(fixture("images/folder").string())));
  EXPECT_EQ(no_k.exit_code, 1) << no_k.output;
  EXPECT_NE(no_k.output.find("--calibrate-images"), std::string::npos) << no_k.output;
  auto bad_plot = run_fixres(small_sweep("64", " --plot /proc/no/such/dir/plot.svg"));
  EXPECT_EQ(bad_plot.exit_code, 1) << bad_plot.output;
}

}  // namespace
}  // namespace fixres::engine

namespace fixres::engine {
namespace {

using namespace fixres::testing;

// The size x crop-pct grid: the 0.95 cell against the PyTorch run of the same protocol
// (tools/fixtures/protocols.py: shorter side, bicubic, 288), the best cell, the Pareto front and
// the budget's pick as the JSON's own numbers define them, the CSV rows and the two-panel plot.
TEST(SweepTest, CropPctGridParetoFrontAndBudget) {
  const auto reference = read_json_file(fixture("protocols/extract.json"))["cases"]["resnet50_288_shorter_bicubic_095"];
  const auto labels = read_npy_tensor(fixture("protocols/resnet50_288_shorter_bicubic_095/labels.npy"));
  std::int64_t reference_top1 = 0;
  for (std::int64_t i = 0; i < labels.size(0); ++i) {
    reference_top1 += reference["top1_classes"][static_cast<std::size_t>(i)].get<std::int64_t>() == labels[i].item<std::int64_t>();
  }
  const fs::path dir = scratch_dir("sweep_grid");
  auto r = run_fixres("sweep --architecture ResNet50 --weight-path " + quoted(reference_checkpoint("ResNet50").string()) +
                      " --dataset-path " + quoted(fixture("images/folder").string()) +
                      " --sizes 160,288 --crop-pcts 0.875,0.95 --resize-mode shorter --interpolation bicubic "
                      "--budget 0.001 --batch 4 --workers 2 --json " + quoted((dir / "s.json").string()) + " --plot " +
                      quoted((dir / "s.svg").string()) + " --results-file " + quoted((dir / "s.csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Best test size: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Within 0.001 img/s: "), std::string::npos) << r.output;
  const auto j = read_json_file(dir / "s.json");
  ASSERT_EQ(j["sizes"].size(), 4u);
  const auto& cell = j["sizes"][3];  // crop-pct 0.95 at 288: rows go crop by crop, size by size
  EXPECT_EQ(cell["size"], 288);
  EXPECT_DOUBLE_EQ(cell["crop_pct"].get<double>(), 0.95);
  EXPECT_EQ(cell["resize_size"], 303);
  EXPECT_NEAR(cell["top1"].get<double>(), 100.0 * reference_top1 / 9.0, 1e-9);
  // The best cell: the highest top-1, then top-5, then the smaller size.
  nlohmann::json best;
  for (const auto& row : j["sizes"]) {
    if (best.is_null() || row["top1"] > best["top1"] || (row["top1"] == best["top1"] && row["top5"] > best["top5"])) best = row;
  }
  EXPECT_EQ(j["best_size"], best["size"]);
  EXPECT_EQ(j["best_crop_pct"], best["crop_pct"]);
  // Pareto: a cell is on the front when no other is as accurate and as fast, and better in one.
  for (const auto& row : j["sizes"]) {
    bool dominated = false;
    for (const auto& other : j["sizes"]) {
      const bool as_good = other["top1"] >= row["top1"] && other["images_per_second"] >= row["images_per_second"];
      dominated |= as_good && (other["top1"] > row["top1"] || other["images_per_second"] > row["images_per_second"]);
    }
    EXPECT_EQ(row["pareto"].get<bool>(), !dominated) << row;
    EXPECT_GT(row["gflops"].get<double>(), 0.0);
  }
  // Any setting meets a budget of 0.001 img/s: the pick is the best cell.
  EXPECT_EQ(j["budget_best"]["size"], best["size"]);
  const std::string svg = read_text(dir / "s.svg");
  EXPECT_NE(svg.find("Pareto front"), std::string::npos);
  EXPECT_NE(svg.find("crop-pct 0.95"), std::string::npos);
  std::ifstream csv(dir / "s.csv");
  int rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 5);  // header + 4 cells

  auto both = run_fixres("sweep --architecture ResNet50 --weight-path " + quoted(reference_checkpoint("ResNet50").string()) +
                         " --dataset-path " + quoted(fixture("images/folder").string()) +
                         " --sizes 160 --crop-pcts 0.875 --resize-size 200");
  EXPECT_EQ(both.exit_code, 1) << both.output;
  EXPECT_NE(both.output.find("--crop-pcts"), std::string::npos) << both.output;
  auto bad = run_fixres("sweep --architecture ResNet50 --weight-path " + quoted(reference_checkpoint("ResNet50").string()) +
                        " --dataset-path " + quoted(fixture("images/folder").string()) + " --sizes 160 --crop-pcts 0.9,x");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

}  // namespace
}  // namespace fixres::engine
