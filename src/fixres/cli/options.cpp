#include "fixres/cli/options.h"

#include <map>
#include <stdexcept>

#include "fixres/cli/command.h"
#include "fixres/core/precision.h"

namespace fixres::cli {

void add_model_flags(CLI::App& app, engine::ModelConfig& model, bool weights_required) {
  app.add_option("--architecture", model.architecture, "Network: ResNet50, IGAM_Resnext101_32x48d, PNASNet, EfficientNet, or any row of "
                 "`fixres zoo --architectures` (vit_*/deit_* ViTs, convnext_*, torchvision ResNets, …)")
      ->capture_default_str();
  model.efficientnet_model = kDefaultEfficientNet;
  app.add_option("--EfficientNet-models", model.efficientnet_model,
                 "timm name with --architecture EfficientNet: tf_efficientnet_b0 … b8, _ap/_ns, "
                 "tf_efficientnet_l2_ns, tf_efficientnet_l2_ns_475")
      ->capture_default_str();
  auto* weights = app.add_option("--weight-path,--resnet-weight-path", model.weight_path,
                                 "Weights: .pth (legacy or zip) or .safetensors");
  if (weights_required) weights->required();
  app.add_flag_callback("--non-strict", [&model] { model.strict = false; },
                        "Allow missing/unexpected weights (default: every tensor must load)");
  app.add_option("--device", model.device, "cpu or cuda[:index]")->capture_default_str();
  app.add_flag("--use-ema", model.use_ema,
               "Load the checkpoint's 'model_ema' (the weights' moving average a --model-ema run saves) instead of 'model'");
  app.add_flag("--verbose", model.verbose, "Errors list everything (a load report: every key, not the first ten)");
  auto triplet = [](std::optional<std::array<float, 3>>& target) {
    return [&target](const std::vector<float>& v) { target = std::array<float, 3>{v[0], v[1], v[2]}; };
  };
  auto* mean = app.add_option_function<std::vector<float>>(
                      "--mean", triplet(model.mean), "Normalisation mean R G B (default: what the weights were trained with)")
                   ->expected(3);
  auto* std = app.add_option_function<std::vector<float>>(
                     "--std", triplet(model.std), "Normalisation std R G B (default: what the weights were trained with)")
                  ->expected(3);
  mean->needs(std);
  std->needs(mean);
  model.channels_last = true;  // the CLI's default: oneDNN's fast path
  app.add_flag("--channels-last,!--contiguous", model.channels_last,
               "Memory format of the network's activations: channels-last (default; oneDNN's fast path, ~30% "
               "faster on CPU) or --contiguous (NCHW, as the Python seed)");
  add_test_protocol_flags(app, model.test_protocol);
  app.add_option("--precision", model.precision,
                 "fp32, or bf16: convolutions and linear layers in bfloat16 on float32 weights (autocast; batch-norm "
                 "statistics and the loss stay float32), on CPUs with AVX512-BF16/AMX or CUDA")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "bf16"}));
  // Unsupported here: a usage error (exit 2) with the reason, before anything runs.
  app.parse_complete_callback([&model] {
    try {
      engine::check_precision(model.precision, model.device);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError(e.what());
    }
  });
  app.add_flag("--fold-bn,!--no-fold-bn", model.fold_batch_norms,
               "Run each convolution whose batch-norm is frozen with the normalisation folded into its weights "
               "(default; one pass less over every activation map). --no-fold-bn: PyTorch's unfolded arithmetic, "
               "and no second copy of the convolution weights in memory");
}

