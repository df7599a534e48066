// `fixres demo` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_demo(CLI::App& root) {
  CLI::App* app = root.add_subcommand("demo", "FixRes end to end on Fashion-MNIST in minutes");
  app->allow_extras();
  return {app, [] { not_implemented("demo"); }};
}

}  // namespace fixres::cli
