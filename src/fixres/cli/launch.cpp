// `fixres launch`: starts N local ranks of this very program with torchrun's variables set
// (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), forwards SIGINT and
// SIGTERM to them, and when one rank fails stops the others and returns its exit code. Torch-free:
// the ranks load the engine themselves. The ranks print for themselves (only rank 0 prints
// results); the launcher adds nothing to their output and speaks only when a rank fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fixres/cli/command.h"

namespace fixres::cli {

namespace {

struct LaunchConfig {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  ///< 0: a free port of this host (single node only)
  std::string program;  ///< default: this executable
  int grace_seconds = 10;
  std::vector<std::string> command;
};

volatile sig_atomic_t g_pending_signal = 0;

extern "C" void remember_signal(int signal_number) { g_pending_signal = signal_number; }

/// A TCP port nobody listens on right now (bind to port 0, ask which one the kernel chose).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error(std::string("fixres launch: socket(): ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok)
    throw std::runtime_error(std::string("fixres launch: cannot find a free port: ") +
                             std::strerror(error));
  return ntohs(address.sin_port);
}

std::string self_executable() {
  std::vector<char> buffer(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (n <= 0)
    throw std::runtime_error(
        "fixres launch: cannot find this program (/proc/self/exe); give --program");
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

struct Rank {
  int local_rank = 0;
  pid_t pid = -1;
  bool running = false;
};

/// Forks and execs one rank; never returns in the child.
pid_t start_rank(const LaunchConfig& config, int local_rank, const std::string& port) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(std::string("fixres launch: fork(): ") + std::strerror(errno));
  if (pid > 0) return pid;

    // Child. A rank must not outlive its launcher.
#ifdef __linux__
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
  if (::getppid() != parent) ::_exit(1);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  const int world = config.nnodes * config.nproc_per_node;
  const int rank = config.node_rank * config.nproc_per_node + local_rank;
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(local_rank).c_str(), 1);
  ::setenv("LOCAL_WORLD_SIZE", std::to_string(config.nproc_per_node).c_str(), 1);
  ::setenv("GROUP_RANK", std::to_string(config.node_rank).c_str(), 1);
  ::setenv("MASTER_ADDR", config.master_addr.c_str(), 1);
  ::setenv("MASTER_PORT", port.c_str(), 1);
  // As torchrun: N ranks on one host share its cores unless told otherwise.
  if (config.nproc_per_node > 1) {
    const unsigned cores = std::thread::hardware_concurrency();
    const unsigned share = std::max(1u, cores / static_cast<unsigned>(config.nproc_per_node));
    ::setenv("OMP_NUM_THREADS", std::to_string(share).c_str(), 0);
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(config.program.c_str()));
  for (const auto& argument : config.command) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  ::execv(config.program.c_str(), argv.data());
  const std::string message =
      "fixres launch: cannot run " + config.program + ": " + std::strerror(errno) + "\n";
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, message.data(), message.size());
  ::_exit(127);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

void signal_all(std::vector<Rank>& ranks, int signal_number) {
  for (const Rank& rank : ranks) {
    if (rank.running) ::kill(rank.pid, signal_number);
  }
}

int run_launch(LaunchConfig config) {
  if (config.command.empty())
    throw UsageError("give the command to run after '--', e.g. -- finetune --help");
  if (config.node_rank >= config.nnodes) {
    throw UsageError("--node-rank " + std::to_string(config.node_rank) +
                     " must be below --nnodes " + std::to_string(config.nnodes));
  }
  if (config.nnodes > 1 && config.master_port == 0) {
    throw UsageError(
        "--nnodes > 1 needs --master-port (and --master-addr: the host of node rank 0)");
  }
  if (config.program.empty()) config.program = self_executable();
  const std::string port =
      std::to_string(config.master_port != 0 ? config.master_port : free_port());

  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  ::sigaction(SIGINT, &action, &old_int);
  ::sigaction(SIGTERM, &action, &old_term);

  std::vector<Rank> ranks(static_cast<std::size_t>(config.nproc_per_node));
  for (int i = 0; i < config.nproc_per_node; ++i) {
    ranks[static_cast<std::size_t>(i)] = Rank{i, start_rank(config, i, port), true};
  }

  using Clock = std::chrono::steady_clock;
  int result = 0;
  bool stopping = false;
  Clock::time_point kill_at{};
  int running = config.nproc_per_node;
  while (running > 0) {
    if (g_pending_signal != 0) {
      const int signal_number = g_pending_signal;
      g_pending_signal = 0;
      signal_all(ranks, signal_number);
      if (!stopping) {
        stopping = true;
        kill_at = Clock::now() + std::chrono::seconds(config.grace_seconds);
        if (result == 0) result = 128 + signal_number;
      }
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (Rank& rank : ranks) {
        if (rank.pid != pid || !rank.running) continue;
        rank.running = false;
        --running;
        const int code = exit_code_of(status);
        if (code != 0 && result == 0) {
          result = code;
          std::cerr << "fixres launch: local rank " << rank.local_rank << " (pid " << pid << ") "
                    << (WIFSIGNALED(status)
                            ? "was killed by signal " + std::to_string(WTERMSIG(status))
                            : "exited with code " + std::to_string(code))
                    << (running > 0 ? "; stopping the other ranks" : "") << "\n";
        }
        if (code != 0 && !stopping) {
          stopping = true;
          signal_all(ranks, SIGTERM);
          kill_at = Clock::now() + std::chrono::seconds(config.grace_seconds);
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;  // no children left
    if (stopping && Clock::now() >= kill_at) {
      signal_all(ranks, SIGKILL);
      kill_at = Clock::now() + std::chrono::hours(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  return result;
}

}  // namespace

Command add_launch(CLI::App& root) {
  auto config = std::make_shared<LaunchConfig>();
  CLI::App* app = root.add_subcommand("launch",
                                      "Start N local ranks of fixres (torchrun's variables set): "
                                      "fixres launch --nproc-per-node N -- COMMAND [flags]");
  app->add_option("--nproc-per-node", config->nproc_per_node, "Ranks to start on this host")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app->add_option("--nnodes", config->nnodes, "Hosts taking part (each runs its own fixres launch)")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  app->add_option("--node-rank", config->node_rank, "Index of this host in [0, nnodes)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app->add_option("--master-addr", config->master_addr, "Host of rank 0 (the rendezvous store)")
      ->capture_default_str();
  app->add_option("--master-port", config->master_port,
                  "Port of the rendezvous store (default: a free port)")
      ->check(CLI::Range(1, 65535));
  app->add_option("--program", config->program,
                  "Program to start instead of this fixres (e.g. a wrapper)");
  app->add_option("--grace", config->grace_seconds,
                  "Seconds the other ranks get to stop after one fails, before SIGKILL")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app->add_option("command", config->command, "The command the ranks run, after '--'")->required();
  return {app, [config] {
            const int code = run_launch(*config);
            if (code != 0) {
              std::cout.flush();
              std::exit(code);  // the first failing rank's code, as is
            }
          }};
}

}  // namespace fixres::cli
