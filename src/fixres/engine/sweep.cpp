#include "fixres/core/sweep.h"

#include <chrono>
#include <set>

#include "fixres/data/image_folder.h"
#include "fixres/engine/bn_recalibration.h"
#include "fixres/engine/inference.h"

namespace fixres::engine {
namespace {

/// First size with the highest top-1 (top-5 breaks ties); sizes are compared as given.
template <typename Get>
int best_of(const std::vector<SweepRow>& rows, Get get) {
  const TopkCounts* best = nullptr;
  int best_size = 0;
  for (const auto& row : rows) {
    const TopkCounts* c = get(row);
    if (!c) continue;
    if (!best || c->top1 > best->top1 || (c->top1 == best->top1 && c->top5 > best->top5) ||
        (c->top1 == best->top1 && c->top5 == best->top5 && row.size < best_size)) {
      best = c;
      best_size = row.size;
    }
  }
  return best_size;
}

}  // namespace

SweepResult sweep(const SweepConfig& config, const Reporter& reporter) {
  if (config.sizes.empty()) throw std::invalid_argument("no test sizes given");
  std::set<int> distinct;
  for (int s : config.sizes) {
    if (!distinct.insert(s).second) throw std::invalid_argument("test size " + std::to_string(s) + " is listed twice");
  }
  const bool calibrate = !config.calibrate_path.empty();
  if (calibrate && config.calibrate_images <= 0) {
    throw std::invalid_argument("--calibrate-path needs --calibrate-images K (a positive number of images)");
  }
  if (!calibrate && config.calibrate_images > 0) {
    throw std::invalid_argument("--calibrate-images needs --calibrate-path DIR");
  }
  // Both folders are scanned before the weights load, so that a wrong path fails fast.
  std::shared_ptr<const data::Dataset> calibration;
  if (calibrate) calibration = std::make_shared<data::ImageFolder>(config.calibrate_path);
  InferenceSession session = open_inference_session(config.model, config.data, config.sizes, reporter);

  SweepResult result;
  result.architecture = session.setup.spec->name;
  result.dataset_size = session.dataset->size();
  result.normalization = session.setup.normalization_note;
  result.test_transform = session.setup.protocol_note;
  result.is_main = session.context->is_main();
  result.world_size = session.context->world_size();

  std::optional<BatchNormSnapshot> stored;
  if (calibrate) {
    const auto layers = adapted_batchnorms(*session.setup.model, session.setup.spec->finetune);
    stored.emplace(layers);
    for (const auto& layer : layers) result.calibrated_layers.push_back(layer.first);
  }

  for (int size : config.sizes) {
    const auto start = std::chrono::steady_clock::now();
    SweepRow row;
    row.size = size;
    InferenceOptions options = inference_options(config.data, size);
    options.phase = "sweep " + std::to_string(size) + "px";
    InferenceResult plain = run_inference(session.setup, session.dataset, options, *session.context, session.reporter);
    row.plain = plain.counts;
    if (result.skipped.empty()) result.skipped = std::move(plain.skipped);

    if (calibrate) {
      RecalibrationOptions recal;
      recal.input_size = size;
      recal.images = config.calibrate_images;
      recal.batch = config.data.batch;
      recal.workers = config.data.workers;
      recal.strict_images = config.data.strict_images;
      RecalibrationResult used = recalibrate_batchnorm(session.setup, calibration, recal, session.reporter);
      result.calibration_images = used.images;
      options.phase = "sweep " + std::to_string(size) + "px recalibrated";
      InferenceResult after =
          run_inference(session.setup, session.dataset, options, *session.context, session.reporter);
      row.calibrated = after.counts;
      stored->restore();
    }
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.rows.push_back(row);
  }
  result.best_size = best_of(result.rows, [](const SweepRow& r) { return &r.plain; });
  if (calibrate) {
    result.best_calibrated_size =
        best_of(result.rows, [](const SweepRow& r) { return r.calibrated ? &*r.calibrated : nullptr; });
  }
  return result;
}

}  // namespace fixres::engine
