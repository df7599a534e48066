// `fixres sweep` and the batch-norm recalibration behind it, against PyTorch's own momentum=None
// recalibration of ResNet-50's layer4.2.bn3 (tools/fixtures/inference.py, make_recalibration):
// the running statistics, and top-1/top-5 before and after at two sizes. Also the size syntax,
// bad sizes, the JSON shape and the SVG plot.
#include <gtest/gtest.h>

#include "engine/inference_fixtures.h"
#include "fixres/data/image_folder.h"
#include "fixres/engine/bn_recalibration.h"
#include "fixres/engine/svg_plot.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

TEST(BatchNormRecalibrationTest, MatchesPyTorchCumulativeAverage) {
  const auto& r = inference_cases()["recalibration"];
  ModelConfig config;
  config.architecture = r["row"];
  config.weight_path = reference_checkpoint(r["row"]).string();
  ModelSetup setup = setup_model(config);
  auto layers = adapted_batchnorms(*setup.model, setup.spec->finetune);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0].first, r["layer"].get<std::string>());
  const auto bn = layers[0].second;
  const torch::Tensor stored_mean = bn->running_mean.clone();
  const double stored_momentum = bn->options.momentum().value();
  BatchNormSnapshot snapshot(layers);

  auto dataset = std::make_shared<data::ImageFolder>(fixture("images/folder").string());
  for (const auto& size_text : {std::string("224"), std::string("320")}) {
    RecalibrationOptions options;
    options.input_size = std::stoi(size_text);
    options.images = r["images"];
    options.batch = r["batch"];
    options.workers = 2;
    options.seed = r["seed"];
    RecalibrationResult used = recalibrate_batchnorm(setup, dataset, options);
    EXPECT_EQ(used.images, r["images"].get<std::int64_t>());
    EXPECT_EQ(used.batches, r["results"][size_text]["num_batches_tracked"].get<std::int64_t>());
    const fs::path want = fixture("inference/recalibration_" + size_text);
    const double mean_error = max_relative_l2(bn->running_mean.unsqueeze(0), read_npy_tensor(want / "running_mean.npy").unsqueeze(0));
    const double var_error = max_relative_l2(bn->running_var.unsqueeze(0), read_npy_tensor(want / "running_var.npy").unsqueeze(0));
    EXPECT_LE(mean_error, 1e-5) << size_text;
    EXPECT_LE(var_error, 1e-5) << size_text;
    std::printf("[ parity   ] recalibration at %s: running_mean rel. L2 %.3g, running_var %.3g\n", size_text.c_str(),
                mean_error, var_error);
    EXPECT_FALSE(bn->is_training());
    EXPECT_DOUBLE_EQ(bn->options.momentum().value(), stored_momentum);
    snapshot.restore();
    EXPECT_TRUE(torch::equal(bn->running_mean, stored_mean));
  }
}

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

TEST(SvgPlotTest, AxesLegendAndBrokenLines) {
  LinePlot plot;
  plot.title = "t <&>";
  plot.x_label = "test size (pixels)";
  plot.y_label = "top-1 accuracy (%)";
  plot.series.push_back({"plain", "#1f77b4", false, {{224, 70.0}, {288, 72.5}, {320, 71.0}}});
  plot.series.push_back({"recalibrated", "#ff7f0e", true, {{224, 71.0}, {288, std::nullopt}, {320, 73.0}}});
  plot.x_ticks = {224, 288, 320};
  plot.highlight = PlotHighlight{288, 72.5, "best: 288 px"};
  const std::string svg = render_svg(plot);
  EXPECT_NE(svg.find("t &lt;&amp;&gt;"), std::string::npos);
  // One line for "plain", two pieces for the series with a gap.
  std::size_t polylines = 0;
  for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  EXPECT_EQ(polylines, 3u);
  EXPECT_NE(svg.find(">288<"), std::string::npos);
  EXPECT_NE(svg.find("best: 288 px"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  const auto ticks = nice_ticks(70.0, 73.0);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_LE(ticks.front(), 70.0);
  EXPECT_GE(ticks.back(), 73.0);
  LinePlot empty;
  empty.series.push_back({"none", "#000", false, {{1, std::nullopt}}});
  EXPECT_THROW(render_svg(empty), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::engine
