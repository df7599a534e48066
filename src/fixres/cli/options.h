#pragma once
/// Flag groups shared by several commands (DESIGN.md "Command-line contract"), declared once.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace fixres::cli {

/// --architecture, --EfficientNet-models, --weight-path (alias --resnet-weight-path), --non-strict
struct ModelFlags {
  std::string architecture = "ResNet50";
  std::string efficientnet_model = "tf_efficientnet_b0_ap";
  std::string weight_path;
  bool non_strict = false;
};
void add_model_flags(CLI::App& app, ModelFlags& flags, bool weights_required);

/// --imnet-path ROOT (ROOT/train, ROOT/val) or --dataset-path DIR (one ImageFolder)
struct DataFlags {
  std::string imnet_path;
  std::string dataset_path;
  bool strict_images = false;
  /// The folder to evaluate on: ROOT/val or DIR. Throws UsageError when neither was given.
  std::string evaluation_folder() const;
};
void add_data_flags(CLI::App& app, DataFlags& flags);

/// --input-size --batch --workers --threads --device
struct RuntimeFlags {
  int input_size = 224;
  int batch = 32;
  int workers = 4;
  int threads = 0;  ///< 0: all cores
  std::string device = "cpu";
};
/// default_input_size <= 0: no --input-size flag (commands that take several sizes).
void add_runtime_flags(CLI::App& app, RuntimeFlags& flags, int default_input_size);

/// A list of sizes: "224,288,320", "224:448:32" (start:stop:step, stop included when on the grid)
/// or a mix of both separated by commas. Syntax errors are UsageError naming `flag`; a step that is
/// not positive or a range that runs backwards is std::invalid_argument. Whether each size suits
/// the network is the engine's call.
std::vector<int> parse_sizes(const std::string& text, const std::string& flag);

/// --json FILE
void add_json_flag(CLI::App& app, std::string& json_path);

}  // namespace fixres::cli
