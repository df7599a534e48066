// Rank, world size and rendezvous from each launcher's variables and the seed's flags (pure).
#include <gtest/gtest.h>

#include <map>

#include "fixres/dist/rank_info.h"

namespace fixres::dist {
namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(RankInfoTest, NothingSetIsOneProcessWithoutRendezvous) {
  const RankInfo info = resolve_rank_info({}, env_of({}));
  EXPECT_EQ(info.rank, 0);
  EXPECT_EQ(info.world_size, 1);
  EXPECT_EQ(info.local_rank, 0);
  EXPECT_FALSE(info.distributed());
  EXPECT_EQ(info.rendezvous, Rendezvous::kNone);
  EXPECT_EQ(info.source, "single process");
}

TEST(RankInfoTest, Torchrun) {
  const RankInfo info = resolve_rank_info({}, env_of({{"RANK", "5"},
                                                      {"WORLD_SIZE", "8"},
                                                      {"LOCAL_RANK", "1"},
                                                      {"MASTER_ADDR", "node07"},
                                                      {"MASTER_PORT", "1234"}}));
  EXPECT_EQ(info.rank, 5);
  EXPECT_EQ(info.world_size, 8);
  EXPECT_EQ(info.local_rank, 1);
  EXPECT_EQ(info.source, "torchrun");
  EXPECT_EQ(info.rendezvous, Rendezvous::kTcp);
  EXPECT_EQ(info.address(), "tcp://node07:1234");
}

TEST(RankInfoTest, TorchrunWorldOfOneNeedsNoMaster) {
  const RankInfo info = resolve_rank_info({}, env_of({{"RANK", "0"}, {"WORLD_SIZE", "1"}}));
  EXPECT_FALSE(info.distributed());
  EXPECT_EQ(info.rendezvous, Rendezvous::kNone);
}

TEST(RankInfoTest, SlurmTakesFirstHostOfNodeListAndDefaultPort) {
  const RankInfo info =
      resolve_rank_info({}, env_of({{"SLURM_PROCID", "3"},
                                    {"SLURM_NTASKS", "8"},
                                    {"SLURM_LOCALID", "3"},
                                    {"SLURM_JOB_NODELIST", "gpu[07-08,11],cpu1"}}));
  EXPECT_EQ(info.rank, 3);
  EXPECT_EQ(info.world_size, 8);
  EXPECT_EQ(info.local_rank, 3);
  EXPECT_EQ(info.source, "SLURM");
  EXPECT_EQ(info.master_addr, "gpu07");
  EXPECT_EQ(info.master_port, kDefaultMasterPort);
}

TEST(RankInfoTest, SlurmStepValuesAndMasterPortOption) {
  DistOptions options;
  options.master_port = 4000;
  const RankInfo info = resolve_rank_info(options, env_of({{"SLURM_PROCID", "1"},
                                                           {"SLURM_NTASKS", "16"},
                                                           {"SLURM_STEP_NUM_TASKS", "2"},
                                                           {"SLURM_NODELIST", "a[1-2]"},
                                                           {"SLURM_STEP_NODELIST", "b[3-4]"}}));
  EXPECT_EQ(info.world_size, 2);  // the srun step, not the whole allocation
  EXPECT_EQ(info.master_addr, "b3");
  EXPECT_EQ(info.master_port, 4000);
}

TEST(RankInfoTest, SlurmMasterAddrVariableWins) {
  const RankInfo info = resolve_rank_info({}, env_of({{"SLURM_PROCID", "0"},
                                                      {"SLURM_NTASKS", "2"},
                                                      {"SLURM_JOB_NODELIST", "n[1-2]"},
                                                      {"MASTER_ADDR", "10.0.0.9"},
                                                      {"MASTER_PORT", "2222"}}));
  EXPECT_EQ(info.address(), "tcp://10.0.0.9:2222");
}

TEST(RankInfoTest, OpenMpiNeedsAMaster) {
  const auto env = env_of({{"OMPI_COMM_WORLD_RANK", "2"},
                           {"OMPI_COMM_WORLD_SIZE", "4"},
                           {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}});
  try {
    resolve_rank_info({}, env);
    FAIL() << "expected DistConfigError";
  } catch (const DistConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("MASTER_ADDR"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Open MPI"), std::string::npos) << e.what();
  }
  DistOptions options;
  options.master_addr = "head";
  const RankInfo info = resolve_rank_info(options, env);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.world_size, 4);
  EXPECT_EQ(info.local_rank, 0);
  EXPECT_EQ(info.source, "Open MPI");
  EXPECT_EQ(info.address(), "tcp://head:29500");
}

TEST(RankInfoTest, TorchrunWinsOverSlurmInsideAnAllocation) {
  const RankInfo info = resolve_rank_info({}, env_of({{"RANK", "1"},
                                                      {"WORLD_SIZE", "2"},
                                                      {"MASTER_ADDR", "h"},
                                                      {"SLURM_PROCID", "0"},
                                                      {"SLURM_NTASKS", "1"}}));
  EXPECT_EQ(info.source, "torchrun");
  EXPECT_EQ(info.rank, 1);
}

TEST(RankInfoTest, SeedFlagsOverrideTheEnvironmentFieldByField) {
  DistOptions options;
  options.global_rank = 2;
  options.num_tasks = 4;
  options.local_rank = 0;
  options.dist_url = "tcp://10.1.2.3:5555";
  const RankInfo info = resolve_rank_info(options, env_of({{"RANK", "0"}, {"WORLD_SIZE", "8"}}));
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.world_size, 4);
  EXPECT_EQ(info.local_rank, 0);
  EXPECT_EQ(info.source, "flags");
  EXPECT_EQ(info.master_addr, "10.1.2.3");
  EXPECT_EQ(info.master_port, 5555);
}

