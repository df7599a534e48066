#include "fixres/core/sweep.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>

#include "fixres/data/image_folder.h"
#include "fixres/core/format.h"
#include "fixres/engine/bn_recalibration.h"
#include "fixres/engine/flop_count.h"
#include "fixres/engine/inference.h"

namespace fixres::engine {
namespace {

/// Whether `a` beats `b`: higher top-1, then higher top-5, then the smaller size (then the earlier).
bool better(const TopkCounts& a, int a_size, const TopkCounts& b, int b_size) {
  if (a.top1 != b.top1) return a.top1 > b.top1;
  if (a.top5 != b.top5) return a.top5 > b.top5;
  return a_size < b_size;
}

/// The best row among those `get` gives counts for (and `keep` accepts); nullopt if none.
template <typename Get, typename Keep>
std::optional<std::size_t> best_of(const std::vector<SweepRow>& rows, Get get, Keep keep) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const TopkCounts* c = get(rows[i]);
    if (!c || !keep(rows[i])) continue;
    if (!best || better(*c, rows[i].size, *get(rows[*best]), rows[*best].size)) best = i;
  }
  return best;
}

void check_config(const SweepConfig& config) {
  if (config.sizes.empty()) throw std::invalid_argument("no test sizes given");
  std::set<int> distinct;
  for (int s : config.sizes) {
    if (!distinct.insert(s).second) throw std::invalid_argument("test size " + std::to_string(s) + " is listed twice");
  }
  std::set<double> crops;
  for (double p : config.crop_pcts) {
    if (!(p > 0.0 && p <= 1.0)) throw std::invalid_argument("--crop-pcts: every value must be in (0, 1], got " + format_number("%g", p));
    if (!crops.insert(p).second) throw std::invalid_argument("--crop-pcts: " + format_number("%g", p) + " is listed twice");
  }
  if (!config.crop_pcts.empty() && config.model.test_protocol.crop_pct) {
    throw std::invalid_argument("--crop-pcts and --crop-pct exclude each other");
  }
  if (!config.crop_pcts.empty() && config.model.test_protocol.resize_size) {
    throw std::invalid_argument("--crop-pcts and --resize-size exclude each other (a fixed resize has no crop-pct)");
  }
  if (!(config.budget >= 0.0)) throw std::invalid_argument("--budget must be a positive number of images/s");
  const bool calibrate = !config.calibrate_path.empty();
  if (calibrate && config.calibrate_images <= 0) {
    throw std::invalid_argument("--calibrate-path needs --calibrate-images K (a positive number of images)");
  }
  if (!calibrate && config.calibrate_images > 0) {
    throw std::invalid_argument("--calibrate-images needs --calibrate-path DIR");
  }
}

/// The protocols of the grid's crop-pct axis: the model's own, or one per --crop-pcts value.
std::vector<data::TestProtocol> grid_protocols(const SweepConfig& config, const data::TestProtocol& own) {
  if (config.crop_pcts.empty()) return {own};
  std::vector<data::TestProtocol> protocols;
  for (double p : config.crop_pcts) {
    data::TestProtocol protocol = own;
    protocol.crop_pct = p;
    protocols.push_back(protocol);
  }
  return protocols;
}

/// Marks the rows no other row dominates in (plain top-1, images/s).
void mark_pareto_front(std::vector<SweepRow>& rows) {
  for (auto& row : rows) {
    row.pareto = std::none_of(rows.begin(), rows.end(), [&row](const SweepRow& other) {
      const bool as_good = other.plain.top1 >= row.plain.top1 && other.images_per_second >= row.images_per_second;
      const bool better_in_one = other.plain.top1 > row.plain.top1 || other.images_per_second > row.images_per_second;
      return as_good && better_in_one;
    });
  }
}

/// What every cell of the grid shares.
struct SweepRun {
  InferenceSession& session;
  const SweepConfig& config;
  std::shared_ptr<const data::Dataset> calibration;  ///< null: no recalibration
  std::optional<BatchNormSnapshot>& stored;
  SweepResult& result;
};

