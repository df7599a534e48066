// `fixres launch` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_launch(CLI::App& root) {
  CLI::App* app = root.add_subcommand("launch", "Start N local ranks: fixres launch --nproc-per-node N -- COMMAND [flags]");
  app->allow_extras();
  return {app, [] { not_implemented("launch"); }};
}

}  // namespace fixres::cli
