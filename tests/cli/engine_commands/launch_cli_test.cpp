// `fixres launch`: it starts the ranks (the dist tests' rank program, tests/dist/worker/) with
// torchrun's environment, stops them all when one fails, and forwards SIGTERM to them.
#include <gtest/gtest.h>

#include <chrono>

#include "common/paths.h"
#include "common/run_command.h"
#include "dist/process.h"

namespace fixres::testing {
namespace {

TEST(MultiProcessTest, LaunchStartsTheRanksAndStopsThemWhenOneFails) {
  const std::string worker = FIXRES_DIST_WORKER;
  auto ok = run_fixres("launch --nproc-per-node 2 --program " + worker +
                       " -- loop --steps 5 --timeout 30");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("rank 1/2 (local 1) via torchrun, gloo, tcp://127.0.0.1:"),
            std::string::npos)
      << ok.output;

  const auto started = std::chrono::steady_clock::now();
  auto failed = run_fixres("launch --nproc-per-node 2 --grace 5 --program " + worker +
                           " -- loop --steps 2000 --fail-rank 1 --fail-step 3 --timeout 30");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Rank 1 exits with 7; rank 0 sees the closed connection and exits with 1. Whichever the
  // launcher sees first is its exit code.
  EXPECT_TRUE(failed.exit_code == 7 || failed.exit_code == 1) << failed.output;
  EXPECT_NE(failed.output.find("fails on purpose at step 3"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("fixres launch: local rank "), std::string::npos) << failed.output;
  EXPECT_LE(seconds, 30.0);
}

TEST(MultiProcessTest, LaunchForwardsSigtermToItsRanks) {
  const auto dir = scratch_dir("dist_launch_signal").string();
  const std::string script =
      "trap 'echo stopped $RANK; exit 5' TERM; echo ready $RANK; while true; do sleep 0.05; done";
  auto launcher =
      spawn(fixres_binary(),
            {"launch", "--nproc-per-node", "2", "--program", "/bin/sh", "--", "-c", script}, {},
            dir + "/launch.log");
  const auto started = std::chrono::steady_clock::now();
  while ((launcher.output().find("ready 0") == std::string::npos ||
          launcher.output().find("ready 1") == std::string::npos) &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  launcher.kill(SIGTERM);
  const auto code = launcher.wait(15);
  if (!code) launcher.kill();
  EXPECT_EQ(code, std::optional<int>(128 + SIGTERM)) << launcher.output();
  EXPECT_NE(launcher.output().find("stopped 0"), std::string::npos) << launcher.output();
  EXPECT_NE(launcher.output().find("stopped 1"), std::string::npos) << launcher.output();
}

}  // namespace
}  // namespace fixres::testing
