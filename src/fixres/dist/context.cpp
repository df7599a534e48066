#include "fixres/dist/context.h"

#include <sstream>

#include "fixres/dist/bucketing.h"
#include "fixres/dist/process_group.h"

namespace fixres::dist {

struct Context::Group {
  ProcessGroupHandle handle;
};

namespace {

/// All parameters then all buffers of `module` (recursively, registration order).
std::vector<torch::Tensor> module_tensors(torch::nn::Module& module, bool parameters,
                                          bool buffers) {
  std::vector<torch::Tensor> tensors;
  if (parameters) {
    for (const auto& parameter : module.parameters(/*recurse=*/true)) tensors.push_back(parameter);
  }
  if (buffers) {
    for (const auto& buffer : module.buffers(/*recurse=*/true)) tensors.push_back(buffer);
  }
  return tensors;
}

}  // namespace

Context::Context(torch::Device device)
    : device_(device), timeout_(std::chrono::seconds(kDefaultTimeoutSeconds)) {}

Context::~Context() = default;

std::string Context::backend() const { return group_ ? group_->handle.backend : "none"; }

std::string Context::describe() const {
  if (!is_distributed()) return "single process on " + device_.str();
  std::ostringstream out;
  out << "rank " << rank() << "/" << world_size() << " (local " << local_rank() << ") via "
      << info_.source << ", " << backend() << ", " << info_.address() << ", " << device_.str();
  return out.str();
}

c10d::ProcessGroup* Context::process_group() const {
  return group_ ? group_->handle.group.get() : nullptr;
}

void Context::run(const std::string& what, const std::function<void()>& collective) {
  try {
    collective();
  } catch (const std::exception& e) {
    std::ostringstream out;
    out << "fixres dist: " << what << " failed on rank " << rank() << " of " << world_size()
        << " (a peer rank died or did not answer within " << timeout_.count() / 1000.0
        << " s): " << error_text(e);
    throw DistributedError(out.str());
  }
}

void Context::barrier() {
  if (!group_) return;
  run("barrier", [&] {
    c10d::BarrierOptions options;
    options.timeout = timeout_;
    group_->handle.group->barrier(options)->wait(timeout_);
  });
}

void Context::broadcast(const std::vector<torch::Tensor>& tensors, std::int64_t bucket_bytes) {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  run("broadcast", [&] {
    std::vector<std::vector<torch::Tensor>> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    const auto buckets = assign_buckets(tensors, bucket_bytes);
    for (const auto& bucket : buckets) {
      flats.push_back({flatten(tensors, bucket)});
      c10d::BroadcastOptions options;
      options.rootRank = 0;
      options.timeout = timeout_;
      works.push_back(group_->handle.group->broadcast(flats.back(), options));
    }
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      works[i]->wait(timeout_);
      unflatten_into(flats[i][0], tensors, buckets[i]);
    }
  });
}

void Context::broadcast_module(torch::nn::Module& module) {
  if (!group_) return;
  const auto tensors = module_tensors(module, true, true);
  // Like DDP's _verify_param_shape_across_processes: the replicas must have the same layout.
  std::int64_t numel = 0;
  for (const auto& tensor : tensors) numel += tensor.numel();
  const auto count = static_cast<std::int64_t>(tensors.size());
  auto check = torch::tensor({count, numel, -count, -numel}, torch::kInt64).to(device_);
  run("model layout check", [&] {
    std::vector<torch::Tensor> list{check};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::MAX;
    options.timeout = timeout_;
    group_->handle.group->allreduce(list, options)->wait(timeout_);
  });
  check = check.cpu();
  const auto* c = check.data_ptr<std::int64_t>();
  TORCH_CHECK(c[0] == -c[2] && c[1] == -c[3],
              "dist::broadcast_module: the ranks hold different models: between ", -c[2], " and ",
              c[0], " parameters+buffers, between ", -c[3], " and ", c[1],
              " elements (this rank: ", count, ", ", numel, ")");
  broadcast(tensors);
}

