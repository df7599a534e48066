// The batch-norm recalibration behind `fixres sweep`, against PyTorch's own momentum=None
// recalibration of ResNet-50's layer4.2.bn3 (tools/fixtures/inference.py, make_recalibration):
// the running statistics at two sizes. Also the SVG plot. (The command itself:
// tests/cli/engine_commands/sweep_cli_test.cpp.)
#include <gtest/gtest.h>

#include "engine/inference_fixtures.h"
#include "fixres/data/image_folder.h"
#include "fixres/engine/bn_recalibration.h"
#include "fixres/engine/flop_count.h"
#include "fixres/core/svg_plot.h"

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

namespace fixres::engine {
namespace {

using namespace fixres::testing;

// The sweep's cost column against multiply-adds counted in PyTorch by forward hooks on every
// Conv2d and Linear module of torchvision's networks (tools/fixtures/protocols.py, make_flops).
TEST(FlopCountTest, EqualsPyTorchHookCountOfConvolutionsAndLinearLayers) {
  const auto flops = read_json_file(fixture("protocols/flops.json"))["multiply_adds"];
  for (const auto& [row, sizes] : flops.items()) {
    ModelConfig config;
    config.architecture = row;
    config.channels_last = true;
    const ModelSetup setup = setup_model(config);
    for (const auto& [size, macs] : sizes.items()) {
      SCOPED_TRACE(row + " at " + size);
      EXPECT_DOUBLE_EQ(forward_gflops(setup, std::stoi(size)), 2.0 * macs.get<double>() / 1e9);
    }
  }
}

}  // namespace
}  // namespace fixres::engine