TEST(RankInfoTest, FileUrl) {
  DistOptions options;
  options.global_rank = 1;
  options.num_tasks = 2;
  options.dist_url = "file:///shared/job42/rendezvous";
  const RankInfo info = resolve_rank_info(options, env_of({}));
  EXPECT_EQ(info.rendezvous, Rendezvous::kFile);
  EXPECT_EQ(info.file_path, "/shared/job42/rendezvous");
  EXPECT_EQ(info.local_rank, 1);
}

TEST(RankInfoTest, MalformedValuesNameTheVariable) {
  auto message = [](const DistOptions& options, std::map<std::string, std::string> env) {
    try {
      resolve_rank_info(options, env_of(std::move(env)));
    } catch (const DistConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({}, {{"RANK", "one"}, {"WORLD_SIZE", "2"}})
                .find("RANK: expected an integer, got 'one'"),
            std::string::npos);
  EXPECT_NE(
      message({}, {{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}).find("[0, 2), got 2"),
      std::string::npos);
  EXPECT_NE(
      message({},
              {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}})
          .find("[1, 65535], got 70000"),
      std::string::npos);
  DistOptions bad_url;
  bad_url.num_tasks = 2;
  bad_url.global_rank = 0;
  bad_url.dist_url = "udp://x:1";
  EXPECT_NE(message(bad_url, {}).find("got 'udp://x:1'"), std::string::npos);
  bad_url.dist_url = "tcp://hostonly";
  EXPECT_NE(message(bad_url, {}).find("tcp://HOST:PORT"), std::string::npos);
  DistOptions bad_timeout;
  bad_timeout.timeout_seconds = 0;
  EXPECT_NE(message(bad_timeout, {}).find("--dist-timeout"), std::string::npos);
}

TEST(NodeListTest, ExpandsRangesListsAndPadding) {
  EXPECT_EQ(expand_nodelist("node[01-04,07]"),
            (std::vector<std::string>{"node01", "node02", "node03", "node04", "node07"}));
  EXPECT_EQ(expand_nodelist("a1,b[8-10],c"),
            (std::vector<std::string>{"a1", "b8", "b9", "b10", "c"}));
  EXPECT_EQ(expand_nodelist("r[1-2]n[1-2]-ib"),
            (std::vector<std::string>{"r1n1-ib", "r1n2-ib", "r2n1-ib", "r2n2-ib"}));
  EXPECT_EQ(expand_nodelist("single"), (std::vector<std::string>{"single"}));
  EXPECT_THROW(expand_nodelist("node[1-3"), DistConfigError);
  EXPECT_THROW(expand_nodelist("node[3-1]"), DistConfigError);
  EXPECT_THROW(expand_nodelist("node[a-b]"), DistConfigError);
}

}  // namespace
}  // namespace fixres::dist