void Context::broadcast_buffers(torch::nn::Module& module) {
  if (!group_) return;
  broadcast(module_tensors(module, false, true));
}

void Context::all_reduce_sum(torch::Tensor& tensor) {
  if (!group_) return;
  all_reduce_sum(std::vector<torch::Tensor>{tensor});
}

void Context::all_reduce_sum(const std::vector<torch::Tensor>& tensors, std::int64_t bucket_bytes) {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  run("all-reduce", [&] {
    const auto buckets = assign_buckets(tensors, bucket_bytes);
    std::vector<std::vector<torch::Tensor>> flats;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (const auto& bucket : buckets) {
      // A lone contiguous tensor is reduced in place; otherwise through a flat copy.
      const torch::Tensor& first = tensors[bucket.front()];
      const bool in_place = bucket.size() == 1 && first.is_contiguous();
      flats.push_back({in_place ? first : flatten(tensors, bucket)});
      c10d::AllreduceOptions options;
      options.timeout = timeout_;
      works.push_back(group_->handle.group->allreduce(flats.back(), options));
    }
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      works[i]->wait(timeout_);
      if (!flats[i][0].is_same(tensors[buckets[i].front()]))
        unflatten_into(flats[i][0], tensors, buckets[i]);
    }
  });
}

std::vector<double> Context::all_reduce_sum(const std::vector<double>& values) {
  if (!group_ || values.empty()) return values;
  auto tensor = torch::tensor(values, torch::kFloat64).to(device_);
  all_reduce_sum(tensor);
  tensor = tensor.cpu();
  return {tensor.data_ptr<double>(), tensor.data_ptr<double>() + tensor.numel()};
}

std::vector<std::int64_t> Context::all_reduce_sum(const std::vector<std::int64_t>& values) {
  if (!group_ || values.empty()) return values;
  auto tensor = torch::tensor(values, torch::kInt64).to(device_);
  all_reduce_sum(tensor);
  tensor = tensor.cpu();
  return {tensor.data_ptr<std::int64_t>(), tensor.data_ptr<std::int64_t>() + tensor.numel()};
}

