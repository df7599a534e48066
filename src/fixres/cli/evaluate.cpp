// `fixres evaluate` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_evaluate(CLI::App& root) {
  CLI::App* app = root.add_subcommand("evaluate", "Top-1/top-5 of a network on an ImageFolder at --input-size (main_evaluate_imnet.py)");
  app->allow_extras();
  return {app, [] { not_implemented("evaluate"); }};
}

}  // namespace fixres::cli
