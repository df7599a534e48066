// State-dict manifests (names, shapes, order) and parameter counts of every zoo network equal
// those of the Python definitions the released weights were saved from (fixtures written by
// tools/fixtures/models.py with torchvision, FixRes's pnasnet.py and timm).

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/paths.h"
#include "fixres/models/manifest.h"
#include "fixres/models/registry.h"

namespace fixres::models {
namespace {

std::string read_text(const std::string& relative) {
  std::ifstream in(testing::fixture(relative));
  EXPECT_TRUE(in) << relative;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// First differing line, for a readable failure.
std::string first_difference(const std::string& got, const std::string& expected) {
  std::istringstream a(got), b(expected);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "identical";
    if (la != lb || ha != hb) return "line " + std::to_string(line) + ": got '" + la + "', Python '" + lb + "'";
  }
}

class ManifestTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ManifestTest, EqualsPythonStateDict) {
  const std::string row = GetParam();
  nlohmann::json counts;
  std::ifstream(testing::fixture("models/manifests/counts.json")) >> counts;
  ASSERT_TRUE(counts.contains(row));

  const auto info = describe_architecture(row);
  const auto expected = read_text("models/manifests/" + row + ".tsv");
  const auto got = format_manifest(info.manifest);
  EXPECT_EQ(got, expected) << row << ": " << first_difference(got, expected);
  EXPECT_EQ(info.parameters, counts[row]["parameters"].get<std::int64_t>());
  EXPECT_EQ(info.parameter_tensors, counts[row]["parameter_tensors"].get<std::int64_t>());
  EXPECT_EQ(info.buffer_tensors, counts[row]["buffer_tensors"].get<std::int64_t>());
  EXPECT_EQ(static_cast<std::int64_t>(info.manifest.size()), counts[row]["state_dict_entries"].get<std::int64_t>());
}

INSTANTIATE_TEST_SUITE_P(Zoo, ManifestTest,
                         ::testing::Values("ResNet50", "IGAM_Resnext101_32x48d", "resnext50_32x4d", "PNASNet",
                                           "tf_efficientnet_b0", "tf_efficientnet_b1", "tf_efficientnet_b2",
                                           "tf_efficientnet_b3", "tf_efficientnet_b4", "tf_efficientnet_b5",
                                           "tf_efficientnet_b6", "tf_efficientnet_b7", "tf_efficientnet_b8",
                                           "tf_efficientnet_l2", "vit_tiny_patch16_224", "vit_small_patch16_224",
                                           "vit_base_patch16_224", "vit_base_patch16_384", "vit_large_patch16_224",
                                           "deit_tiny_patch16_224", "deit_small_patch16_224", "deit_base_patch16_224",
                                           "deit_base_patch16_384", "convnext_tiny", "convnext_small",
                                           "convnext_base", "convnext_large"));

// The "#Parameters" columns of FixRes's README tables, within one unit of the last digit printed
// there (the README prints 828.4M as 829M and 9.11M as 9.2M).
TEST(ManifestCounts, MatchTheReadmeTables) {
  nlohmann::json counts;
  std::ifstream(testing::fixture("models/manifests/counts.json")) >> counts;
  struct Published {
    double millions, unit;
  };
  const std::map<std::string, Published> readme = {
      {"ResNet50", {25.6, 0.1}},         {"IGAM_Resnext101_32x48d", {829, 1}}, {"PNASNet", {86.1, 0.1}},
      {"tf_efficientnet_b0", {5.3, 0.1}}, {"tf_efficientnet_b1", {7.8, 0.1}},  {"tf_efficientnet_b2", {9.2, 0.1}},
      {"tf_efficientnet_b3", {12, 1}},    {"tf_efficientnet_b4", {19, 1}},     {"tf_efficientnet_b5", {30, 1}},
      {"tf_efficientnet_b6", {43, 1}},    {"tf_efficientnet_b7", {66, 1}},     {"tf_efficientnet_b8", {87.4, 0.1}},
      {"tf_efficientnet_l2", {480, 1}}};
  for (const auto& [row, published] : readme) {
    const double millions = counts[row]["parameters"].get<double>() / 1e6;
    EXPECT_LE(std::abs(millions - published.millions), published.unit) << row << ": " << millions << "M";
  }
}

TEST(ManifestFormat, ShapesAndZeroDim) {
  const auto info = describe_architecture("ResNet50");
  ASSERT_GE(info.manifest.size(), 7u);
  EXPECT_EQ(info.manifest[0].name, "conv1.weight");
  EXPECT_EQ(info.manifest[5].name, "bn1.num_batches_tracked");
  EXPECT_EQ(info.manifest[5].shape, "");
  EXPECT_EQ(info.manifest[5].dtype, "int64");
  EXPECT_TRUE(info.manifest[5].buffer);
  EXPECT_EQ(info.embedding_dim, 2048);
  EXPECT_EQ(info.test_size, 384);
}

}  // namespace
}  // namespace fixres::models