torch::Tensor Context::gather_rows(const torch::Tensor& rows,
                                   const std::vector<std::int64_t>& indices, std::int64_t total) {
  TORCH_CHECK(rows.dim() >= 1, "dist::gather_rows: rows must have a leading row dimension, got ",
              rows.dim(), "-d");
  TORCH_CHECK(rows.size(0) == static_cast<std::int64_t>(indices.size()),
              "dist::gather_rows: ", rows.size(0), " rows but ", indices.size(), " indices");
  TORCH_CHECK(total >= 0, "dist::gather_rows: total must be >= 0, got ", total);
  torch::NoGradGuard no_grad;
  // Callers may sit inside an InferenceMode scope; the collectives write their outputs from
  // c10d's own threads, which inference tensors forbid, so the buffers here are normal tensors.
  c10::InferenceMode not_inference(false);
  const std::int64_t n = rows.size(0);
  auto local_indices = torch::tensor(indices, torch::kInt64);

  std::vector<torch::Tensor> all_rows{rows.detach()};
  std::vector<torch::Tensor> all_indices{local_indices};
  std::vector<std::int64_t> counts{n};
  if (group_) {
    // Row counts may differ between ranks: pad every rank's rows to the largest count.
    const auto world = static_cast<std::size_t>(world_size());
    std::vector<std::vector<torch::Tensor>> gathered_counts(1);
    for (std::size_t r = 0; r < world; ++r)
      gathered_counts[0].push_back(torch::zeros({1}, torch::kInt64).to(device_));
    std::vector<torch::Tensor> my_count{torch::full({1}, n, torch::kInt64).to(device_)};
    run("gather of row counts", [&] {
      group_->handle.group->allgather(gathered_counts, my_count, c10d::AllgatherOptions{timeout_})
          ->wait(timeout_);
    });
    counts.clear();
    std::int64_t max_count = 0;
    for (const auto& count : gathered_counts[0]) {
      counts.push_back(count.cpu().item<std::int64_t>());
      max_count = std::max(max_count, counts.back());
    }
    auto row_shape = rows.sizes().vec();
    row_shape[0] = max_count;
    auto padded_rows = torch::zeros(row_shape, rows.options().device(device_));
    padded_rows.narrow(0, 0, n).copy_(rows);
    auto padded_indices = torch::full({max_count}, -1, torch::kInt64);
    padded_indices.narrow(0, 0, n).copy_(local_indices);
    padded_indices = padded_indices.to(device_);

    std::vector<std::vector<torch::Tensor>> gathered_rows(1), gathered_indices(1);
    for (std::size_t r = 0; r < world; ++r) {
      gathered_rows[0].push_back(torch::empty_like(padded_rows));
      gathered_indices[0].push_back(torch::empty_like(padded_indices));
    }
    std::vector<torch::Tensor> rows_in{padded_rows}, indices_in{padded_indices};
    run("gather of rows", [&] {
      auto rows_work =
          group_->handle.group->allgather(gathered_rows, rows_in, c10d::AllgatherOptions{timeout_});
      auto indices_work = group_->handle.group->allgather(gathered_indices, indices_in,
                                                          c10d::AllgatherOptions{timeout_});
      rows_work->wait(timeout_);
      indices_work->wait(timeout_);
    });
    all_rows = gathered_rows[0];
    all_indices = gathered_indices[0];
  }

  auto out_shape = rows.sizes().vec();
  out_shape[0] = total;
  auto out = torch::zeros(out_shape, rows.options().device(torch::kCPU));
  auto covered = torch::zeros({total}, torch::kBool);
  for (std::size_t r = 0; r < all_rows.size(); ++r) {
    const auto index = all_indices[r].cpu().narrow(0, 0, counts[r]);
    if (counts[r] == 0) continue;
    const auto low = index.min().item<std::int64_t>();
    const auto high = index.max().item<std::int64_t>();
    TORCH_CHECK(low >= 0 && high < total, "dist::gather_rows: rank ", r, " sent dataset index ",
                low < 0 ? low : high, ", outside [0, ", total, ")");
    out.index_copy_(0, index, all_rows[r].narrow(0, 0, counts[r]).cpu());
    covered.index_fill_(0, index, true);
  }
  if (total > 0 && !covered.all().item<bool>()) {
    const auto missing = torch::logical_not(covered).nonzero()[0][0].item<std::int64_t>();
    TORCH_CHECK(false, "dist::gather_rows: no rank sent a row for dataset index ", missing, " of ",
                total);
  }
  return out;
}

std::shared_ptr<Context> init_distributed(const DistOptions& options, torch::Device device) {
  return init_distributed(options, process_environment(), device);
}

std::shared_ptr<Context> init_distributed(const DistOptions& options, const EnvLookup& env,
                                          torch::Device device) {
  const RankInfo info = resolve_rank_info(options, env);
  if (device.is_cuda() && !device.has_index()) {
    // One GPU per local rank; under `srun --gpus-per-task=1` each task sees only its own GPU.
    const auto visible = static_cast<int>(torch::cuda::device_count());
    TORCH_CHECK(visible > 0, "--device cuda: no CUDA device visible to rank ", info.rank);
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(info.local_rank % visible));
  }
  auto context = std::make_shared<Context>(device);
  context->info_ = info;
  context->timeout_ = std::chrono::seconds(options.timeout_seconds);
  if (!info.distributed()) return context;
  context->group_ = std::make_unique<Context::Group>();
  context->group_->handle = create_process_group(info, options.backend, device, context->timeout_);
  return context;
}

}  // namespace fixres::dist
