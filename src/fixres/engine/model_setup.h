#pragma once
/// Shared by every engine (evaluate, extract, sweep, finetune, train): from a torch-free
/// ModelConfig to a ready network, in two steps. resolve_model() is where the config enters the
/// engine and is checked, once: the architecture's registry row (models/registry.h; throws
/// listing the known names), the device, the normalisation (--mean/--std or the weights' own) and
/// the class count. setup_model() then reads only that resolved value:
///   2. the network built on the CPU, with as many classes as the weights' classifier has unless
///      ModelConfig::num_classes says otherwise,
///   3. the weights loaded with the full report (missing, unexpected and mis-shaped keys all at
///      once; strict: any of them is an error naming the file and the architecture),
///   4. moved to the device (and to channels-last when asked), in eval mode,
///   5. the normalisation the weights were trained with, or --mean/--std, and a sentence saying
///      which one is used (also sent to the Reporter).
///
/// ```
///   engine::ResolvedModel model = engine::resolve_model(config);   // bad input throws here
///   engine::ModelSetup setup = engine::setup_model(model, reporter);
///   data::PipelineSpec spec{data::PipelineKind::Test, size, setup.normalization};
///   auto logits = setup.model->forward(batch.images.to(setup.device));
/// ```

#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fixres/data/loader.h"
#include "fixres/data/normalize.h"
#include "fixres/core/model_config.h"
#include "fixres/core/reporter.h"
#include "fixres/models/conv_bn_folding.h"
#include "fixres/models/registry.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::engine {

/// Held while a run seeds torch's global generator and draws from it (weight initialisation), so
/// that runs in concurrent threads (the demo's parallel seeds) each draw their own numbers.
std::mutex& torch_rng_mutex();

/// A ModelConfig as the engine resolved it at its boundary: every later step reads these instead
/// of looking the architecture up or parsing the device again.
struct ResolvedModel {
  ModelConfig config;                              ///< as given (weights, strictness, flags)
  const models::ArchitectureSpec* spec = nullptr;  ///< the registry row (never null)
  /// config.device parsed; sessions replace it by the rank's device (dist::Context::device()).
  torch::Device device = torch::kCPU;
  data::Normalization normalization;               ///< what the pipelines must use
  std::string normalization_note;                  ///< choose_normalization's sentence
  data::TestProtocol protocol;                     ///< the test transform's (the row's, overridden)
  std::string protocol_note;                       ///< choose_protocol's sentence
};

/// Checks `config` (architecture, device, --mean/--std, class count), each once; throws
/// std::invalid_argument naming the flag, std::runtime_error for CUDA asked for but absent.
ResolvedModel resolve_model(const ModelConfig& config);

struct ModelSetup {
  const models::ArchitectureSpec* spec = nullptr;  ///< the registry row (never null after setup)
  std::shared_ptr<models::Classifier> model;       ///< on `device`, eval mode
  torch::Device device = torch::kCPU;
  bool channels_last = false;
  bool fold_batch_norms = true;  ///< ModelConfig::fold_batch_norms
  bool bf16 = false;             ///< --precision bf16: forward passes under AutocastScope
  /// Mean/std the pipelines must use.
  data::Normalization normalization;
  /// "mean 0.485,0.456,0.406 std 0.229,0.224,0.225 (ImageNet's, what ResNet50 weights were
  /// trained with)" or "... (--mean/--std)".
  std::string normalization_note;
  /// The test transform's Resize (test and val_train pipelines) and its sentence.
  data::TestProtocol protocol;
  std::string protocol_note;
  /// What loading the weights found (empty and ok() without weights).
  models::LoadReport load_report;
  /// "random initialisation" or the weight file.
  std::string weights_source;

  /// Images (NCHW float32, CPU) to the model's device and memory format.
  torch::Tensor prepare_input(const torch::Tensor& images) const;
  /// Loader settings that batch images as this network takes them (memory format, pinned memory
  /// for a CUDA device).
  data::LoaderOptions loader_options(std::int64_t batch, int workers, bool strict_images) const;
  /// The test transform a loop uses: `override` (sweep's crop-pct grid) or the model's own.
  const data::TestProtocol& test_protocol(const std::optional<data::TestProtocol>& override) const {
    return override ? *override : protocol;
  }
  /// Elements of every parameter of the network.
  std::int64_t parameter_count() const;
  /// For the scope of an engine loop: the model's frozen conv→batch-norm pairs folded, unless
  /// fold_batch_norms is off (then it folds nothing).
  models::FoldedBatchNorms fold_frozen_batch_norms() const {
    return models::FoldedBatchNorms(*model, fold_batch_norms);
  }
};

/// Parses "cpu", "cuda", "cuda:N"; throws std::invalid_argument for anything else and
/// std::runtime_error when CUDA is asked for but not available in this LibTorch build/machine.
torch::Device parse_device(const std::string& device);

/// Steps 2–5 above on a resolved model. Throws std::runtime_error (file + architecture + full
/// load report) when the weights do not fit.
ModelSetup setup_model(const ResolvedModel& model, const Reporter& reporter = {});
/// resolve_model, then setup_model (for callers that hold a config only).
ModelSetup setup_model(const ModelConfig& config, const Reporter& reporter = {});

/// The normalisation `config` asks for on `spec` (the override when given, else the row's) and
/// the sentence describing it. Both `mean` and `std` must be given together to override.
data::Normalization choose_normalization(const ModelConfig& config, const models::ArchitectureSpec& spec,
                                         std::string* note = nullptr);

/// The test protocol `config` asks for on `spec` (its overrides over the row's) and the sentence
/// describing it ("resize the height to floor(S/0.875), bilinear, centre crop S (FixRes's, the
/// ResNet50 weights' own)"). Throws std::invalid_argument naming the flag for a bad override.
data::TestProtocol choose_protocol(const ModelConfig& config, const models::ArchitectureSpec& spec,
                                   std::string* note = nullptr);

/// Smallest test size the architecture accepts (its spatial reductions must leave ≥ 1 pixel):
/// 32 for the ResNets and EfficientNets, 64 for PNASNet.
int minimum_input_size(const models::ArchitectureSpec& spec);

}  // namespace fixres::engine
