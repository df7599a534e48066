#include "fixres/cli/options.h"

#include <stdexcept>

#include "fixres/cli/command.h"

namespace fixres::cli {

void add_model_flags(CLI::App& app, ModelFlags& flags, bool weights_required) {
  app.add_option("--architecture", flags.architecture,
                 "Network: ResNet50, IGAM_Resnext101_32x48d, PNASNet, EfficientNet")
      ->capture_default_str();
  app.add_option("--EfficientNet-models", flags.efficientnet_model,
                 "timm name with --architecture EfficientNet: tf_efficientnet_b0 … b8, _ap/_ns, "
                 "tf_efficientnet_l2_ns, tf_efficientnet_l2_ns_475")
      ->capture_default_str();
  auto* weights = app.add_option("--weight-path,--resnet-weight-path", flags.weight_path,
                                 "Weights: .pth (legacy or zip) or .safetensors");
  if (weights_required) weights->required();
  app.add_flag("--non-strict", flags.non_strict,
               "Allow missing/unexpected weights (default: every tensor must load)");
}

void add_data_flags(CLI::App& app, DataFlags& flags) {
  auto* imnet = app.add_option("--imnet-path", flags.imnet_path, "ImageNet root holding train/ and val/");
  auto* folder = app.add_option("--dataset-path", flags.dataset_path,
                                "One ImageFolder (a sub-folder per class) instead of --imnet-path");
  imnet->excludes(folder);
  app.add_flag("--strict-images", flags.strict_images,
               "Fail on the first unreadable image (default: skip, count and report it)");
}

std::string DataFlags::evaluation_folder() const {
  if (!dataset_path.empty()) return dataset_path;
  if (!imnet_path.empty()) return imnet_path + "/val";
  throw UsageError("give --imnet-path ROOT (uses ROOT/val) or --dataset-path DIR");
}

void add_runtime_flags(CLI::App& app, RuntimeFlags& flags, int default_input_size) {
  flags.input_size = default_input_size;
  if (default_input_size > 0) {  // commands with several sizes (sweep) pass 0: no --input-size
    // Checked by the engine against the architecture (positive, large enough, at most 4096): a
    // bad size is an input error (exit 1) that names the architecture's minimum.
    app.add_option("--input-size", flags.input_size, "Test (or train) resolution in pixels")->capture_default_str();
  }
  app.add_option("--batch", flags.batch, "Images per batch (per process)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--workers", flags.workers, "Image loading threads")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--threads", flags.threads, "Intra-op compute threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  app.add_option("--device", flags.device, "cpu or cuda[:index]")->capture_default_str();
}

void add_json_flag(CLI::App& app, std::string& json_path) {
  app.add_option("--json", json_path, "Also write the results as JSON to this file");
}

namespace {

int parse_size(const std::string& text, const std::string& whole, const std::string& flag) {
  std::size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size()) {
    throw UsageError(flag + ": '" + text + "' in '" + whole + "' is not a whole number (use 224,288,320 or 224:448:32)");
  }
  return value;
}

}  // namespace

std::vector<int> parse_sizes(const std::string& text, const std::string& flag) {
  std::vector<int> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const std::size_t c1 = item.find(':');
    if (c1 == std::string::npos) {
      sizes.push_back(parse_size(item, text, flag));
    } else {
      const std::size_t c2 = item.find(':', c1 + 1);
      if (c2 == std::string::npos || item.find(':', c2 + 1) != std::string::npos) {
        throw UsageError(flag + ": '" + item + "' is not START:STOP:STEP");
      }
      const int first = parse_size(item.substr(0, c1), text, flag);
      const int last = parse_size(item.substr(c1 + 1, c2 - c1 - 1), text, flag);
      const int step = parse_size(item.substr(c2 + 1), text, flag);
      if (step <= 0) throw std::invalid_argument(flag + ": the step of '" + item + "' must be positive");
      if (last < first) throw std::invalid_argument(flag + ": '" + item + "' runs backwards (STOP < START)");
      for (long s = first; s <= last; s += step) sizes.push_back(static_cast<int>(s));
    }
    start = comma + 1;
  }
  return sizes;
}

}  // namespace fixres::cli
