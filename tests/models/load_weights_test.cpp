// The short C++ API: a network by name, weights from a file with the full report, a forward pass.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/paths.h"
#include "fixres/io/safetensors.h"
#include "fixres/models/load_weights.h"
#include "fixres/models/registry.h"
#include "models/synthetic_weights.h"

namespace fixres::models {
namespace {

TEST(LoadWeightsTest, RoundTripThroughAFileWithModulePrefix) {
  auto source = create_model("EfficientNet", [] {
    ModelOptions o;
    o.efficientnet_model = "tf_efficientnet_b0_ap";
    return o;
  }());
  testing::fill_synthetic(*source);
  io::StateDict weights = module_state_dict(*source);
  for (auto& entry : weights) entry.first = "module." + entry.first;  // as DataParallel saves
  const auto path = (testing::scratch_dir("load_weights") / "b0.safetensors").string();
  io::write_safetensors(path, weights);

  auto model = create_model("tf_efficientnet_b0_ap");
  const auto report = load_weights(*model, path);
  EXPECT_TRUE(report.ok()) << report.describe();
  EXPECT_EQ(report.loaded, weights.size());
  source->eval();
  model->eval();
  torch::NoGradGuard no_grad;
  const auto images = torch::randn({1, 3, 96, 96});
  EXPECT_TRUE(torch::equal(model->forward(images), source->forward(images)));
}

TEST(LoadWeightsTest, WrongArchitectureGivesTheFullReport) {
  ModelOptions options;
  options.initialize = false;
  auto source = create_model("resnext50_32x4d", options);
  const auto path = (testing::scratch_dir("load_weights_wrong") / "resnext50.safetensors").string();
  io::write_safetensors(path, module_state_dict(*source));
  auto model = create_model("ResNet50", options);
  try {
    load_weights(*model, path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("layer1.0.conv1.weight"), std::string::npos) << message;  // 128 vs 64 channels
    EXPECT_NE(message.find("layer4.2.conv2.weight"), std::string::npos) << message;
  }
  const auto report = load_weights(*model, path, /*strict=*/false);
  EXPECT_FALSE(report.ok());
  EXPECT_GT(report.mismatched.size(), 40u);
  EXPECT_TRUE(report.missing.empty());
  EXPECT_TRUE(report.unexpected.empty());
}

}  // namespace
}  // namespace fixres::models
