#pragma once
/// Rendezvous and c10d backend creation for dist::Context (internal to the dist layer; engines use
/// context.h). Backends are compiled in as LibTorch provides them: Gloo when its headers are found
/// (FIXRES_WITH_GLOO), NCCL when LibTorch has CUDA and nccl.h is found (FIXRES_WITH_NCCL); see
/// src/fixres/dist/c10d.cmake.

#include <torch/torch.h>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <string>

#include "fixres/dist/rank_info.h"

namespace fixres::dist {

struct ProcessGroupHandle {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::string backend;  ///< "gloo" or "nccl"
};

/// An exception's message without c10's backtrace (for messages shown to users).
std::string error_text(const std::exception& e);

/// Backends this build can create, e.g. "gloo, nccl".
std::string available_backends();

/// Joins the other ranks described by `info` (world size > 1): store rendezvous, then the backend
/// chosen by `backend` ("auto": NCCL for a CUDA `device` when available, else Gloo). Throws
/// DistConfigError for an unavailable backend and DistributedError (naming the address tried and
/// the timeout) when the rendezvous fails.
ProcessGroupHandle create_process_group(const RankInfo& info, const std::string& backend,
                                        const torch::Device& device,
                                        std::chrono::milliseconds timeout);

}  // namespace fixres::dist
