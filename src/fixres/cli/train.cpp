// `fixres train` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_train(CLI::App& root) {
  CLI::App* app = root.add_subcommand("train", "Train from scratch with repeated augmentation (main_resnet50_scratch.py)");
  app->allow_extras();
  return {app, [] { not_implemented("train"); }};
}

}  // namespace fixres::cli
