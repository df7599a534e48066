#pragma once
/// Flag groups shared by several commands (DESIGN.md "Command-line contract"), declared once.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "fixres/core/model_config.h"

namespace fixres::cli {

/// What the CLI keeps to itself: settings the engine never sees.
struct CliFlags {
  int threads = 0;          ///< --threads: LibTorch's intra-op threads (0: all cores), set before the engine runs
  std::string json_path;    ///< --json FILE
  std::string imnet_path;   ///< --imnet-path ROOT: the engine gets ROOT/val (and ROOT/train) as folders
  bool no_val = false;      ///< --no-val (finetune, train): no validation folder for the engine
  std::string results_csv;  ///< --results-file FILE.csv (evaluate, sweep): rows appended
};

/// A command's state: the engine's config its flags are bound onto, and what the CLI keeps.
template <typename Config>
struct BoundCommand {
  Config config;
  CliFlags cli;
};

/// The default --EfficientNet-models value.
inline constexpr const char* kDefaultEfficientNet = "tf_efficientnet_b0_ap";

/// Onto `model` itself: --architecture, --EfficientNet-models (default tf_efficientnet_b0_ap),
/// --weight-path (alias --resnet-weight-path), --non-strict, --device, --mean R G B / --std R G B
/// (together), the test protocol flags, --channels-last/--contiguous, --fold-bn/--no-fold-bn. The
/// engine checks the values
/// (engine::resolve_model).
void add_model_flags(CLI::App& app, engine::ModelConfig& model, bool weights_required);

/// --crop-pct P or --resize-size R, --resize-mode fixres|shorter, --interpolation bilinear|bicubic
/// onto the test protocol's overrides (part of add_model_flags).
void add_test_protocol_flags(CLI::App& app, data::TestProtocolOverrides& protocol);

/// --input-size onto `size` (its current value is the default shown).
void add_input_size_flag(CLI::App& app, int& size);

/// --batch and --workers onto the engine's fields (current values are the defaults shown).
void add_loader_flags(CLI::App& app, int& batch, int& workers);

/// --strict-images onto the engine's field.
void add_strict_images_flag(CLI::App& app, bool& strict_images);

/// --threads and --json.
void add_cli_flags(CLI::App& app, CliFlags& cli);

/// A list of sizes: "224,288,320", "224:448:32" (start:stop:step, stop included when on the grid)
/// or a mix of both separated by commas. Syntax errors are UsageError naming `flag`; a step that is
/// not positive or a range that runs backwards is std::invalid_argument. Whether each size suits
/// the network is the engine's call.
std::vector<int> parse_sizes(const std::string& text, const std::string& flag);

/// A comma-separated list of numbers ("0.875,0.95,1.0"); syntax errors are UsageError naming `flag`.
std::vector<double> parse_numbers(const std::string& text, const std::string& flag);

/// --json FILE (commands without --threads)
void add_json_flag(CLI::App& app, std::string& json_path);

}  // namespace fixres::cli
