#pragma once
/// The distributed flags every engine command accepts (torch-free; fills dist::DistOptions, which
/// the engine hands to dist::init_distributed):
///   --global-rank R --local-rank L --num-tasks W   the seed's manual launch (override the env)
///   --dist-url env://|tcp://HOST:PORT|file:///PATH rendezvous (default: from the environment)
///   --master-addr HOST --master-port P             rendezvous host/port when the env has none
///   --dist-timeout S                               seconds before a dead/stuck peer is an error
///   --dist-backend auto|gloo|nccl                  c10d backend (auto: NCCL on CUDA, else Gloo)
///   --sync-bn                                      batch statistics over all ranks
/// `--job-id` stays with the commands that use it (finetune).

#include <CLI/CLI.hpp>

#include "fixres/core/dist_options.h"

namespace fixres::cli {

void add_dist_flags(CLI::App& app, dist::DistOptions& options);

}  // namespace fixres::cli
