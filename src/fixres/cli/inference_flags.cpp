#include "fixres/cli/inference_flags.h"

#include "fixres/cli/command.h"
#include "fixres/cli/dist_options.h"

namespace fixres::cli {

void add_normalization_flags(CLI::App& app, NormalizationFlags& flags) {
  app.add_option("--mean", flags.mean, "Normalisation mean R G B (default: what the weights were trained with)")
      ->expected(3);
  app.add_option("--std", flags.std, "Normalisation std R G B (default: what the weights were trained with)")
      ->expected(3);
  app.add_flag("--channels-last,!--contiguous", flags.channels_last,
               "Memory format of the network's activations: channels-last (default; oneDNN's fast path, ~30% "
               "faster on CPU) or --contiguous (NCHW, as the Python seed)");
  app.add_flag("--fold-bn,!--no-fold-bn", flags.fold_batch_norms,
               "Run each convolution whose batch-norm is frozen with the normalisation folded into its weights "
               "(default; one pass less over every activation map). --no-fold-bn: PyTorch's unfolded arithmetic, "
               "and no second copy of the convolution weights in memory");
}

void add_inference_flags(CLI::App& app, InferenceFlags& flags, int default_input_size) {
  add_model_flags(app, flags.model, /*weights_required=*/true);
  add_data_flags(app, flags.data);
  add_runtime_flags(app, flags.runtime, default_input_size);
  add_normalization_flags(app, flags.normalization);
  add_dist_flags(app, flags.dist);
  add_json_flag(app, flags.json_path);
}

engine::ModelConfig model_config(const ModelFlags& model, const RuntimeFlags& runtime,
                                 const NormalizationFlags& normalization) {
  engine::ModelConfig config;
  config.architecture = model.architecture;
  config.efficientnet_model = model.efficientnet_model;
  config.weight_path = model.weight_path;
  config.strict = !model.non_strict;
  config.device = runtime.device;
  config.channels_last = normalization.channels_last;
  config.fold_batch_norms = normalization.fold_batch_norms;
  if (normalization.mean.empty() != normalization.std.empty()) {
    throw UsageError("--mean and --std go together (three values each)");
  }
  if (!normalization.mean.empty()) {
    config.mean = std::array<float, 3>{normalization.mean[0], normalization.mean[1], normalization.mean[2]};
    config.std = std::array<float, 3>{normalization.std[0], normalization.std[1], normalization.std[2]};
  }
  return config;
}

engine::InferenceDataConfig data_config(const InferenceFlags& flags) {
  engine::InferenceDataConfig config;
  config.dataset_path = flags.data.evaluation_folder();
  config.batch = flags.runtime.batch;
  config.workers = flags.runtime.workers;
  config.strict_images = flags.data.strict_images;
  config.dist = flags.dist;
  return config;
}

nlohmann::json skipped_json(const std::vector<engine::SkippedImageReport>& skipped) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : skipped) list.push_back({{"index", s.index}, {"path", s.path}, {"reason", s.reason}});
  return list;
}

}  // namespace fixres::cli
