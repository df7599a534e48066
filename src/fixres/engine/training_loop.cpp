#include "fixres/engine/training_loop.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <cmath>
#include <optional>
#include <random>
#include <stdexcept>

#include "fixres/data/image_folder.h"
#include "fixres/data/loader.h"
#include "fixres/data/rng.h"
#include "fixres/dist/gradient_reducer.h"
#include "fixres/dist/sync_batch_norm.h"
#include "fixres/core/format.h"
#include "fixres/engine/adamw.h"
#include "fixres/engine/autocast.h"
#include "fixres/engine/bn_recalibration.h"
#include "fixres/engine/checkpointing.h"
#include "fixres/engine/inference.h"
#include "fixres/engine/lr_schedule.h"
#include "fixres/engine/mixup.h"
#include "fixres/engine/optimizer.h"
#include "fixres/engine/trunk_cache.h"
#include "fixres/io/atomic_file.h"
#include "fixres/io/folder_lock.h"
#include "fixres/models/conv_bn_folding.h"

namespace fixres::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// torch's generator seed for epoch `epoch` (dropout, drop-path): a function of (seed, epoch)
/// only, so that a resumed run draws what the uninterrupted one drew.
std::uint64_t epoch_seed(std::uint64_t seed, std::int64_t epoch) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(epoch) + 1;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) & ((1ULL << 63) - 1);
}

/// The model's parameters in module.parameters() order, and those that train.
struct ParameterLists {
  std::vector<torch::Tensor> all;
  std::vector<torch::Tensor> trainable;
};

ParameterLists parameter_lists(models::Classifier& model) {
  ParameterLists lists;
  lists.all = model.parameters(/*recurse=*/true);
  for (const auto& p : lists.all) {
    if (p.requires_grad()) lists.trainable.push_back(p);
  }
  TORCH_CHECK(!lists.trainable.empty(), "training: no parameter of the model requires a gradient");
  return lists;
}

InferenceOptions evaluation_options(const TrainingOptions& options, bool strict_images, const std::string& phase) {
  InferenceOptions o;
  o.input_size = validation_size(options);
  o.batch = options.batch;
  o.workers = options.workers;
  o.strict_images = strict_images;
  o.phase = phase;
  return o;
}

}  // namespace

int validation_size(const TrainingOptions& options) {
  if (options.val_size > 0) return options.val_size;
  return options.progressive.enabled() ? options.progressive.end : options.input_size;
}

int epoch_input_size(const TrainingOptions& options, int multiple, std::int64_t epoch) {
  const ProgressiveResize& p = options.progressive;
  if (!p.enabled()) return options.input_size;
  const std::int64_t e = std::min<std::int64_t>(epoch, p.epochs - 1);
  const double exact = p.epochs == 1 ? p.end : p.start + (p.end - p.start) * static_cast<double>(e) / (p.epochs - 1);
  const int rounded = static_cast<int>(std::lround(exact / multiple)) * multiple;
  return std::max(multiple, rounded);
}

int size_multiple(const models::ArchitectureSpec& spec) { return spec.size_multiple > 1 ? spec.size_multiple : 32; }

std::shared_ptr<const data::Dataset> open_train_set(const TrainingData& data) {
  if (data.train_dataset) return data.train_dataset;
  if (data.train_folder.empty()) throw std::invalid_argument("no training images: give --imnet-path ROOT (ROOT/train) or --train-path DIR");
  return std::make_shared<data::ImageFolder>(data.train_folder);
}

std::shared_ptr<const data::Dataset> open_val_set(const TrainingData& data) {
  if (data.val_dataset) return data.val_dataset;
  if (data.val_folder.empty()) return nullptr;
  return std::make_shared<data::ImageFolder>(data.val_folder);
}

double scaled_learning_rate(double base_lr, int batch, int world_size) {
  return 8.0 * base_lr * batch * world_size / 512.0;
}

void check_class_count(const data::Dataset& dataset, std::int64_t outputs, const Reporter& reporter) {
  const std::int64_t classes = dataset.num_classes();
  if (classes > outputs) {
    throw std::runtime_error(dataset.describe() + " has " + std::to_string(classes) + " classes but the classifier has " +
                             std::to_string(outputs) + " outputs; pass --num-classes " + std::to_string(classes) +
                             " to re-initialise the classifier for these classes");
  }
  if (classes < outputs) {
    reporter.message("warning: " + dataset.describe() + " has " + std::to_string(classes) +
                     " classes, the classifier has " + std::to_string(outputs) +
                     " outputs (labels use the first " + std::to_string(classes) + ")");
  }
}

