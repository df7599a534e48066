// `fixres inspect --architecture X [--manifest]` through the CLI and libfixres.so.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/paths.h"
#include "common/run_command.h"

namespace fixres::models {
namespace {

TEST(InspectArchitectureTest, ManifestEqualsThePythonOne) {
  std::ifstream in(testing::fixture("models/manifests/tf_efficientnet_b0.tsv"));
  std::stringstream expected;
  expected << in.rdbuf();
  const auto result = testing::run_command(testing::fixres_binary() +
                                           " inspect --architecture EfficientNet --EfficientNet-models "
                                           "tf_efficientnet_b0_ns --manifest 2>/dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, expected.str());
}

TEST(InspectArchitectureTest, Summary) {
  const auto result = testing::run_fixres("inspect --architecture PNASNet");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("86057668 (86.1M)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("embedding: 4320"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("mean 0.5,0.5,0.5"), std::string::npos) << result.output;
}

TEST(InspectArchitectureTest, UnknownArchitectureListsTheKnownOnes) {
  const auto result = testing::run_fixres("inspect --architecture ResNet51 --manifest");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("IGAM_Resnext101_32x48d"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("tf_efficientnet_l2_ns"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace fixres::models
