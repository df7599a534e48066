// `fixres inspect` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_inspect(CLI::App& root) {
  CLI::App* app = root.add_subcommand("inspect", "A checkpoint's entries, or an architecture's manifest");
  app->allow_extras();
  return {app, [] { not_implemented("inspect"); }};
}

}  // namespace fixres::cli