Reporter rank_reporter(const Reporter& reporter, const dist::Context& context) {
  return context.is_main() ? reporter : Reporter{};
}

void check_training_options(const TrainingOptions& o) {
  auto positive = [](long long value, const std::string& flag) {
    if (value <= 0) throw std::invalid_argument(flag + " must be positive, got " + std::to_string(value));
  };
  positive(o.epochs, "--epochs");
  check_loader_settings(o.batch, o.workers);
  if (!(o.learning_rate >= 0.0) || !std::isfinite(o.learning_rate)) {
    throw std::invalid_argument("--learning-rate must be a finite number >= 0, got " + std::to_string(o.learning_rate));
  }
  if (o.eval_every < 0) throw std::invalid_argument("--eval-every must be >= 0, got " + std::to_string(o.eval_every));
  if (o.max_iterations < 0) {
    throw std::invalid_argument("--max-iterations must be >= 0, got " + std::to_string(o.max_iterations));
  }
  if (!o.save_folder.empty() && o.job_id.empty()) throw std::invalid_argument("--job-id must not be empty");
  if (o.val_size < 0) throw std::invalid_argument("--val-size must be positive, got " + std::to_string(o.val_size));
  if (o.optimizer != "sgd" && o.optimizer != "adamw") {
    throw std::invalid_argument("--optimizer: expected sgd or adamw, got '" + o.optimizer + "'");
  }
  if (o.optimizer == "sgd" && o.no_decay_norm_bias.value_or(false)) {
    throw std::invalid_argument("--no-decay-norm-bias needs --optimizer adamw (the seed's SGD has one param group)");
  }
  if (o.weight_decay && !(*o.weight_decay >= 0.0)) {
    throw std::invalid_argument("--weight-decay must be >= 0, got " + std::to_string(*o.weight_decay));
  }
  if (!(o.reprob >= 0.0 && o.reprob <= 1.0)) {
    throw std::invalid_argument("--reprob must be in [0, 1], got " + std::to_string(o.reprob));
  }
  const MixupOptions& m = o.mixup;
  if (!(m.mixup_alpha >= 0.0 && m.cutmix_alpha >= 0.0 && m.mix_prob >= 0.0 && m.mix_prob <= 1.0 &&
        m.switch_prob >= 0.0 && m.switch_prob <= 1.0)) {
    throw std::invalid_argument("--mixup/--cutmix need alpha >= 0 and --mix-prob/--switch-prob in [0, 1]");
  }
  if (o.progressive.enabled() && (o.progressive.start <= 0 || o.progressive.end <= 0)) {
    throw std::invalid_argument("--progressive START:END:EPOCHS: sizes must be positive, got " +
                                std::to_string(o.progressive.start) + ":" + std::to_string(o.progressive.end));
  }
  positive(o.grad_accum_steps, "--grad-accum-steps");
  if (o.model_ema != 0.0 && !(o.model_ema > 0.0 && o.model_ema < 1.0)) {
    throw std::invalid_argument("--model-ema: the decay must be in (0, 1), e.g. 0.9998; got " + std::to_string(o.model_ema));
  }
  if (!(o.label_smoothing >= 0.0 && o.label_smoothing < 1.0)) {
    throw std::invalid_argument("--label-smoothing must be in [0, 1), got " + std::to_string(o.label_smoothing));
  }
  if (!(o.clip_grad >= 0.0) || !std::isfinite(o.clip_grad)) {
    throw std::invalid_argument("--clip-grad must be a finite norm >= 0 (0: off), got " + std::to_string(o.clip_grad));
  }
  lr_schedule(o, o.learning_rate, 1);  // --lr-schedule, --warmup-epochs, --min-lr
}

LrSchedule lr_schedule(const TrainingOptions& o, double scaled_lr, std::int64_t steps_per_epoch) {
  return LrSchedule(LrScheduleOptions(scaled_lr)
                        .kind(o.lr_schedule)
                        .warmup_epochs(o.warmup_epochs)
                        .min_lr(o.min_lr)
                        .epochs(o.epochs)
                        .steps_per_epoch(steps_per_epoch));
}

ModelSetup TrainingSession::setup_model(std::uint64_t seed, std::int64_t num_classes) const {
  ResolvedModel with_classes = model;
  with_classes.config.num_classes = num_classes;
  const std::lock_guard<std::mutex> lock(torch_rng_mutex());
  torch::manual_seed(seed);
  ModelSetup setup = engine::setup_model(with_classes, reporter);
  setup.model->set_image_size(input_size);
  return setup;
}

