#include "fixres/engine/bn_recalibration.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

#include "fixres/models/finetune_policy.h"
#include "fixres/data/loader.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/sampler.h"
#include "fixres/models/conv_bn_folding.h"

namespace fixres::engine {
namespace {

/// A fixed list of indices, the same every epoch.
class FixedSampler : public data::Sampler {
 public:
  explicit FixedSampler(std::vector<std::int64_t> indices) : indices_(std::move(indices)) {}
  std::vector<std::int64_t> indices(std::int64_t /*epoch*/) const override { return indices_; }
  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }

 private:
  std::vector<std::int64_t> indices_;
};

using NamedBatchNorms = std::vector<std::pair<std::string, models::BatchNorm2d>>;

/// The BatchNorm2d modules at or below `root` (named from `path`), each once across calls.
void collect_batchnorms(const torch::nn::Module& root, const std::string& path, std::set<const torch::nn::Module*>& seen,
                        NamedBatchNorms& layers) {
  for (const auto& item : root.named_modules(path)) {
    auto bn = std::dynamic_pointer_cast<models::BatchNorm2dImpl>(item.value());
    if (bn && seen.insert(bn.get()).second) layers.emplace_back(item.key(), models::BatchNorm2d(bn));
  }
}

}  // namespace

NamedBatchNorms adapted_batchnorms(torch::nn::Module& model, const models::FinetunePolicy& policy) {
  NamedBatchNorms layers;
  std::set<const torch::nn::Module*> seen;
  for (const auto& path : policy.train_mode) collect_batchnorms(*models::find_module(model, path), path, seen, layers);
  return layers;
}

NamedBatchNorms all_batchnorms(torch::nn::Module& model) {
  NamedBatchNorms layers;
  std::set<const torch::nn::Module*> seen;
  collect_batchnorms(model, "", seen, layers);
  return layers;
}

BatchNormSnapshot::BatchNormSnapshot(const std::vector<std::pair<std::string, models::BatchNorm2d>>& layers) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, layer] : layers) {
    (void)name;
    saved_.push_back({layer, layer->running_mean.clone(), layer->running_var.clone(),
                      layer->num_batches_tracked.clone(), layer->options.momentum()});
  }
}

void BatchNormSnapshot::restore() const {
  torch::NoGradGuard no_grad;
  for (const auto& s : saved_) {
    models::BatchNorm2d layer = s.layer;  // the holder's copy gives non-const access
    layer->running_mean.copy_(s.running_mean);
    layer->running_var.copy_(s.running_var);
    layer->num_batches_tracked.copy_(s.num_batches_tracked);
    layer->options.momentum(s.momentum);
  }
}

RecalibrationResult recalibrate_batchnorm(const ModelSetup& setup, std::shared_ptr<const data::Dataset> images,
                                          const RecalibrationOptions& options, const Reporter& reporter) {
  TORCH_CHECK(setup.model && setup.spec, "recalibrate_batchnorm: no model");
  if (options.images <= 0) {
    throw std::invalid_argument("--calibrate-images must be positive, got " + std::to_string(options.images));
  }
  auto layers = options.all_layers ? all_batchnorms(*setup.model) : adapted_batchnorms(*setup.model, setup.spec->finetune);
  if (layers.empty()) {
    throw std::runtime_error(setup.spec->name + ": its FixRes fine-tuning policy adapts no batch-norm layer");
  }
  RecalibrationResult result;
  for (const auto& layer : layers) result.layers.push_back(layer.first);

  const std::int64_t n = images->size();
  std::vector<std::int64_t> chosen = data::seeded_randperm(n, options.seed);
  chosen.resize(static_cast<std::size_t>(std::min(n, options.images)));

  data::PipelineSpec pipeline_spec;
  pipeline_spec.kind = data::PipelineKind::Test;
  pipeline_spec.size = options.input_size;
  pipeline_spec.normalization = setup.normalization;
  pipeline_spec.protocol = setup.test_protocol(options.protocol);
  data::Loader loader(images, std::make_shared<FixedSampler>(chosen), data::Pipeline(pipeline_spec),
                      setup.loader_options(options.batch, options.workers, options.strict_images));

  torch::NoGradGuard no_grad;
  std::vector<c10::optional<double>> momenta;
  for (auto& [name, layer] : layers) {
    (void)name;
    momenta.push_back(layer->options.momentum());
    layer->options.momentum(c10::nullopt);
    layer->reset_running_stats();
  }
  setup.model->eval();
  for (auto& layer : layers) layer.second->train(true);

  // Back to eval mode and the layers' own momentum, keeping the new statistics.
  auto finish = [&] {
    setup.model->eval();
    for (std::size_t i = 0; i < layers.size(); ++i) layers[i].second->options.momentum(momenta[i]);
  };
  const auto start = std::chrono::steady_clock::now();
  loader.start_epoch(0);
  try {
    const models::FoldedBatchNorms folded = setup.fold_frozen_batch_norms();  // all but the recalibrated
    while (auto batch = loader.next()) {
      if (batch->indices.empty()) continue;
      setup.model->forward_features(setup.prepare_input(batch->images));
      result.images += static_cast<std::int64_t>(batch->indices.size());
      ++result.batches;
      Progress progress;
      progress.phase = "recalibrate " + std::to_string(options.input_size) + "px";
      progress.done = result.images;
      progress.total = static_cast<std::int64_t>(chosen.size());
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.items_per_second = elapsed > 0 ? static_cast<double>(result.images) / elapsed : 0.0;
      reporter.progress(progress);
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.images == 0) {
    throw std::runtime_error(images->describe() + ": none of the " + std::to_string(chosen.size()) +
                             " calibration images could be read");
  }
  return result;
}

}  // namespace fixres::engine
