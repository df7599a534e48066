// `fixres convert` (placeholder until its issue lands: says so and exits 1).
#include "fixres/cli/command.h"

namespace fixres::cli {

Command add_convert(CLI::App& root) {
  CLI::App* app = root.add_subcommand("convert", "Convert weights between .pth and .safetensors");
  app->allow_extras();
  return {app, [] { not_implemented("convert"); }};
}

}  // namespace fixres::cli
