// Two ranks as two processes on loopback (tests/dist/worker/dist_worker.cpp), compared with the
// same work done in one process.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "common/paths.h"
#include "dist/process.h"
#include "dist/scenario.h"

namespace fixres::testing {
namespace {

constexpr double kWait = 90;  // seconds a healthy run may take on a loaded 2-core machine

std::vector<Child> start_ranks(const std::vector<std::string>& args, const std::string& dir,
                               int world = 2) {
  const int port = free_tcp_port();
  std::vector<Child> ranks;
  for (int r = 0; r < world; ++r) {
    ranks.push_back(spawn(FIXRES_DIST_WORKER, args, rank_env(r, world, port),
                          dir + "/rank" + std::to_string(r) + ".log"));
  }
  return ranks;
}

void expect_success(const std::vector<Child>& ranks) {
  for (const Child& rank : ranks) {
    const auto code = rank.wait(kWait);
    if (!code) rank.kill();
    EXPECT_EQ(code, std::optional<int>(0)) << rank.output();
  }
}

std::vector<torch::Tensor> load_state(const std::string& path) {
  std::vector<torch::Tensor> state;
  torch::load(state, path);
  return state;
}

std::shared_ptr<dist::Context> one_process() { return std::make_shared<dist::Context>(); }

/// 2 ranks × batch 4 with --sync-bn against 1 process with batch 8: every tensor within
/// `tolerance` of the reference, relative to the tensor's scale.
void expect_sync_bn_equivalence(const std::string& architecture, torch::Dtype dtype, double tolerance) {
  const auto dir = scratch_dir("dist_sync_bn" + (architecture.empty() ? "" : "_" + architecture)).string();
  std::vector<std::string> args = {"train", "--per-rank", "4", "--sync-bn", "--out", dir + "/state", "--timeout", "60"};
  if (!architecture.empty()) args.insert(args.end(), {"--architecture", architecture});
  if (dtype == torch::kFloat64) args.push_back("--double");
  expect_success(start_ranks(args, dir));
  auto reference = train_scenario(one_process(), 8, /*sync_bn=*/false, {}, architecture, dtype);
  const auto expected = model_state(*reference);
  double worst = 0;
  for (int r = 0; r < 2; ++r) {
    const auto got = load_state(dir + "/state.rank" + std::to_string(r));
    EXPECT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
      const double scale = expected[i].abs().max().item<double>() + 1e-12;
      const double diff =
          (got[i].to(torch::kFloat64) - expected[i].to(torch::kFloat64)).abs().max().item<double>();
      EXPECT_LE(diff / scale, tolerance) << "tensor " << i << " of rank " << r;
      worst = std::max(worst, diff / scale);
    }
  }
  std::cout << "largest difference relative to the tensor's scale: " << worst << "\n";
}

TEST(MultiProcessTest, SyncBatchNormTwoRanksEqualOneRankWithTwiceTheBatch) {
  expect_sync_bn_equivalence("", torch::kFloat32, 1e-4);
}

// A zoo network (ResNet blocks: residual sums, downsample branches, 19 batch norms, all
// models::BatchNorm2d synchronised in place, as --sync-bn does) after 4 SGD steps from scratch,
// in float64 (see train_scenario: float32 rounding is amplified by the steps themselves).
TEST(MultiProcessTest, SyncBatchNormOnAZooResNetEqualsOneRankWithTwiceTheBatch) {
  expect_sync_bn_equivalence("resnet26_w16", torch::kFloat64, 1e-9);
}

TEST(MultiProcessTest, WithoutSyncBatchNormReplicasStayBitIdentical) {
  const auto dir = scratch_dir("dist_ddp").string();
  // The worker compares its whole state with rank 0's after every step (exit 3 if different).
  expect_success(
      start_ranks({"train", "--per-rank", "4", "--out", dir + "/state", "--timeout", "60"}, dir));
  const auto rank0 = load_state(dir + "/state.rank0");
  const auto rank1 = load_state(dir + "/state.rank1");
  ASSERT_EQ(rank0.size(), rank1.size());
  for (std::size_t i = 0; i < rank0.size(); ++i)
    EXPECT_TRUE(torch::equal(rank0[i], rank1[i])) << "tensor " << i;
  // Per-rank batch statistics: not the single-process run with the global batch.
  auto reference = train_scenario(one_process(), 8, false);
  const auto expected = model_state(*reference);
  EXPECT_FALSE(torch::allclose(rank0[0], expected[0], 1e-6, 1e-7));
}

TEST(MultiProcessTest, GatherRowsInDatasetOrderOverFileRendezvous) {
  const auto dir = scratch_dir("dist_gather").string();
  std::vector<Child> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.push_back(
        spawn(FIXRES_DIST_WORKER,
              {"gather", "--total", "11", "--out", dir + "/rows.pt", "--timeout", "60",
               "--dist-url", "file://" + dir + "/store"},
              {{"RANK", std::to_string(r)}, {"WORLD_SIZE", "2"}, {"GLOO_SOCKET_IFNAME", "lo"}},
              dir + "/rank" + std::to_string(r) + ".log"));
  }
  expect_success(ranks);
  torch::Tensor rows;
  torch::load(rows, dir + "/rows.pt");
  std::vector<std::int64_t> all(11);
  for (std::int64_t i = 0; i < 11; ++i) all[static_cast<std::size_t>(i)] = i;
  std::vector<torch::Tensor> expected;
  for (auto i : all) expected.push_back(row_for_index(i));
  EXPECT_TRUE(torch::equal(rows, one_process()->gather_rows(torch::stack(expected), all, 11)));
  EXPECT_TRUE(torch::equal(rows, torch::stack(expected)));
}

