// One rank of the dist tests (started by tests/dist/multiprocess_test.cpp, or by `fixres launch` in
// tests/cli/engine_commands/launch_cli_test.cpp).
// Reads its rank from the environment like every fixres command, runs one scenario and exits
// 0 on success, 1 on an error (message on stderr), 3 when replicas disagree.
//   dist_worker train --per-rank B [--sync-bn] [--architecture A] [--double] --out PREFIX
//                                  final weights to PREFIX.rank<r> (A: a zoo row; float64 weights)
//   dist_worker gather --total N --out FILE                    rows in dataset order (rank 0)
//   dist_worker loop [--steps N] [--fail-rank R --fail-step S] all-reduces every 50 ms
//   dist_worker connect                                        rendezvous + barrier only
// Common: --timeout S, --dist-url URL.
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "dist/scenario.h"
#include "fixres/dist/context.h"

namespace {

struct Args {
  std::string mode;
  std::int64_t per_rank = 4;
  std::int64_t total = 11;
  bool sync_bn = false;
  std::string architecture;
  bool double_precision = false;
  std::string out;
  int steps = 200;
  int fail_rank = -1;
  int fail_step = -1;
  fixres::dist::DistOptions dist;
};

Args parse(int argc, char** argv) {
  Args args;
  if (argc < 2) throw std::runtime_error("usage: dist_worker MODE [options]");
  args.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--per-rank")
      args.per_rank = std::stoll(value());
    else if (flag == "--total")
      args.total = std::stoll(value());
    else if (flag == "--sync-bn")
      args.sync_bn = true;
    else if (flag == "--double")
      args.double_precision = true;
    else if (flag == "--architecture")
      args.architecture = value();
    else if (flag == "--out")
      args.out = value();
    else if (flag == "--steps")
      args.steps = std::stoi(value());
    else if (flag == "--fail-rank")
      args.fail_rank = std::stoi(value());
    else if (flag == "--fail-step")
      args.fail_step = std::stoi(value());
    else if (flag == "--timeout")
      args.dist.timeout_seconds = std::stoi(value());
    else if (flag == "--dist-url")
      args.dist.dist_url = value();
    else
      throw std::runtime_error("unknown flag " + flag);
  }
  return args;
}

int train(const Args& args, const std::shared_ptr<fixres::dist::Context>& context) {
  bool identical = true;
  auto check_replicas = [&](torch::nn::Module& model) {
    if (args.sync_bn) return;
    // Bit-identical replicas: every rank compares its parameters with rank 0's. (Buffers differ
    // until the next forward broadcasts rank 0's, as under DDP.)
    std::vector<torch::Tensor> mine, theirs;
    for (const auto& p : model.parameters()) {
      mine.push_back(p.detach().clone());
      theirs.push_back(p.detach().clone());
    }
    context->broadcast(theirs);
    for (std::size_t i = 0; i < mine.size(); ++i)
      identical = identical && torch::equal(mine[i], theirs[i]);
  };
  auto model =
      fixres::testing::train_scenario(context, args.per_rank, args.sync_bn, check_replicas, args.architecture,
                                      args.double_precision ? torch::kFloat64 : torch::kFloat32);
  if (!args.sync_bn) context->broadcast_buffers(*model);  // what the next forward would do
  torch::save(fixres::testing::model_state(*model),
              args.out + ".rank" + std::to_string(context->rank()));
  if (!identical) {
    std::cerr << "dist_worker: rank " << context->rank() << " differs from rank 0\n";
    return 3;
  }
  return 0;
}

int gather(const Args& args, const std::shared_ptr<fixres::dist::Context>& context) {
  const auto indices =
      fixres::testing::shard_indices(args.total, context->rank(), context->world_size());
  std::vector<torch::Tensor> rows;
  for (auto i : indices) rows.push_back(fixres::testing::row_for_index(i));
  auto all = context->gather_rows(torch::stack(rows), indices, args.total);
  if (context->is_main()) torch::save(all, args.out);
  return 0;
}

int loop(const Args& args, const std::shared_ptr<fixres::dist::Context>& context) {
  for (int step = 0; step < args.steps; ++step) {
    if (context->rank() == args.fail_rank && step == args.fail_step) {
      std::cerr << "dist_worker: rank " << context->rank() << " fails on purpose at step " << step
                << "\n";
      return 7;
    }
    auto sums =
        context->all_reduce_sum(std::vector<double>{1.0, static_cast<double>(context->rank())});
    if (sums[0] != context->world_size()) throw std::runtime_error("wrong all-reduce result");
    std::cout << "step " << step << std::endl;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse(argc, argv);
    torch::set_num_threads(1);
    auto context = fixres::dist::init_distributed(args.dist);
    std::cout << context->describe() << std::endl;
    if (args.mode == "train") return train(args, context);
    if (args.mode == "gather") return gather(args, context);
    if (args.mode == "loop") return loop(args, context);
    if (args.mode == "connect") {
      context->barrier();
      return 0;
    }
    throw std::runtime_error("unknown mode " + args.mode);
  } catch (const std::exception& e) {
    std::cerr << "dist_worker: error: " << e.what() << std::endl;
    return 1;
  }
}
