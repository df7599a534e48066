#pragma once
/// What a user may say about the distributed run. Torch-free and header-only, so the CLI (which
/// does not link LibTorch) fills it from flags (cli/dist_options.h) and hands it to an engine,
/// which passes it to dist::init_distributed (fixres/dist/context.h).
///
/// Every field is optional: with nothing set and no launcher variables in the environment the run
/// is a single process and no process group is created.

#include <string>

namespace fixres::dist {

/// Default seconds a rank waits for the others (rendezvous and each collective) before it fails.
inline constexpr int kDefaultTimeoutSeconds = 300;
/// Port of the rendezvous store when neither --master-port, MASTER_PORT nor --dist-url says one
/// (torchrun's default).
inline constexpr int kDefaultMasterPort = 29500;

struct DistOptions {
  /// The seed's flags; -1 = not given. They override the launcher's variables field by field.
  int global_rank = -1;  ///< --global-rank: rank of this process in [0, world size)
  int local_rank = -1;   ///< --local-rank: rank on this host (device index with NCCL)
  int num_tasks = -1;    ///< --num-tasks: world size
  /// --dist-url: "" or "env://" (use the environment), "tcp://HOST:PORT" (TCPStore hosted by
  /// rank 0 at HOST:PORT) or "file:///PATH" (FileStore on a shared file system).
  std::string dist_url;
  /// --master-addr / --master-port: the rendezvous host when the environment has none (SLURM, Open
  /// MPI); empty / -1 = not given.
  std::string master_addr;
  int master_port = -1;
  /// --dist-timeout: seconds for rendezvous and for every collective; a dead or stuck peer makes
  /// this rank fail after at most this long.
  int timeout_seconds = kDefaultTimeoutSeconds;
  /// --dist-backend: "auto" (NCCL for CUDA devices when built with it, else Gloo), "gloo", "nccl".
  std::string backend = "auto";
  /// --sync-bn: batch-norm layers in train mode use statistics of the global batch
  /// (PyTorch's SyncBatchNorm); default: per-rank statistics, buffers from rank 0 (PyTorch DDP).
  bool sync_bn = false;
};

}  // namespace fixres::dist
