// `fixres extract` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_extract(CLI::App& root) {
  CLI::App* app = root.add_subcommand("extract", "Write labels.npy, ARCH_embedding.npy and ARCH_softmax.npy for a dataset (main_extract.py)");
  app->allow_extras();
  return {app, [] { not_implemented("extract"); }};
}

}  // namespace fixres::cli
