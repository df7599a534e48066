#include "fixres/engine/model_setup.h"

#include <stdexcept>

#include "fixres/core/format.h"
#include "fixres/core/precision.h"
#include "fixres/io/state_dict.h"
#include "fixres/models/load_weights.h"

namespace fixres::engine {
namespace {

bool same(const std::array<float, 3>& a, const std::array<float, 3>& b) { return a == b; }

/// Rows of the classifier's weight in `weights` ("fc.weight" …), 0 when absent or not 2-D.
std::int64_t classifier_rows(const io::StateDict& weights, const std::string& classifier_name) {
  const std::string key = classifier_name + ".weight";
  for (const auto& [name, tensor] : weights) {
    if (name == key && tensor.shape.size() == 2) return tensor.shape[0];
  }
  return 0;
}

/// Parameters (and 4-D buffers) in channels-last format, as module.to(memory_format=...) does.
void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

}  // namespace

data::LoaderOptions ModelSetup::loader_options(std::int64_t batch, int workers, bool strict_images) const {
  data::LoaderOptions options;
  options.batch_size = batch;
  options.workers = workers;
  options.channels_last = channels_last;
  options.pin_memory = device.is_cuda();
  options.strict = strict_images;
  return options;
}

std::int64_t ModelSetup::parameter_count() const {
  std::int64_t count = 0;
  for (const auto& p : model->parameters()) count += p.numel();
  return count;
}

torch::Tensor ModelSetup::prepare_input(const torch::Tensor& images) const {
  torch::Tensor x = images.to(device, /*non_blocking=*/device.is_cuda());
  if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  return x;
}

torch::Device parse_device(const std::string& device) {
  const bool looks_valid = device == "cpu" || device == "cuda" || device.rfind("cuda:", 0) == 0;
  if (!looks_valid) {
    throw std::invalid_argument("--device: expected cpu, cuda or cuda:N, got '" + device + "'");
  }
  torch::Device parsed = torch::kCPU;
  try {
    parsed = torch::Device(device);
  } catch (const std::exception&) {
    throw std::invalid_argument("--device: expected cpu, cuda or cuda:N, got '" + device + "'");
  }
  if (parsed.is_cuda()) {
    if (!torch::cuda::is_available()) {
      throw std::runtime_error("--device " + device +
                               ": CUDA is not available (this LibTorch build or machine has no GPU); use --device cpu");
    }
    const auto count = static_cast<int>(torch::cuda::device_count());
    if (parsed.has_index() && parsed.index() >= count) {
      throw std::runtime_error("--device " + device + ": only " + std::to_string(count) + " CUDA device(s) present");
    }
  }
  return parsed;
}

data::Normalization choose_normalization(const ModelConfig& config, const models::ArchitectureSpec& spec,
                                         std::string* note) {
  if (config.mean.has_value() != config.std.has_value()) {
    throw std::invalid_argument("--mean and --std must be given together");
  }
  data::Normalization norm;
  std::string origin;
  if (config.mean) {
    norm.mean = *config.mean;
    norm.std = *config.std;
    for (float s : norm.std) {
      if (!(s > 0.0f)) throw std::invalid_argument("--std: every value must be positive, got " + format_triplet(norm.std));
    }
    origin = "--mean/--std";
  } else {
    norm.mean = spec.mean;
    norm.std = spec.std;
    const data::Normalization imagenet = data::Normalization::imagenet();
    const data::Normalization half = data::Normalization::half();
    std::string which = "the weights' own";
    if (same(norm.mean, imagenet.mean) && same(norm.std, imagenet.std)) which = "ImageNet's";
    if (same(norm.mean, half.mean) && same(norm.std, half.std)) which = "0.5/0.5";
    origin = which + ", what " + spec.name + " weights were trained with";
  }
  if (note) *note = "mean " + format_triplet(norm.mean) + " std " + format_triplet(norm.std) + " (" + origin + ")";
  return norm;
}

data::TestProtocol choose_protocol(const ModelConfig& config, const models::ArchitectureSpec& spec, std::string* note) {
  const data::TestProtocol protocol = data::apply_overrides(spec.protocol, config.test_protocol);
  if (note) {
    const std::string origin = config.test_protocol.any() ? "flags over the " + spec.name + " weights' own"
                                                          : "the " + spec.name + " weights' own";
    *note = protocol.describe() + " (" + origin + ")";
  }
  return protocol;
}

int minimum_input_size(const models::ArchitectureSpec& spec) {
  // One position of the last feature map before the global pooling.
  return spec.total_stride;
}

ResolvedModel resolve_model(const ModelConfig& config) {
  ResolvedModel model;
  model.config = config;
  model.spec = &models::find_architecture(config.architecture, config.efficientnet_model);
  model.device = parse_device(config.device);
  check_precision(config.precision, config.device);
  model.normalization = choose_normalization(config, *model.spec, &model.normalization_note);
  model.protocol = choose_protocol(config, *model.spec, &model.protocol_note);
  if (config.num_classes < 0) {
    throw std::invalid_argument("--num-classes must be positive, got " + std::to_string(config.num_classes));
  }
  return model;
}

namespace {

/// The network of `model` with as many classes as asked for, or as the weights' classifier has.
std::shared_ptr<models::Classifier> build_network(const ResolvedModel& model, const io::StateDict& weights,
                                                  const Reporter& reporter) {
  const ModelConfig& config = model.config;
  models::ModelOptions options;
  options.efficientnet_model = config.efficientnet_model;
  options.num_classes = config.num_classes > 0 ? config.num_classes : 1000;
  options.drop_path_rate = config.drop_path_rate;
  std::shared_ptr<models::Classifier> network = model.spec->build(options);
  if (config.num_classes == 0 && !weights.empty()) {
    const std::int64_t rows = classifier_rows(weights, network->classifier_name());
    if (rows > 0 && rows != network->num_classes()) {
      network->reset_classifier(rows);
      reporter.message("classifier: " + std::to_string(rows) + " classes (from " + config.weight_path + ")");
    }
  }
  return network;
}

}  // namespace

std::mutex& torch_rng_mutex() {
  static std::mutex m;
  return m;
}

ModelSetup setup_model(const ResolvedModel& model, const Reporter& reporter) {
  const ModelConfig& config = model.config;
  ModelSetup setup;
  setup.spec = model.spec;
  setup.device = model.device;
  setup.normalization = model.normalization;
  setup.normalization_note = model.normalization_note;
  setup.protocol = model.protocol;
  setup.protocol_note = model.protocol_note;

  io::StateDict weights;
  if (!config.weight_path.empty()) {
    weights = config.use_ema ? io::read_state_dict(config.weight_path, "model_ema") : io::read_state_dict(config.weight_path);
  }
  setup.model = build_network(model, weights, reporter);

  if (config.weight_path.empty()) {
    setup.weights_source = "random initialisation";
  } else {
    setup.weights_source = config.weight_path;
    const std::size_t shown = config.verbose ? 0 : models::LoadReport::kShownKeys;  // keys named per kind
    setup.load_report = models::load_weights(*setup.model, weights,
                                             config.weight_path + ": weights do not fit architecture " +
                                                 setup.spec->name + " (" + setup.spec->description + ")",
                                             config.strict, shown);
    if (!setup.load_report.ok()) {
      reporter.message("warning: " + config.weight_path + " loaded partially into " + setup.spec->name + ": " +
                       setup.load_report.describe(shown));
    }
  }

  setup.model->to(setup.device);
  setup.channels_last = config.channels_last;
  setup.fold_batch_norms = config.fold_batch_norms;
  setup.bf16 = config.precision == "bf16";
  if (config.channels_last) to_channels_last(*setup.model);
  setup.model->eval();
  reporter.message("normalisation: " + setup.normalization_note + "; test transform: " + setup.protocol_note);
  return setup;
}

ModelSetup setup_model(const ModelConfig& config, const Reporter& reporter) {
  return setup_model(resolve_model(config), reporter);
}

}  // namespace fixres::engine
