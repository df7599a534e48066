#include "fixres/dist/process_group.h"

#include <csignal>
#include <cstdlib>
#include <sstream>

// c10d's headers only declare the backends LibTorch was built with when these macros are set, as
// LibTorch's own build does; c10d.cmake tells us which headers exist.
#if defined(FIXRES_WITH_GLOO) && !defined(USE_C10D_GLOO)
#define USE_C10D_GLOO
#endif
#if defined(FIXRES_WITH_NCCL) && !defined(USE_C10D_NCCL)
#define USE_C10D_NCCL
#endif

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef FIXRES_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef FIXRES_WITH_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "fixres/dist/errors.h"

namespace fixres::dist {

namespace {

std::string who(const RankInfo& info) {
  return "rank " + std::to_string(info.rank) + " of " + std::to_string(info.world_size) +
         " (from " + info.source + ")";
}

std::string seconds(std::chrono::milliseconds timeout) {
  std::ostringstream out;
  out << static_cast<double>(timeout.count()) / 1000.0 << " s";
  return out.str();
}

c10::intrusive_ptr<c10d::Store> make_store(const RankInfo& info,
                                           std::chrono::milliseconds timeout) {
  try {
    if (info.rendezvous == Rendezvous::kFile) {
      auto store = c10::make_intrusive<c10d::FileStore>(info.file_path, info.world_size);
      store->setTimeout(timeout);
      return store;
    }
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(info.master_port);
    options.isServer = info.rank == 0;
    options.numWorkers = static_cast<std::size_t>(info.world_size);
    options.waitWorkers = true;
    options.timeout = timeout;
    return c10::make_intrusive<c10d::TCPStore>(info.master_addr, options);
  } catch (const std::exception& e) {
    const std::string action =
        info.rendezvous == Rendezvous::kFile ? "could not rendezvous through"
        : info.rank == 0 ? "could not host the rendezvous store (or not all ranks joined) at"
                         : "could not reach the master at";
    throw DistributedError("fixres dist: " + who(info) + " " + action + " " + info.address() +
                           " within " + seconds(timeout) + ": " + error_text(e));
  }
}

/// A peer that dies closes its sockets, and Gloo and the TCP store write to them without
/// MSG_NOSIGNAL: with SIGPIPE's default action that write would kill this rank without a word.
/// Ignored, the write fails with EPIPE, the collective throws, and this rank reports the lost peer
/// and exits 1. A handler the program installed itself is left alone.
void ignore_broken_pipes() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

#ifdef FIXRES_WITH_GLOO
c10::intrusive_ptr<c10d::ProcessGroup> make_gloo(const c10::intrusive_ptr<c10d::Store>& store,
                                                 const RankInfo& info,
                                                 std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // As torch.distributed: GLOO_SOCKET_IFNAME picks the interface; otherwise this host's address.
  // Ranks that meet on a loopback master all live on this machine, so loopback is enough.
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
    std::string name(interface);
    name = name.substr(0, name.find(','));
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
  } else if (info.rendezvous == Rendezvous::kTcp && is_loopback(info.master_addr)) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, info.rank, info.world_size, options);
}
#endif

#ifdef FIXRES_WITH_NCCL
c10::intrusive_ptr<c10d::ProcessGroup> make_nccl(const c10::intrusive_ptr<c10d::Store>& store,
                                                 const RankInfo& info, const torch::Device& device,
                                                 std::chrono::milliseconds timeout) {
  // Without asynchronous error handling a dead peer would leave NCCL kernels waiting forever.
  setenv("NCCL_ASYNC_ERROR_HANDLING", "1", 0);
  setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1", 0);
  c10::cuda::set_device(device.index());
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, info.rank, info.world_size, options);
}
#endif

}  // namespace

std::string error_text(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) {
    return c10_error->what_without_backtrace();
  }
  return e.what();
}

std::string available_backends() {
  std::string names;
#ifdef FIXRES_WITH_GLOO
  names += "gloo";
#endif
#ifdef FIXRES_WITH_NCCL
  names += names.empty() ? "nccl" : ", nccl";
#endif
  return names.empty() ? "none" : names;
}

ProcessGroupHandle create_process_group(const RankInfo& info, const std::string& backend,
                                        const torch::Device& device,
                                        std::chrono::milliseconds timeout) {
  std::string chosen = backend;
  if (chosen == "auto") {
#ifdef FIXRES_WITH_NCCL
    chosen = device.is_cuda() ? "nccl" : "gloo";
#else
    chosen = "gloo";
#endif
  }
  if (chosen != "gloo" && chosen != "nccl") {
    throw DistConfigError("--dist-backend: expected auto, gloo or nccl, got '" + backend + "'");
  }
  if (available_backends().find(chosen) == std::string::npos) {
    throw DistConfigError("--dist-backend " + chosen +
                          " is not available in this build (available: " + available_backends() +
                          "); see docs/distributed.md on building against a CUDA LibTorch");
  }
  if (chosen == "nccl" && !device.is_cuda()) {
    throw DistConfigError("--dist-backend nccl needs a CUDA device, got --device " + device.str());
  }

  ignore_broken_pipes();
  ProcessGroupHandle handle;
  handle.backend = chosen;
  handle.store = make_store(info, timeout);
  try {
#ifdef FIXRES_WITH_NCCL
    if (chosen == "nccl") handle.group = make_nccl(handle.store, info, device, timeout);
#endif
#ifdef FIXRES_WITH_GLOO
    if (chosen == "gloo") handle.group = make_gloo(handle.store, info, timeout);
#endif
  } catch (const std::exception& e) {
    throw DistributedError("fixres dist: " + who(info) + " could not connect its " + chosen +
                           " process group (" + info.address() + ", timeout " + seconds(timeout) +
                           "): " + error_text(e));
  }
  TORCH_INTERNAL_ASSERT(handle.group, "no process group created for backend ", chosen);
  return handle;
}

}  // namespace fixres::dist