SweepRow sweep_cell(SweepRun& run, int size, const data::TestProtocol& protocol, double gflops) {
  InferenceSession& session = run.session;
  const auto start = std::chrono::steady_clock::now();
  SweepRow row;
  row.size = size;
  row.protocol = protocol;
  row.gflops = gflops;
  InferenceOptions options = session.options(run.config.data, size);
  options.protocol = protocol;
  const std::string cell = std::to_string(size) + "px" +
                           (run.config.crop_pcts.empty() ? "" : " crop " + format_number("%g", protocol.crop_pct));
  options.phase = "sweep " + cell;
  InferenceResult plain = run_inference(session.setup, session.dataset, options, *session.context, session.reporter);
  row.plain = plain.counts;
  row.real = plain.real;
  row.images_per_second = plain.images_per_second;
  if (run.result.skipped.empty()) run.result.skipped = std::move(plain.skipped);
  if (run.calibration) {
    RecalibrationOptions recal;
    recal.input_size = size;
    recal.images = run.config.calibrate_images;
    recal.batch = run.config.data.batch;
    recal.workers = run.config.data.workers;
    recal.strict_images = run.config.data.strict_images;
    recal.protocol = protocol;
    RecalibrationResult used = recalibrate_batchnorm(session.setup, run.calibration, recal, session.reporter);
    run.result.calibration_images = used.images;
    options.phase = "sweep " + cell + " recalibrated";
    row.calibrated = run_inference(session.setup, session.dataset, options, *session.context, session.reporter).counts;
    run.stored->restore();
  }
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return row;
}

/// Best cells (plain, recalibrated), the Pareto front and the budget's pick.
void summarise(SweepResult& result) {
  auto plain = [](const SweepRow& r) { return &r.plain; };
  auto any = [](const SweepRow&) { return true; };
  result.best_row = *best_of(result.rows, plain, any);
  result.best_size = result.rows[result.best_row].size;
  const auto calibrated = best_of(
      result.rows, [](const SweepRow& r) { return r.calibrated ? &*r.calibrated : nullptr; }, any);
  if (calibrated) result.best_calibrated_size = result.rows[*calibrated].size;
  mark_pareto_front(result.rows);
  if (result.budget > 0.0) {
    const double budget = result.budget;
    result.budget_row =
        best_of(result.rows, plain, [budget](const SweepRow& r) { return r.images_per_second >= budget; });
  }
}

}  // namespace

SweepResult sweep(const SweepConfig& config, const Reporter& reporter) {
  check_config(config);
  // Both folders are scanned before the weights load, so that a wrong path fails fast.
  std::shared_ptr<const data::Dataset> calibration;
  if (!config.calibrate_path.empty()) calibration = std::make_shared<data::ImageFolder>(config.calibrate_path);
  InferenceSession session = open_inference_session(config.model, config.data, config.sizes, reporter);

  SweepResult result;
  result.architecture = session.setup.spec->name;
  result.dataset_size = session.dataset->size();
  result.normalization = session.setup.normalization_note;
  result.test_transform = session.setup.protocol_note;
  result.is_main = session.context->is_main();
  result.world_size = session.context->world_size();
  result.budget = config.budget;
  result.parameters = session.setup.parameter_count();
  std::optional<BatchNormSnapshot> stored;
  if (calibration) {
    const auto layers = adapted_batchnorms(*session.setup.model, session.setup.spec->finetune);
    stored.emplace(layers);
    for (const auto& layer : layers) result.calibrated_layers.push_back(layer.first);
  }
  std::map<int, double> gflops;
  for (int size : config.sizes) gflops[size] = forward_gflops(session.setup, size);
  SweepRun run{session, config, calibration, stored, result};
  for (const data::TestProtocol& protocol : grid_protocols(config, session.setup.protocol)) {
    for (int size : config.sizes) result.rows.push_back(sweep_cell(run, size, protocol, gflops[size]));
  }
  summarise(result);
  return result;
}

}  // namespace fixres::engine
