// The released-weights table (core/zoo.h) against FixRes's README and its agreement with the
// model registry (`fixres zoo`: tests/cli/zoo_cli_test.cpp).

#include <gtest/gtest.h>

#include <set>

#include "fixres/core/zoo.h"
#include "fixres/models/registry.h"

namespace fixres::engine {
namespace {

TEST(ZooTest, EveryReadmeRow) {
  const auto& rows = zoo_entries();
  ASSERT_EQ(rows.size(), 10u);
  // Spot checks of the README table: resolution, published numbers, address.
  EXPECT_EQ(rows[0].model(), "ResNet-50 Baseline");
  EXPECT_EQ(rows[0].test_size(), 224);
  EXPECT_DOUBLE_EQ(rows[0].top1(), 77.0);
  EXPECT_EQ(rows[1].url(), "https://dl.fbaipublicfiles.com/FixRes_data/FixRes_Pretrained_Models/ResNetFinetune.pth");
  EXPECT_EQ(rows[1].file(), "FixResNet50.pth");
  EXPECT_EQ(downloaded_file_name(rows[1]), "ResNetFinetune.pth");
  EXPECT_EQ(rows[5].architecture(), "PNASNet");
  EXPECT_EQ(rows[5].test_size(), 480);
  EXPECT_FLOAT_EQ(rows[5].mean()[0], 0.5f);
  EXPECT_DOUBLE_EQ(rows[7].top1(), 86.4);
  EXPECT_DOUBLE_EQ(rows[7].top5(), 98.0);
  EXPECT_EQ(rows[9].efficientnet_model(), "tf_efficientnet_l2_ns");
  EXPECT_TRUE(rows[9].url().empty());
  std::set<std::string> urls;
  for (const auto& row : rows) {
    if (!row.url().empty()) {
      EXPECT_TRUE(urls.insert(row.url()).second) << row.url();
    }
  }
  EXPECT_EQ(urls.size(), 8u);
}

TEST(ZooTest, RowsAgreeWithTheRegistry) {
  for (const auto& row : zoo_entries()) {
    const auto& spec = models::find_architecture(row.architecture(), row.efficientnet_model());
    EXPECT_EQ(row.mean(), spec.mean) << row.model();
    EXPECT_EQ(row.std(), spec.std) << row.model();
  }
}

TEST(ZooTest, Commands) {
  const auto& rows = zoo_entries();
  EXPECT_EQ(evaluate_command(rows[6], "/data/imagenet"),
            "fixres evaluate --architecture IGAM_Resnext101_32x48d --input-size 320 --weight-path "
            "ResNeXt_101_32x48d.pth --imnet-path /data/imagenet");
  EXPECT_EQ(download_command(rows[6]),
            "curl -L -O https://dl.fbaipublicfiles.com/FixRes_data/FixRes_Pretrained_Models/ResNeXt_101_32x48d.pth");
  EXPECT_EQ(evaluate_command(rows[8], "R"),
            "fixres finetune --architecture EfficientNet --EfficientNet-models tf_efficientnet_b0_ns --input-size 320 "
            "--weight-path tf_efficientnet_b0_ns.pth --imnet-path R");
}

}  // namespace
}  // namespace fixres::engine
