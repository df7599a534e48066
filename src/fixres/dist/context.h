#pragma once
/// The distributed run as the engines see it: one Context per process, made once by
/// init_distributed() and shared (std::shared_ptr) by the loops, the reducer and SyncBatchNorm.
///
/// A single-process Context (no launcher variables, world size 1) has no process group: every
/// collective below is a no-op that returns its input, so engines call them unconditionally.
///
/// Typical training step (see also gradient_reducer.h, sync_batch_norm.h):
/// ```
///   auto ctx = dist::init_distributed(options, device);   // before building the loader
///   if (options.sync_bn) …                               // sync_batch_norm.h: two ways
///   ctx->broadcast_module(*model);                       // rank 0's parameters and buffers
///   dist::GradientReducer reducer(ctx, trainable_parameters);
///   for (batch : loader sharded with ctx->rank(), ctx->world_size()) {  // same step count
///     if (!options.sync_bn) ctx->broadcast_buffers(*model);  // DDP's broadcast_buffers=True
///     loss = criterion(model->forward(x), y); optimizer.zero_grad(); loss.backward();
///     reducer.reduce();                                  // gradients := mean over ranks
///     optimizer.step();
///   }
///   auto sums = ctx->all_reduce_sum(std::vector<double>{loss_sum, top1, top5, count});
///   if (ctx->is_main()) write checkpoint / JSON / print;
/// ```
/// Every rank must run the same collectives in the same order: training ranks need equal step
/// counts (pad or drop the shards as DistributedSampler does). Evaluation: shard without padding
/// (so no image is counted twice) and all_reduce_sum the counts. Extract: each rank runs its
/// shard, then `gather_rows(rows, sample_indices, dataset_size)` puts every row back in dataset
/// order on every rank (padding duplicates are harmless there).
///
/// Errors: collectives that fail (a peer died, or did not answer within the timeout) throw
/// dist::DistributedError naming the operation, this rank and the timeout.

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fixres/dist/errors.h"
#include "fixres/core/dist_options.h"
#include "fixres/dist/rank_info.h"

namespace c10d {
class ProcessGroup;
}

namespace fixres::dist {

/// Default size of one gradient / broadcast bucket (PyTorch DDP's bucket_cap_mb = 25).
inline constexpr std::int64_t kDefaultBucketBytes = 25LL * 1024 * 1024;

class Context {
 public:
  /// A single-process context on `device` (no process group).
  explicit Context(torch::Device device = torch::kCPU);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int rank() const { return info_.rank; }
  int world_size() const { return info_.world_size; }
  int local_rank() const { return info_.local_rank; }
  /// Rank 0: the only one that prints results and writes files.
  bool is_main() const { return info_.rank == 0; }
  /// True when a process group exists (world size > 1).
  bool is_distributed() const { return info_.world_size > 1; }
  const RankInfo& info() const { return info_; }
  /// The device this rank computes on: the requested one, with cuda's index = local rank.
  torch::Device device() const { return device_; }
  /// "gloo", "nccl" or "none".
  std::string backend() const;
  std::chrono::milliseconds timeout() const { return timeout_; }
  /// One line for logs: "rank 1/4 (local 1) via torchrun, gloo, tcp://node01:29500".
  std::string describe() const;

  /// Blocks until every rank arrives.
  void barrier();

  /// In place: every tensor := rank 0's value. Same-dtype tensors travel in coalesced buckets
  /// of at most `bucket_bytes` (one broadcast per bucket).
  void broadcast(const std::vector<torch::Tensor>& tensors,
                 std::int64_t bucket_bytes = kDefaultBucketBytes);
  /// Parameters and buffers := rank 0's (at start, as DDP's constructor does). Also checks that
  /// every rank holds the same number of tensors and elements.
  void broadcast_module(torch::nn::Module& module);
  /// Buffers := rank 0's (running mean/var, num_batches_tracked): DDP's broadcast_buffers=True,
  /// call before each training forward when --sync-bn is off.
  void broadcast_buffers(torch::nn::Module& module);

  /// In place: tensor := elementwise sum over ranks (any dtype the backend supports; on device()).
  void all_reduce_sum(torch::Tensor& tensor);
  /// In place: same, several tensors, coalesced per dtype (one collective per bucket).
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors,
                      std::int64_t bucket_bytes = kDefaultBucketBytes);
  /// Sums of metrics over ranks (loss sums, correct counts); one collective. Exact for counts
  /// below 2^53.
  std::vector<double> all_reduce_sum(const std::vector<double>& values);
  std::vector<std::int64_t> all_reduce_sum(const std::vector<std::int64_t>& values);

  /// Rows computed by each rank back in dataset order, on every rank. `rows` is (n, ...) with
  /// row i belonging to dataset index `indices[i]` (n may differ between ranks); returns
  /// (total, ...) on CPU. Indices repeated by a padding sampler are fine (equal rows); every index
  /// in [0, total) must be covered by some rank, else throws naming the first missing one.
  torch::Tensor gather_rows(const torch::Tensor& rows, const std::vector<std::int64_t>& indices,
                            std::int64_t total);

  /// The c10d process group; nullptr in a single-process context. For code that needs a
  /// collective not listed here.
  c10d::ProcessGroup* process_group() const;

 private:
  friend std::shared_ptr<Context> init_distributed(const DistOptions&, const EnvLookup&,
                                                   torch::Device);
  struct Group;  // holds the c10d objects, keeps c10d headers out of this one
  /// Waits for the collective `what`, turning c10d's errors into DistributedError.
  void run(const std::string& what, const std::function<void()>& collective);

  RankInfo info_;
  torch::Device device_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Group> group_;
};

/// Finds this process's rank (dist::resolve_rank_info on the real environment), and for a world
/// of more than one joins the others: TCPStore (rank 0 hosts it) or FileStore rendezvous, then
/// ProcessGroupNCCL for a CUDA device when LibTorch was built with it, ProcessGroupGloo otherwise.
/// `device`: where the engine computes; a CUDA device without index becomes
/// cuda:(local_rank mod visible devices) (so `srun --gpus-per-task=1` works too) and is made
/// current for NCCL. Throws DistConfigError for bad settings and DistributedError naming the
/// address tried when the master cannot be reached within options.timeout_seconds.
std::shared_ptr<Context> init_distributed(const DistOptions& options,
                                          torch::Device device = torch::kCPU);

/// Same, with the environment given (tests).
std::shared_ptr<Context> init_distributed(const DistOptions& options, const EnvLookup& env,
                                          torch::Device device = torch::kCPU);

}  // namespace fixres::dist
