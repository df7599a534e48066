#pragma once
// Runs a shell command from a test and captures its exit status and output.

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace fixres::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

/// `fixres ARGS` (ARGS already shell-quoted by the caller).
inline CommandResult run_fixres(const std::string& args) {
  return run_command(std::string(FIXRES_BINARY) + " " + args);
}

}  // namespace fixres::testing