void add_test_protocol_flags(CLI::App& app, data::TestProtocolOverrides& protocol) {
  auto* crop = app.add_option_function<double>(
      "--crop-pct", [&protocol](double p) { protocol.crop_pct = p; },
      "Resize to floor(S / P) before the centre crop S, 0 < P <= 1 (timm's crop_pct; FixRes's "
      "int(256/224 S) is 0.875). Default: the weights' own");
  auto* size = app.add_option_function<int>(
      "--resize-size", [&protocol](int r) { protocol.resize_size = r; },
      "Resize to R before the centre crop, whatever the test size (torchvision references' "
      "--val-resize-size: 232 for the V2 weights)");
  crop->excludes(size);
  const std::map<std::string, data::ResizeMode> modes = {{"fixres", data::ResizeMode::FixRes},
                                                         {"shorter", data::ResizeMode::Shorter}};
  app.add_option_function<data::ResizeMode>(
         "--resize-mode", [&protocol](data::ResizeMode m) { protocol.resize_mode = m; },
         "fixres: the height becomes the resize length whatever the orientation (FixRes's Resize); shorter: "
         "the shorter side does (torchvision's Resize(int))")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
  const std::map<std::string, data::Interpolation> filters = {{"bilinear", data::Interpolation::Bilinear},
                                                              {"bicubic", data::Interpolation::Bicubic}};
  app.add_option_function<data::Interpolation>(
         "--interpolation", [&protocol](data::Interpolation i) { protocol.interpolation = i; },
         "Resize filter, Pillow-exact: bilinear or bicubic")
      ->transform(CLI::CheckedTransformer(filters, CLI::ignore_case));
  app.add_flag("--fast-decode", protocol.fast_decode,
               "Decode a JPEG at 1/2, 1/4 or 1/8 (libjpeg's DCT scaling) when the test resize shrinks it at least "
               "that much, then resize: PIL's Image.draft before the transform. Faster on large photos or small "
               "test sizes; not bit-identical to the full decode (README: Performance)");
}

void add_input_size_flag(CLI::App& app, int& size) {
  // Checked by the engine against the architecture (positive, large enough, at most 4096): a
  // bad size is an input error (exit 1) that names the architecture's minimum.
  app.add_option("--input-size", size, "Test (or train) resolution in pixels")->capture_default_str();
}

void add_loader_flags(CLI::App& app, int& batch, int& workers) {
  app.add_option("--batch", batch, "Images per batch (per process)")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("--workers", workers, "Image loading threads")->capture_default_str()->check(CLI::Range(0, 1024));
}

void add_strict_images_flag(CLI::App& app, bool& strict_images) {
  app.add_flag("--strict-images", strict_images,
               "Fail on the first unreadable image (default: skip, count and report it)");
}

void add_cli_flags(CLI::App& app, CliFlags& cli) {
  app.add_option("--threads", cli.threads, "Intra-op compute threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  add_json_flag(app, cli.json_path);
}

void add_json_flag(CLI::App& app, std::string& json_path) {
  app.add_option("--json", json_path, "Also write the results as JSON to this file");
}

namespace {

/// `text` (an item of the list `whole`) read whole by `read` (std::stoi, std::stod); UsageError
/// naming `flag`, saying what was expected, otherwise.
template <typename T, typename Read>
T parse_item(const std::string& text, const std::string& whole, const std::string& flag, const char* expected,
             Read read) {
  std::size_t used = 0;
  T value{};
  try {
    value = read(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size()) {
    throw UsageError(flag + ": '" + text + "' in '" + whole + "' is not " + expected);
  }
  return value;
}

int parse_size(const std::string& text, const std::string& whole, const std::string& flag) {
  return parse_item<int>(text, whole, flag, "a whole number (use 224,288,320 or 224:448:32)",
                         [](const std::string& t, std::size_t* used) { return std::stoi(t, used); });
}

/// Calls `each(item)` for every comma-separated item of `text` (empty items included).
template <typename Each>
void for_each_item(const std::string& text, Each each) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    each(text.substr(start, comma - start));
    start = comma + 1;
  }
}

}  // namespace

std::vector<int> parse_sizes(const std::string& text, const std::string& flag) {
  std::vector<int> sizes;
  for_each_item(text, [&](const std::string& item) {
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
  });
  return sizes;
}

std::vector<double> parse_numbers(const std::string& text, const std::string& flag) {
  std::vector<double> numbers;
  for_each_item(text, [&](const std::string& item) {
    numbers.push_back(parse_item<double>(item, text, flag, "a number (use 0.875,0.95,1.0)",
                                         [](const std::string& t, std::size_t* used) { return std::stod(t, used); }));
  });
  return numbers;
}

}  // namespace fixres::cli
