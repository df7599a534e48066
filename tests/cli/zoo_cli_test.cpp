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

}  // namespace
}  // namespace fixres::engine
