// `fixres zoo`: the released-weights table (core/zoo.h) with the command that reproduces each
// row. Torch-free.

#include <gtest/gtest.h>

#include "common/run_command.h"
#include "fixres/core/zoo.h"

namespace fixres::engine {
namespace {

TEST(ZooTest, CommandLine) {
  const auto result = testing::run_fixres("zoo --imnet-path /data/imagenet");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const auto& row : zoo_entries()) {
    EXPECT_NE(result.output.find(row.model()), std::string::npos) << row.model();
    EXPECT_NE(result.output.find(evaluate_command(row, "/data/imagenet")), std::string::npos) << row.model();
  }
  EXPECT_NE(result.output.find("86.3/97.9"), std::string::npos);
}

// --all adds timm's weights of the ViT/DeiT/ConvNeXt rows: the Hugging Face file saved under its
// own name, timm's accuracy at its size and crop, the normalisation of the row.
TEST(ZooTest, AllListsTimmWeightsWithTheirProtocol) {
  const auto plain = testing::run_fixres("zoo");
  EXPECT_EQ(plain.output.find("deit_small_patch16_224.fb_in1k"), std::string::npos) << plain.output;
  const auto result = testing::run_fixres("zoo --all --imnet-path /data/imagenet");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const auto& row : timm_zoo_entries()) {
    EXPECT_NE(result.output.find(evaluate_command(row, "/data/imagenet")), std::string::npos) << row.model();
    EXPECT_NE(result.output.find(download_command(row)), std::string::npos) << row.model();
  }
  EXPECT_NE(result.output.find("curl -L -o deit_small_patch16_224.fb_in1k.safetensors "
                               "https://huggingface.co/timm/deit_small_patch16_224.fb_in1k/resolve/main/model.safetensors"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("fixres evaluate --architecture convnext_tiny --input-size 288 --crop-pct 1.000 "
                               "--weight-path convnext_tiny.fb_in1k.safetensors --imnet-path /data/imagenet"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("79.9/95.1"), std::string::npos) << result.output;  // DeiT-S, timm's 79.856/95.052
  EXPECT_NE(result.output.find("vit_small_patch16_224.augreg_in21k_ft_in1k (mean=std=0.5)"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("deit_small_patch16_224.fb_in1k (ImageNet mean/std)"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace fixres::engine
