#pragma once
/// How subcommands plug into the `fixres` program. Each command lives in its own cli/<name>.cpp
/// and provides one `add_<name>` function: it declares the subcommand's flags on the CLI11 app
/// (binding them to a config it owns) and returns the function that runs it after parsing.
/// Only cli/ sees argv, prints and picks exit codes.

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

namespace fixres::cli {

/// Exit codes of the contract.
enum ExitCode : int { kExitOk = 0, kExitRuntimeError = 1, kExitUsage = 2 };

/// A bad combination of flags found after parsing (exit 2, one line).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Command {
  CLI::App* app = nullptr;
  std::function<void()> run;  ///< throws on failure; returning means success
};

Command add_evaluate(CLI::App& root);
Command add_evaluate_softmax(CLI::App& root);
Command add_extract(CLI::App& root);
Command add_finetune(CLI::App& root);
Command add_train(CLI::App& root);
Command add_sweep(CLI::App& root);
Command add_inspect(CLI::App& root);
Command add_convert(CLI::App& root);
Command add_zoo(CLI::App& root);
Command add_demo(CLI::App& root);
Command add_launch(CLI::App& root);

/// For commands whose engine is not written yet: says so and fails (exit 1), never pretends.
[[noreturn]] void not_implemented(const std::string& command);

}  // namespace fixres::cli