void TrainingSession::check_classes(std::int64_t outputs) const {
  check_class_count(*train_set, outputs, reporter);
  if (val_set && val_set->num_classes() > outputs) check_class_count(*val_set, outputs, reporter);
}

TrainingSession open_training_session(const ModelConfig& model, const TrainingData& data,
                                      const TrainingOptions& options, const Reporter& reporter) {
  check_training_options(options);
  TrainingSession session;
  session.model = resolve_model(model);
  check_input_size(options.input_size, *session.model.spec);
  check_input_size(validation_size(options), *session.model.spec);
  for (std::int64_t e = 0; e < options.progressive.epochs; ++e) {
    check_input_size(epoch_input_size(options, size_multiple(*session.model.spec), e), *session.model.spec);
  }
  session.input_size = options.progressive.enabled() ? options.progressive.end : options.input_size;
  session.context = dist::init_distributed(options.dist, session.model.device);
  session.model.device = session.context->device();
  session.reporter = rank_reporter(reporter, *session.context);
  session.train_set = open_train_set(data);
  session.val_set = open_val_set(data);
  return session;
}

namespace {

/// Everything an epoch of the loop works with.
struct Loop {
  ModelSetup& setup;
  const TrainingPlan& plan;
  const TrainingOptions& options;
  dist::Context& ctx;
  const Reporter& reporter;
  const CheckpointFolder& folder;
  Optimizer& optimizer;
  dist::GradientReducer& reducer;
  std::unique_ptr<data::Loader> loader;  ///< for the current epoch's training size
  data::LoaderOptions loader_options;
  TrunkCache* trunk = nullptr;     ///< the frozen-trunk cache, when the run uses one
  const LrSchedule* schedule = nullptr;
  ModelEma* ema = nullptr;         ///< --model-ema, updated after every optimiser step
  std::int64_t steps = 0;          ///< iterations per epoch (capped)
  std::int64_t epoch_samples = 0;  ///< images per epoch on this rank (for progress)
  bool sync_checked = false;       ///< --sync-bn verified on the first backward pass
  std::map<std::int64_t, data::SkippedImage> train_skipped{};  ///< this rank's, every loader of the run
};

/// The run's record, filled once before any epoch.
TrainingResult start_result(const ModelSetup& setup, const TrainingPlan& plan, const TrainingOptions& options,
                            const dist::Context& ctx) {
  TrainingResult result;
  result.command = plan.command;
  result.architecture = setup.spec->name;
  result.num_classes = setup.model->num_classes();
  result.input_size = options.input_size;
  result.scaled_lr = scaled_learning_rate(options.learning_rate, options.batch * options.grad_accum_steps,
                                          ctx.world_size());
  result.world_size = ctx.world_size();
  result.seed = options.seed;
  result.is_main = ctx.is_main();
  result.train_images = plan.train_set->size();
  result.val_images = plan.val_set ? plan.val_set->size() : 0;
  result.normalization_note = setup.normalization_note;
  result.weights_source = setup.weights_source;
  return result;
}

/// When the folder holds a checkpoint: restores it into `state`, takes over the record's accuracy
/// before fine-tuning and the epochs done, and returns the next epoch (0 for a fresh run).
std::int64_t resume_run(const CheckpointFolder& folder, const TrainingState& state, const TrainingOptions& options,
                        TrainingResult& result, double& accuracy, const Reporter& reporter) {
  auto resumed = resume_from_checkpoint(folder, result, state);
  if (!resumed) return 0;
  const std::int64_t start_epoch = resumed->next_epoch;
  accuracy = resumed->accuracy;
  if (resumed->record) {
    result.before = resumed->record->before;
    result.epochs = resumed->record->epochs;
    if (static_cast<std::int64_t>(result.epochs.size()) > start_epoch) {
      result.epochs.resize(static_cast<std::size_t>(start_epoch));
    }
  }
  result.resumed_from = resumed->path;
  reporter.message("resuming from " + resumed->path + " at epoch " + std::to_string(start_epoch) + " of " +
                   std::to_string(options.epochs));
  return start_epoch;
}

/// Stops every rank when the loss is NaN/inf on any of them, saying what is left on disk.
void check_finite(const Loop& loop, double loss, std::int64_t epoch, std::int64_t step, double lr) {
  double bad = std::isfinite(loss) ? 0.0 : 1.0;
  if (loop.ctx.is_distributed()) bad = loop.ctx.all_reduce_sum(std::vector<double>{bad}).front();
  if (bad == 0.0) return;
  const std::string last = loop.folder.has_checkpoint()
                               ? "the last good checkpoint, " + loop.folder.latest() + ", is left as it was"
                               : std::string("no checkpoint was written");
  throw std::runtime_error("training diverged: the loss is " +
                           (std::isfinite(loss) ? std::string("not finite on another rank") : format_number("%g", loss)) +
                           " at epoch " + std::to_string(epoch) + ", iteration " + std::to_string(step) + " (lr " +
                           format_number("%g", lr) + "); stopped, " + last + ". Try a lower --learning-rate.");
}

/// --optimizer: the seed's SGD over every parameter, or AdamW with timm's weight-decay groups.
std::unique_ptr<Optimizer> make_optimizer(models::Classifier& model, const std::vector<torch::Tensor>& all,
                                          const TrainingOptions& options, double lr) {
  const bool adamw = options.optimizer == "adamw";
  const double decay = options.weight_decay.value_or(adamw ? 0.05 : 1e-4);
  if (!adamw) {
    return std::make_unique<Sgd>(all, SgdOptions().lr(lr).momentum(0.9).dampening(0.0).weight_decay(decay));
  }
  return std::make_unique<AdamW>(weight_decay_groups(model, decay, options.no_decay_norm_bias.value_or(true)),
                                 AdamWOptions().lr(lr));
}

/// The optimiser step that closes an accumulation group of `batches` batches (--grad-accum-steps;
/// fewer at the end of an epoch, whose gradients are rescaled to a mean over those): gradients
/// averaged over the ranks, clipped when asked, then the SGD update.
void optimizer_step(Loop& loop, std::int64_t batches) {
  const std::int64_t k = loop.options.grad_accum_steps;
  torch::NoGradGuard no_grad;
  if (batches != k) {
    for (auto& param : loop.setup.model->parameters()) {
      if (param.grad().defined()) param.grad().mul_(static_cast<double>(k) / static_cast<double>(batches));
    }
  }
  loop.reducer.reduce();
  if (loop.options.clip_grad > 0.0) {
    std::vector<torch::Tensor> trainable;
    for (auto& param : loop.setup.model->parameters()) {
      if (param.requires_grad() && param.grad().defined()) trainable.push_back(param);
    }
    torch::nn::utils::clip_grad_norm_(trainable, loop.options.clip_grad);
  }
  loop.optimizer.step();
  if (loop.ema) loop.ema->update();
}

/// --mixup/--cutmix: `x` mixed in place and the soft targets, drawn from (seed, epoch, step,
/// rank), so a resumed run draws what the uninterrupted one did.
torch::Tensor mixed_targets(const Loop& loop, torch::Tensor& x, const torch::Tensor& y, std::int64_t epoch,
                            std::int64_t step) {
  const std::int64_t position = step * loop.ctx.world_size() + loop.ctx.rank();
  std::mt19937_64 rng(data::Rng::for_sample(loop.options.seed, epoch, position).next_u64());
  const MixParams params = draw_mix(loop.options.mixup, x.size(2), x.size(3), rng);
  return mix_batch(x, y, params, loop.setup.model->num_classes(), loop.options.label_smoothing);
}

/// One batch: forward, loss, backward (accumulated over --grad-accum-steps batches), and the
/// optimiser step when the group is complete or the epoch ends; returns the batch loss and adds
/// its correct predictions to `correct`.
double train_step(Loop& loop, const data::Batch& batch, std::int64_t epoch, std::int64_t step, double lr,
                  std::int64_t& correct) {
  models::Classifier& model = *loop.setup.model;
  const std::int64_t k = loop.options.grad_accum_steps;
  if (loop.ctx.is_distributed() && !loop.options.dist.sync_bn) loop.ctx.broadcast_buffers(model);
  torch::Tensor y = batch.labels.to(loop.setup.device);
  torch::Tensor targets, logits, loss;
  {
    // --precision bf16: the forward pass and the loss under autocast, the loss on float32 logits.
    const AutocastScope autocast(loop.setup.bf16, loop.setup.device);
    if (loop.trunk) {
      logits = loop.trunk->logits(TrunkCache::Set::Train, batch);
    } else {
      torch::Tensor x = loop.setup.prepare_input(batch.images);
      if (loop.options.mixup.enabled()) targets = mixed_targets(loop, x, y, epoch, step);
      logits = model.forward(x);
    }
    if (logits.scalar_type() != torch::kFloat32) logits = logits.to(torch::kFloat32);
    namespace F = torch::nn::functional;
    loss = targets.defined() ? soft_target_cross_entropy(logits, targets)
                             : F::cross_entropy(logits, y,
                                                F::CrossEntropyFuncOptions().label_smoothing(loop.options.label_smoothing));
  }
  const double loss_value = loss.item<double>();
  check_finite(loop, loss_value, epoch, step, lr);
  if (step % k == 0) loop.optimizer.zero_grad();
  (k > 1 ? loss / static_cast<double>(k) : loss).backward();
  if (!loop.sync_checked && loop.options.dist.sync_bn && loop.ctx.is_distributed()) {
    dist::check_sync_batchnorm_used(model);
    loop.sync_checked = true;
  }
  const bool group_done = (step + 1) % k == 0;
  if (group_done || step + 1 == loop.steps) optimizer_step(loop, group_done ? k : (step % k) + 1);
  torch::NoGradGuard no_grad;
  correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
  return loss_value;
}

/// The epoch's totals over the ranks (loss averaged over iterations, time averaged over ranks).
EpochRecord epoch_totals(dist::Context& ctx, std::int64_t epoch, double lr, double loss_sum,
                         std::int64_t steps, std::int64_t correct, std::int64_t seen, double seconds) {
  const std::vector<double> sums = ctx.all_reduce_sum(std::vector<double>{
      loss_sum, static_cast<double>(steps), static_cast<double>(correct), static_cast<double>(seen), seconds});
  EpochRecord row;
  row.epoch = epoch;
  row.lr = lr;
  row.iterations = steps;
  row.loss = sums[1] > 0 ? sums[0] / sums[1] : 0.0;
  row.images = static_cast<std::int64_t>(sums[3]);
  row.train_top1 = sums[3] > 0 ? 100.0 * sums[2] / sums[3] : 0.0;
  row.seconds = sums[4] / ctx.world_size();
  row.images_per_second = row.seconds > 0 ? static_cast<double>(row.images) / row.seconds : 0.0;
  return row;
}

/// The training skips: reported once, kept for the run's report, and remembered by the
/// frozen-trunk cache.
std::function<void(const data::SkippedImage&)> on_train_skip(Loop& loop) {
  const Reporter& reporter = loop.reporter;
  TrunkCache* trunk = loop.trunk;
  auto* skipped = &loop.train_skipped;
  return [&reporter, trunk, skipped](const data::SkippedImage& s) {
    if (trunk) trunk->store(TrunkCache::Set::Train).mark_skipped(s);
    if (!skipped->emplace(s.index, s).second) return;
    reporter.message("warning: skipped " + s.name + ": " + s.reason);
  };
}

/// The training images skipped during the run, over all ranks, in dataset order (a collective:
/// the training sampler need not visit every image, so the ranks sum per-image flags).
std::vector<SkippedImageReport> train_skipped_report(const Loop& loop) {
  const data::Dataset& dataset = *loop.plan.train_set;
  std::vector<std::int64_t> indices;
  if (loop.ctx.is_distributed()) {
    std::vector<std::int64_t> flags(static_cast<std::size_t>(dataset.size()), 0);
    for (const auto& entry : loop.train_skipped) flags[static_cast<std::size_t>(entry.first)] = 1;
    flags = loop.ctx.all_reduce_sum(flags);
    for (std::size_t i = 0; i < flags.size(); ++i) {
      if (flags[i] > 0) indices.push_back(static_cast<std::int64_t>(i));
    }
  } else {
    for (const auto& entry : loop.train_skipped) indices.push_back(entry.first);
  }
  std::vector<SkippedImageReport> report;
  for (std::int64_t i : indices) {
    const auto it = loop.train_skipped.find(i);
    report.push_back({i, dataset.item_name(i), it != loop.train_skipped.end() ? it->second.reason
                                                                              : std::string("skipped on another rank")});
  }
  return report;
}

/// Epoch `epoch`'s batches from the frozen-trunk cache's store, when it holds (nearly) all of
/// them; null: the loader decodes the epoch.
std::unique_ptr<StoredBatches> stored_pass(Loop& loop, std::int64_t epoch) {
  if (!loop.trunk) return nullptr;
  std::vector<std::int64_t> order = loop.plan.sampler->indices(epoch);
  FeatureStore& store = loop.trunk->store(TrunkCache::Set::Train);
  if (store.stored_fraction(order) < kStoredPassThreshold) return nullptr;
  return std::make_unique<StoredBatches>(store, loop.plan.train_set, loop.loader->pipeline(), loop.loader->options(),
                                         std::move(order), epoch, on_train_skip(loop));
}

/// Trains epoch `epoch` batch by batch at the schedule's learning rate of each step, with progress.
EpochRecord train_one_epoch(Loop& loop, std::int64_t epoch, const std::string& phase) {
  const double lr = loop.schedule->lr_at(epoch, 0);
  double loss_sum = 0.0;
  std::int64_t correct = 0, seen = 0, step = 0;
  const auto start = Clock::now();
  std::unique_ptr<StoredBatches> stored = stored_pass(loop, epoch);
  if (!stored) loop.loader->start_epoch(epoch);
  while (step < loop.steps) {
    auto batch = stored ? stored->next() : loop.loader->next();
    if (!batch) break;
    if (batch->indices.empty()) continue;
    const double step_lr = loop.schedule->lr_at(epoch, step - step % loop.options.grad_accum_steps);
    loop.optimizer.set_lr(step_lr);
    loss_sum += train_step(loop, *batch, epoch, step, step_lr, correct);
    seen += static_cast<std::int64_t>(batch->indices.size());
    ++step;

    Progress progress;
    progress.phase = phase;
    progress.done = seen;
    progress.total = loop.epoch_samples;
    const double elapsed = seconds_since(start);
    progress.items_per_second = elapsed > 0 ? static_cast<double>(seen) / elapsed : 0.0;
    progress.detail = "loss " + format_number("%.4f", loss_sum / static_cast<double>(step));
    loop.reporter.progress(progress);
  }
  EpochRecord row = epoch_totals(loop.ctx, epoch, lr, loss_sum, step, correct, seen, seconds_since(start));
  row.input_size = loop.loader->pipeline().output_size();
  return row;
}

/// Top-1/top-5 on the validation set (test transform at the training size).
/// `skipped`, when given, receives the validation images left out (over all ranks).
TopkCounts evaluate_val(const ModelSetup& setup, const TrainingPlan& plan, const TrainingOptions& options,
                        dist::Context& ctx, const Reporter& reporter, const std::string& phase, TrunkCache* trunk,
                        std::vector<SkippedImageReport>* skipped = nullptr) {
  InferenceOptions o = evaluation_options(options, plan.strict_images, phase);
  // Fine-tuning evaluates the network as the loop holds it (the frozen batch-norms folded by the
  // loop's scope, the layers that adapt left unfolded), so that the frozen-trunk cache and an
  // uncached run compute the same numbers; training from scratch folds everything for the pass.
  o.fold_batch_norms = !plan.frozen_trunk_cache;
  o.trunk = trunk;
  InferenceResult report = run_inference(setup, plan.val_set, o, ctx, reporter);
  if (skipped) *skipped = std::move(report.skipped);
  return report.counts;
}

/// The validation accuracy after epoch `epoch` when it is due (every --eval-every epochs, and
/// after the last); nothing without a validation set.
std::optional<TopkCounts> evaluate_if_due(const Loop& loop, std::int64_t epoch,
                                          std::vector<SkippedImageReport>* skipped) {
  const bool last_epoch = epoch + 1 == loop.options.epochs;
  const bool due = loop.options.eval_every > 0 && (epoch + 1) % loop.options.eval_every == 0;
  if (!loop.plan.val_set || !(last_epoch || due)) return std::nullopt;
  return evaluate_val(loop.setup, loop.plan, loop.options, loop.ctx, loop.reporter, "evaluate", loop.trunk, skipped);
}

void log_epoch(const Reporter& reporter, const std::string& phase, const EpochRecord& row) {
  reporter.message(phase + ": loss " + format_number("%.4f", row.loss) + ", train top-1 " +
                   format_number("%.2f", row.train_top1) + ", lr " + format_number("%g", row.lr) + ", " +
                   format_number("%.1f", row.images_per_second) + " img/s" +
                   (row.val ? ", val top-1 " + format_number("%.2f", row.val->top1_percent()) + " top-5 " +
                                  format_number("%.2f", row.val->top5_percent())
                            : std::string()) +
                   (row.val_ema ? ", EMA top-1 " + format_number("%.2f", row.val_ema->top1_percent()) : std::string()));
}

/// The command's training transform at `size` with the augmentation flags; the flags that only a
/// random transform uses are refused on a deterministic one (finetune --transforms v1).
data::PipelineSpec training_spec(const TrainingPlan& plan, const TrainingOptions& o, int size) {
  data::PipelineSpec spec = plan.train_pipeline;
  spec.size = size;
  spec.erase_prob = o.reprob;
  spec.auto_augment = o.auto_augment;
  if (o.train_crop) spec.train_crop = *o.train_crop;
  if (o.color_jitter) spec.jitter = *o.color_jitter;
  spec.rrc_min_scale = o.rrc_min_scale;
  if (spec.kind == data::PipelineKind::Test && (o.auto_augment.enabled() || o.color_jitter || o.reprob > 0.0)) {
    throw std::invalid_argument(
        "--rand-augment, --trivial-augment, --color-jitter and --reprob augment a random transform, but " + plan.command +
        " uses the deterministic test transform here: add --transforms v2 or --train-crop rrc|simple");
  }
  return spec;
}

/// --progressive: every batch norm's statistics re-estimated at END (the test transform on up to
/// 2,000 training images, as the sweep's recalibration) before the last evaluation and checkpoint.
void recalibrate_after_progressive(Loop& loop) {
  if (all_batchnorms(*loop.setup.model).empty()) return;  // a ViT: nothing to recalibrate
  RecalibrationOptions o;
  o.input_size = loop.options.progressive.end;
  o.images = std::min<std::int64_t>(loop.plan.train_set->size(), 2000);
  o.batch = loop.options.batch;
  o.workers = loop.options.workers;
  o.strict_images = loop.plan.strict_images;
  o.seed = loop.options.seed;
  o.all_layers = true;
  const RecalibrationResult r = recalibrate_batchnorm(loop.setup, loop.plan.train_set, o, loop.reporter);
  loop.reporter.message("batch-norm statistics of " + std::to_string(r.layers.size()) + " layers recalibrated at " +
                        std::to_string(o.input_size) + " px on " + std::to_string(r.images) + " training images");
}

/// The training loader at `size` (a new one when --progressive changes the size).
void open_loader(Loop& loop, int size) {
  if (loop.loader && loop.loader->pipeline().output_size() == size) return;
  const data::PipelineSpec spec = training_spec(loop.plan, loop.options, size);
  loop.loader.reset();  // its worker threads end before the next loader's start
  loop.loader = std::make_unique<data::Loader>(loop.plan.train_set, loop.plan.sampler, data::Pipeline(spec),
                                               loop.loader_options);
  loop.loader->set_on_skip(on_train_skip(loop));
}

/// Iterations per epoch: the loader's batches, capped by the command and by --max-iterations.
std::int64_t steps_per_epoch(const data::Loader& loader, const TrainingPlan& plan, const TrainingOptions& options) {
  const std::int64_t batches = loader.batches_per_epoch();
  const std::int64_t iterations = plan.iteration_cap > 0 ? std::min(batches, plan.iteration_cap) : batches;
  return options.max_iterations > 0 ? std::min(iterations, options.max_iterations) : iterations;
}

/// Where the frozen-trunk cache keeps a set's states, once, after the pass that filled them.
void report_cache_storage(const Loop& loop, TrunkCache::Set set) {
  if (!loop.trunk) return;
  for (const auto& line : loop.trunk->storage_report(set)) loop.reporter.message(line);
}

/// Epoch `epoch` of the run: its generator seed, modes and learning rate, the training pass, the
/// evaluation when due, the log line and the checkpoint; the epoch's row joins the record.
void run_epoch(Loop& loop, const TrainingState& state, std::int64_t epoch, TrainingResult& result, double& accuracy) {
  const TrainingOptions& options = loop.options;
  {
    // Under the lock: reseeding while another run of this process initialises its weights
    // (setup_model) would change that run's initialisation (`fixres demo`'s side-by-side runs).
    const std::lock_guard<std::mutex> lock(torch_rng_mutex());
    torch::manual_seed(epoch_seed(options.seed, epoch));
  }
  loop.plan.set_train_mode(*loop.setup.model);
  open_loader(loop, epoch_input_size(options, size_multiple(*loop.setup.spec), epoch));
  std::string phase = "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs);
  if (options.progressive.enabled()) phase += " at " + std::to_string(loop.loader->pipeline().output_size()) + " px";

  EpochRecord row = train_one_epoch(loop, epoch, phase);
  report_cache_storage(loop, TrunkCache::Set::Train);
  if (options.progressive.enabled() && epoch + 1 == options.epochs) recalibrate_after_progressive(loop);
  row.val = evaluate_if_due(loop, epoch, &result.val_skipped);
  report_cache_storage(loop, TrunkCache::Set::Val);
  if (row.val && loop.ema) {
    const ModelEma::Swap average(*loop.ema);
    row.val_ema = evaluate_val(loop.setup, loop.plan, options, loop.ctx, loop.reporter, "evaluate EMA", loop.trunk);
    if (epoch + 1 == options.epochs) result.after_ema = row.val_ema;
  }
  if (row.val) {
    accuracy = static_cast<double>(row.val->top1) / static_cast<double>(std::max<std::int64_t>(1, row.val->images));
    if (epoch + 1 == options.epochs) result.after = row.val;
  }
  result.epochs.push_back(row);
  log_epoch(loop.reporter, phase, row);
  if (loop.folder.enabled() && loop.ctx.is_main()) save_checkpoint(loop.folder, epoch, accuracy, state, result);
}

/// Training images per second over the epochs this run trained (all ranks).
double run_throughput(const TrainingResult& result) {
  double images = 0.0, seconds = 0.0;
  for (const auto& row : result.epochs) {
    if (row.epoch < result.start_epoch) continue;
    images += static_cast<double>(row.images);
    seconds += row.seconds;
  }
  return seconds > 0 ? images / seconds : 0.0;
}

}  // namespace

