// `fixres zoo` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_zoo(CLI::App& root) {
  CLI::App* app = root.add_subcommand("zoo", "The released FixRes models and the command that evaluates each");
  app->allow_extras();
  return {app, [] { not_implemented("zoo"); }};
}

}  // namespace fixres::cli
