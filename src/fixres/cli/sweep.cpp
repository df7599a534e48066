// `fixres sweep` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_sweep(CLI::App& root) {
  CLI::App* app = root.add_subcommand("sweep", "Accuracy across test sizes, plain and after batch-norm recalibration");
  app->allow_extras();
  return {app, [] { not_implemented("sweep"); }};
}

}  // namespace fixres::cli
