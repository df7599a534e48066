// `fixres finetune` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_finetune(CLI::App& root) {
  CLI::App* app = root.add_subcommand("finetune", "FixRes fine-tuning at the test resolution (main_finetune.py)");
  app->allow_extras();
  return {app, [] { not_implemented("finetune"); }};
}

}  // namespace fixres::cli
