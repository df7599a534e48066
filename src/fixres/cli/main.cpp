// The `fixres` program: parses the command line, runs one subcommand, maps failures to exit codes
// (0 success, 1 runtime error, 2 usage). It links only the torch-free core; commands that need
// tensors load libfixres.so on demand (cli/engine_loader.h).
#include <cstdio>
#include <exception>
#include <iostream>
#include <vector>

#include "fixres/cli/command.h"

namespace fixres::cli {

[[noreturn]] void not_implemented(const std::string& command) {
  throw std::runtime_error("'fixres " + command + "' is not implemented in this build yet");
}

namespace {

int run_main(int argc, char** argv) {
  CLI::App app{
      "fixres: FixRes (Touvron et al., 2019) in native C++ — evaluate, extract, fine-tune and train image\n"
      "classifiers at the right test resolution. Run 'fixres COMMAND --help' for a command's flags."};
  app.name("fixres");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("fixres ") + FIXRES_VERSION);
  app.fallthrough(false);

  using Adder = Command (*)(CLI::App&);
  const Adder adders[] = {&add_evaluate, &add_evaluate_softmax, &add_extract, &add_finetune,
                          &add_train,    &add_sweep,            &add_inspect, &add_convert,
                          &add_zoo,      &add_demo,             &add_launch};
  std::vector<Command> commands;
  for (Adder add : adders) commands.push_back(add(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "fixres: usage error: " << e.what() << " (see 'fixres --help')\n";
    return kExitUsage;
  }

  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      command.run();
      std::fflush(stdout);
      return kExitOk;
    } catch (const UsageError& e) {
      std::cerr << "fixres " << command.app->get_name() << ": usage error: " << e.what() << "\n";
      return kExitUsage;
    } catch (const std::exception& e) {
      std::fflush(stdout);
      std::cerr << "fixres " << command.app->get_name() << ": error: " << e.what() << "\n";
      return kExitRuntimeError;
    }
  }
  std::cerr << "fixres: no command given (see 'fixres --help')\n";
  return kExitUsage;
}

}  // namespace
}  // namespace fixres::cli

int main(int argc, char** argv) {
  try {
    return fixres::cli::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "fixres: error: " << e.what() << "\n";
    return fixres::cli::kExitRuntimeError;
  }
}
