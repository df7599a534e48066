#pragma once
/// Who this process is in a distributed run, found from the launcher's environment variables and
/// the seed's flags. Torch-free and pure (the environment is passed in), so it is unit-tested for
/// every launcher without starting processes.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fixres/dist/errors.h"
#include "fixres/core/dist_options.h"

namespace fixres::dist {

/// How the ranks find each other.
enum class Rendezvous {
  kNone,  ///< world size 1: no process group
  kTcp,   ///< TCPStore: rank 0 listens on master_addr:master_port, the others connect
  kFile,  ///< FileStore on file_path (a file every rank can reach)
};

struct RankInfo {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  Rendezvous rendezvous = Rendezvous::kNone;
  std::string master_addr;  ///< kTcp only
  int master_port = 0;      ///< kTcp only
  std::string file_path;    ///< kFile only
  /// Where rank/world came from: "single process", "torchrun", "SLURM", "Open MPI", "flags".
  std::string source = "single process";

  bool distributed() const { return world_size > 1; }
  /// "tcp://HOST:PORT", "file:///PATH" or "" (single process), as the user would write it.
  std::string address() const;
};

/// Reads one environment variable; std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The real process environment (getenv).
EnvLookup process_environment();

/// Resolves rank, world size, local rank and rendezvous. Precedence for rank/world/local rank:
/// the seed's flags (--global-rank/--num-tasks/--local-rank, field by field) over torchrun's
/// RANK/WORLD_SIZE/LOCAL_RANK over SLURM's SLURM_PROCID/SLURM_STEP_NUM_TASKS (or SLURM_NTASKS)/
/// SLURM_LOCALID over Open MPI's OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK; none of them = 1 process.
/// Rendezvous (only when world size > 1): --dist-url tcp://|file:// first; else the host from
/// --master-addr, then MASTER_ADDR, then (SLURM) the first host of SLURM_STEP_NODELIST,
/// SLURM_JOB_NODELIST or SLURM_NODELIST; the port from --master-port, then MASTER_PORT, then
/// kDefaultMasterPort.
/// Throws DistConfigError naming the variable/flag when values are malformed or inconsistent.
RankInfo resolve_rank_info(const DistOptions& options, const EnvLookup& env);

/// Expands a SLURM host list: "node[01-04,07],gpu3" → node01 node02 node03 node04 node07 gpu3
/// (zero padding kept, several bracket groups per name allowed: "r[1-2]n[1-2]").
std::vector<std::string> expand_nodelist(const std::string& nodelist);

}  // namespace fixres::dist