TrainingResult run_training(ModelSetup& setup, const TrainingPlan& plan, const TrainingOptions& options,
                            const std::shared_ptr<dist::Context>& context, const Reporter& reporter) {
  models::Classifier& model = *setup.model;
  dist::Context& ctx = *context;
  TrainingResult result = start_result(setup, plan, options, ctx);
  const data::PipelineSpec first_spec = training_spec(plan, options, options.input_size);
  reporter.message("training transform: " + data::Pipeline(first_spec).describe());

  const CheckpointFolder folder(options.save_folder, options.job_id);
  result.checkpoint_folder = folder.dir();
  // Refuse an unwritable folder, or one another run is writing, before any long computation.
  std::optional<io::FolderLock> lock;
  if (folder.enabled() && ctx.is_main()) {
    io::ensure_writable_directory(folder.dir());
    lock.emplace(folder.dir());
    if (const int stale = io::remove_stale_temporaries(folder.dir())) {
      reporter.message("removed " + std::to_string(stale) + " partial checkpoint file(s) a killed run left in " +
                       folder.dir());
    }
  }

  ParameterLists params = parameter_lists(model);
  const std::unique_ptr<Optimizer> owned_optimizer = make_optimizer(model, params.all, options, result.scaled_lr);
  Optimizer& optimizer = *owned_optimizer;
  const StepLr scheduler(StepLrOptions(result.scaled_lr).step_size(30).gamma(0.1));
  std::optional<ModelEma> ema;
  if (options.model_ema > 0.0) ema.emplace(model, options.model_ema);
  const TrainingState state{model, optimizer, scheduler, ema ? &*ema : nullptr};
  double accuracy = 0.0;
  result.start_epoch = resume_run(folder, state, options, result, accuracy, reporter);

  // Distributed: --sync-bn modules, rank 0's weights everywhere, gradient averaging.
  if (options.dist.sync_bn && ctx.is_distributed()) dist::use_sync_batch_norm(model, context);
  ctx.broadcast_module(model);
  dist::GradientReducer reducer(context, params.trainable);

  // The frozen part of the network (fine-tuning: all but the classifier and the layers in train
  // mode, the same every epoch) runs with its batch-norms folded, for the whole run: no step
  // changes what is folded.
  plan.set_train_mode(model);
  const models::FoldedBatchNorms folded = setup.fold_frozen_batch_norms();
  const std::unique_ptr<TrunkCache> trunk =
      open_trunk_cache(setup, plan, options, first_spec, reporter);
  if (plan.evaluate_before && plan.val_set && result.start_epoch == 0) {
    result.before = evaluate_val(setup, plan, options, ctx, reporter, "before", trunk.get(), &result.val_skipped);
  }

  Loop loop{setup, plan, options, ctx, reporter, folder, optimizer, reducer, nullptr,
            setup.loader_options(options.batch, options.workers, plan.strict_images)};
  loop.trunk = trunk.get();
  loop.loader_options.seed = options.seed;
  open_loader(loop, epoch_input_size(options, size_multiple(*setup.spec), result.start_epoch));
  loop.steps = steps_per_epoch(*loop.loader, plan, options);
  // The schedule counts optimiser steps as the loader's batches (an accumulation group uses the
  // LR of its first batch).
  const LrSchedule schedule = lr_schedule(options, result.scaled_lr, loop.steps);
  loop.schedule = &schedule;
  loop.ema = state.ema;
  loop.epoch_samples = std::min(loop.loader->samples_per_epoch(), loop.steps * options.batch);

  for (std::int64_t epoch = result.start_epoch; epoch < options.epochs; ++epoch) {
    run_epoch(loop, state, epoch, result, accuracy);
  }

  // Nothing left to train (a finished run restarted): report the accuracy of what it holds.
  if (!result.after && plan.val_set && result.start_epoch >= options.epochs) {
    result.after = evaluate_val(setup, plan, options, ctx, reporter, "evaluate", trunk.get(), &result.val_skipped);
  }
  result.train_skipped = train_skipped_report(loop);
  result.train_images_per_second = run_throughput(result);
  return result;
}

}  // namespace fixres::engine
