#include "fixres/cli/dist_options.h"

namespace fixres::cli {

void add_dist_flags(CLI::App& app, dist::DistOptions& options) {
  const std::string group = "Distributed (see docs/distributed.md)";
  app.add_option("--global-rank", options.global_rank,
                 "Rank of this process (overrides RANK/SLURM_PROCID/...)")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
  app.add_option("--local-rank", options.local_rank,
                 "Rank on this host; CUDA device index with NCCL")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
  app.add_option("--num-tasks", options.num_tasks,
                 "World size (overrides WORLD_SIZE/SLURM_NTASKS/...)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  app.add_option("--dist-url", options.dist_url,
                 "Rendezvous: env:// (default), tcp://HOST:PORT or file:///PATH")
      ->group(group);
  app.add_option("--master-addr", options.master_addr,
                 "Rendezvous host when MASTER_ADDR is not set")
      ->group(group);
  app.add_option("--master-port", options.master_port,
                 "Rendezvous port when MASTER_PORT is not set (default 29500)")
      ->check(CLI::Range(1, 65535))
      ->group(group);
  app.add_option(
         "--dist-timeout", options.timeout_seconds,
         "Seconds a rank waits for the others before failing (rendezvous and each collective)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(group);
  app.add_option("--dist-backend", options.backend,
                 "c10d backend: auto (NCCL for CUDA devices, else Gloo), gloo, nccl")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "gloo", "nccl"}))
      ->group(group);
  app.add_flag("--sync-bn", options.sync_bn,
               "Batch-norm statistics over the global batch (PyTorch SyncBatchNorm); default: per "
               "rank, as DDP")
      ->group(group);
}

}  // namespace fixres::cli
