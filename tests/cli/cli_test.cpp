// The command-line contract: every subcommand has --help, usage errors exit 2 with one line,
// and the torch-free commands never load libtorch.
#include <gtest/gtest.h>

#include "common/paths.h"
#include "common/run_command.h"

namespace fixres::cli {
namespace {

using fixres::testing::run_fixres;

TEST(CliTest, EverySubcommandHasHelp) {
  for (const char* command : {"evaluate", "evaluate-softmax", "extract", "finetune", "train", "sweep", "inspect",
                              "convert", "zoo", "demo", "launch"}) {
    SCOPED_TRACE(command);
    auto result = run_fixres(std::string(command) + " --help");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("Usage: fixres " + std::string(command)), std::string::npos) << result.output;
  }
  auto top = run_fixres("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.output.find("evaluate-softmax"), std::string::npos);
}

TEST(CliTest, UsageErrorsExitTwoWithOneLine) {
  for (const char* args : {"", "no-such-command", "evaluate-softmax --no-such-flag"}) {
    SCOPED_TRACE(args);
    auto result = run_fixres(args);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("usage error"), std::string::npos) << result.output;
  }
}

TEST(CliTest, TorchFreeCommandsDoNotLoadLibtorch) {
  // LD_DEBUG=libs lists every shared object the dynamic loader opens.
  auto result = fixres::testing::run_command("LD_DEBUG=libs " + fixres::testing::fixres_binary() +
                                             " evaluate-softmax --help");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find("libtorch"), std::string::npos) << "libtorch was loaded";
  EXPECT_EQ(result.output.find("libfixres"), std::string::npos) << "the engine was loaded";
}

}  // namespace
}  // namespace fixres::cli