/// Starts two looping ranks, waits until rank 1 has done 3 all-reduces, hits it with `signal`,
/// and returns rank 0's exit code (nullopt if still running after `limit` s) and how long it took.
std::pair<std::optional<int>, double> hit_rank1(const std::string& name, int signal_number,
                                                int timeout_seconds, double limit,
                                                std::string& log) {
  const auto dir = scratch_dir(name).string();
  auto ranks =
      start_ranks({"loop", "--steps", "2000", "--timeout", std::to_string(timeout_seconds)}, dir);
  const auto started = std::chrono::steady_clock::now();
  while (ranks[1].output().find("step 3") == std::string::npos &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(ranks[1].output().find("step 3"), std::string::npos) << ranks[1].output();
  ranks[1].kill(signal_number);
  const auto hit_at = std::chrono::steady_clock::now();
  const auto code = ranks[0].wait(limit);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - hit_at).count();
  if (!code) ranks[0].kill();
  ranks[1].kill(SIGKILL);
  ranks[1].wait(10);
  log = ranks[0].output();
  return {code, seconds};
}

TEST(MultiProcessTest, KilledRankMakesTheOtherFailWithinTheTimeout) {
  std::string log;
  const auto [code, seconds] = hit_rank1("dist_kill", SIGKILL, 10, 20, log);
  ASSERT_TRUE(code.has_value()) << "rank 0 still running 20 s after its peer died:\n" << log;
  EXPECT_NE(*code, 0);
  EXPECT_LE(seconds, 15.0);
  EXPECT_NE(log.find("failed on rank 0 of 2"), std::string::npos) << log;
}

TEST(MultiProcessTest, StuckRankMakesTheOtherFailAfterTheTimeout) {
  std::string log;
  const auto [code, seconds] = hit_rank1("dist_stuck", SIGSTOP, 2, 20, log);  // frozen, not dead
  ASSERT_TRUE(code.has_value()) << "rank 0 still running 20 s after its peer froze:\n" << log;
  EXPECT_NE(*code, 0);
  EXPECT_GE(seconds, 1.5);
  EXPECT_NE(log.find("did not answer within 2 s"), std::string::npos) << log;
}

TEST(MultiProcessTest, UnreachableMasterIsNamed) {
  const auto dir = scratch_dir("dist_unreachable").string();
  const int port = free_tcp_port();  // nobody listens there
  auto rank1 = spawn(FIXRES_DIST_WORKER, {"connect", "--timeout", "2"}, rank_env(1, 2, port),
                     dir + "/rank1.log");
  const auto code = rank1.wait(30);
  if (!code) rank1.kill();
  ASSERT_TRUE(code.has_value()) << rank1.output();
  EXPECT_EQ(*code, 1);
  EXPECT_NE(
      rank1.output().find("could not reach the master at tcp://127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << rank1.output();
}

}  // namespace
}  // namespace fixres::testing
