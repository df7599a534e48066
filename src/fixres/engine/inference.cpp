#include "fixres/engine/inference.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <limits>
#include <unordered_map>

#include "fixres/data/class_mapping.h"
#include "fixres/data/image_folder.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/real_labels.h"
#include "fixres/data/sampler.h"
#include "fixres/engine/autocast.h"
#include "fixres/engine/trunk_cache.h"
#include "fixres/models/conv_bn_folding.h"

namespace fixres::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The sampler of one rank: DistributedSampler(shuffle=False) semantics when distributed.
std::shared_ptr<const data::Sampler> make_sampler(std::int64_t n, const dist::Context& context) {
  if (!context.is_distributed()) return std::make_shared<data::SequentialSampler>(n);
  data::DistributedOptions options;
  options.world_size = context.world_size();
  options.rank = context.rank();
  options.shuffle = false;
  return std::make_shared<data::DistributedSampler>(n, options);
}

/// Whether this rank counts row `index`: DistributedSampler's padding repeats indices 0, 1, … at
/// the end of the list; the first occurrence of index i sits at position i, i.e. on rank
/// i % world, so counting only those rows counts every image exactly once.
bool owns(std::int64_t index, const dist::Context& context) {
  return !context.is_distributed() || index % context.world_size() == context.rank();
}

/// ReaL top-1/top-5 of the owned rows that have labels: a hit when any of the k best is one.
TopkCounts count_real(const torch::Tensor& scores, const std::vector<std::int64_t>& indices,
                      const std::vector<std::vector<std::int64_t>>& real, const dist::Context& context) {
  TopkCounts counts;
  const torch::Tensor top = std::get<1>(scores.topk(std::min<std::int64_t>(5, scores.size(1)), 1)).contiguous();
  auto best = top.accessor<std::int64_t, 2>();
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const auto& labels = real[static_cast<std::size_t>(indices[r])];
    if (labels.empty() || !owns(indices[r], context)) continue;
    ++counts.images;
    auto hit = [&](std::int64_t k) {
      for (std::int64_t j = 0; j < k && j < top.size(1); ++j) {
        if (std::find(labels.begin(), labels.end(), best[static_cast<std::int64_t>(r)][j]) != labels.end()) return true;
      }
      return false;
    };
    counts.top1 += hit(1);
    counts.top5 += hit(5);
  }
  return counts;
}

/// The columns of `columns` outputs that a subset dataset (sorted `subset`) does not hold.
torch::Tensor absent_classes(const std::vector<std::int64_t>& subset, std::int64_t columns) {
  std::vector<std::int64_t> absent;
  for (std::int64_t c = 0; c < columns; ++c) {
    if (!std::binary_search(subset.begin(), subset.end(), c)) absent.push_back(c);
  }
  return torch::tensor(absent, torch::kInt64);
}

/// The scores top-k ranks: a subset dataset's classes only (the `absent` columns at -inf; none
/// when `absent` is undefined).
torch::Tensor restrict_to_subset(const torch::Tensor& scores, const torch::Tensor& absent) {
  if (!absent.defined()) return scores;
  return scores.index_fill(1, absent, -std::numeric_limits<float>::infinity());
}

/// Top-k counts of the rows this rank owns (see owns()).
TopkCounts count_owned(const torch::Tensor& logits, const torch::Tensor& labels,
                       const std::vector<std::int64_t>& indices, const dist::Context& context) {
  const std::int64_t rows = logits.size(0);
  const std::int64_t cols = logits.size(1);
  if (!context.is_distributed()) {
    return count_topk(logits.data_ptr<float>(), rows, cols, labels.data_ptr<std::int64_t>());
  }
  std::vector<std::int64_t> keep;
  for (std::int64_t r = 0; r < rows; ++r) {
    if (owns(indices[static_cast<std::size_t>(r)], context)) keep.push_back(r);
  }
  if (static_cast<std::int64_t>(keep.size()) == rows) {
    return count_topk(logits.data_ptr<float>(), rows, cols, labels.data_ptr<std::int64_t>());
  }
  if (keep.empty()) return {};
  auto rows_kept = torch::tensor(keep, torch::kInt64);
  torch::Tensor l = logits.index_select(0, rows_kept).contiguous();
  torch::Tensor y = labels.index_select(0, rows_kept).contiguous();
  return count_topk(l.data_ptr<float>(), l.size(0), cols, y.data_ptr<std::int64_t>());
}

/// Per-rank buffers of extract: one row per sampler position, skipped positions stay zero.
struct Collector {
  std::vector<std::int64_t> order;  // dataset index of each local position
  std::size_t cursor = 0;           // next local position to match
  torch::Tensor softmax, embedding;
  torch::Tensor ok;                 // local positions × 1, 1 when the image was processed

  void add(const torch::Tensor& probabilities, const torch::Tensor& embed, const std::vector<std::int64_t>& indices) {
    const auto n = static_cast<std::int64_t>(order.size());
    if (!softmax.defined()) {
      softmax = torch::zeros({n, probabilities.size(1)}, torch::kFloat32);
      ok = torch::zeros({n, 1}, torch::kFloat32);
      if (embed.defined()) embedding = torch::zeros({n, embed.size(1)}, torch::kFloat32);
    }
    auto ok_rows = ok.accessor<float, 2>();
    for (std::size_t r = 0; r < indices.size(); ++r) {
      // Batches arrive in sampler order; skipped images only remove rows.
      while (cursor < order.size() && order[cursor] != indices[r]) ++cursor;
      TORCH_CHECK(cursor < order.size(), "inference: batch index ", indices[r], " not in the sampler's order");
      const auto pos = static_cast<std::int64_t>(cursor++);
      softmax[pos].copy_(probabilities[static_cast<std::int64_t>(r)]);
      if (embed.defined()) embedding[pos].copy_(embed[static_cast<std::int64_t>(r)]);
      ok_rows[pos][0] = 1.0f;
    }
  }
};

}  // namespace

void check_input_size(int size, const models::ArchitectureSpec& spec) {
  if (size <= 0) {
    throw std::invalid_argument("--input-size: the image size must be positive, got " + std::to_string(size));
  }
  constexpr int kLargest = 4096;
  if (size > kLargest) {
    throw std::invalid_argument("--input-size: " + std::to_string(size) + " pixels is larger than the supported " +
                                std::to_string(kLargest));
  }
  if (spec.size_multiple > 1 && size % spec.size_multiple != 0) {
    throw std::invalid_argument("test size " + std::to_string(size) + " is not a multiple of " + spec.name +
                                "'s patch size " + std::to_string(spec.size_multiple) + " (try " +
                                std::to_string(size / spec.size_multiple * spec.size_multiple) + " or " +
                                std::to_string((size / spec.size_multiple + 1) * spec.size_multiple) + ")");
  }
  const int minimum = minimum_input_size(spec);
  if (size < minimum) {
    throw std::invalid_argument("test size " + std::to_string(size) + " is too small for " + spec.name +
                                " (it reduces images " + std::to_string(spec.total_stride) +
                                " times before pooling; minimum " + std::to_string(minimum) + ")");
  }
}

void check_loader_settings(std::int64_t batch, int workers) {
  if (batch <= 0) throw std::invalid_argument("--batch must be positive, got " + std::to_string(batch));
  if (workers < 0) throw std::invalid_argument("--workers must be >= 0, got " + std::to_string(workers));
}

InferenceSession open_inference_session(const ModelConfig& model, const InferenceDataConfig& data,
                                        const std::vector<int>& sizes, const Reporter& reporter) {
  ResolvedModel resolved = resolve_model(model);
  for (int size : sizes) check_input_size(size, *resolved.spec);
  check_loader_settings(data.batch, data.workers);
  if (data.dataset_path.empty()) throw std::invalid_argument("no dataset folder given");

  InferenceSession session;
  session.dataset = std::make_shared<data::ImageFolder>(data.dataset_path, data.labels);
  if (!data.labels.real_labels.empty()) {
    session.real_labels = data::real_labels_for(*session.dataset, data.labels.real_labels);
  }
  session.context = dist::init_distributed(data.dist, resolved.device);
  resolved.device = session.context->device();
  if (session.context->is_main()) session.reporter = reporter;
  session.setup = setup_model(resolved, session.reporter);
  // Labels other than torchvision's (numeric folders, an ImageNet-1k subset, a class map) are said.
  const std::string labels = session.dataset->label_convention();
  if (labels != data::kSortedFolders) session.reporter.message("labels: " + labels);
  return session;
}

InferenceRunReport run_report(const InferenceSession& session, const InferenceOptions& options, InferenceResult&& run) {
  InferenceRunReport report;
  report.architecture = session.setup.spec->name;
  report.input_size = options.input_size;
  report.counts = run.counts;
  report.seconds = run.seconds;
  report.images_per_second = run.images_per_second;
  report.normalization = session.setup.normalization_note;
  report.test_transform = session.setup.protocol_note;
  report.protocol = session.setup.test_protocol(options.protocol);
  report.tta_flip = options.tta_flip;
  report.labels = session.dataset->label_convention();
  report.real = run.real;
  report.parameters = session.setup.parameter_count();
  report.skipped = std::move(run.skipped);
  report.is_main = session.context->is_main();
  report.world_size = session.context->world_size();
  return report;
}

InferenceOptions InferenceSession::options(const InferenceDataConfig& data, int size) const {
  InferenceOptions o = inference_options(data, size);
  if (!data.labels.real_labels.empty()) o.real_labels = &real_labels;
  return o;
}

InferenceOptions inference_options(const InferenceDataConfig& data, int size) {
  InferenceOptions options;
  options.input_size = size;
  options.batch = data.batch;
  options.workers = data.workers;
  options.strict_images = data.strict_images;
  options.tta_flip = data.tta_flip;
  return options;
}

namespace {

/// One batch through the network: logits (and embeddings, softmax rows when asked) on the CPU.
struct ForwardOutput {
  torch::Tensor logits, embedding, probabilities;
};

/// The network on one input batch (on the device): logits, and embeddings when asked.
std::pair<torch::Tensor, torch::Tensor> run_network(const ModelSetup& setup, const torch::Tensor& x, bool embeddings) {
  if (!embeddings) return {setup.model->forward(x), torch::Tensor()};
  auto both = setup.model->forward_with_embedding(x);
  return {both.logits, both.embedding};
}

torch::Tensor to_cpu_float(const torch::Tensor& t) {
  return t.defined() ? t.to(torch::kCPU, torch::kFloat32).contiguous() : t;
}

ForwardOutput forward_batch(const ModelSetup& setup, const torch::Tensor& images, const InferenceOptions& options) {
  torch::Tensor x = setup.prepare_input(images);
  auto [logits, embedding] = run_network(setup, x, options.embeddings);
  ForwardOutput out;
  if (!options.tta_flip) {
    if (options.collect) out.probabilities = to_cpu_float(torch::softmax(logits, 1));
    out.logits = to_cpu_float(logits);
    out.embedding = to_cpu_float(embedding);
    return out;
  }
  // The mirror of the test crop: the width axis (dim 3 of N x C x H x W in either memory format).
  auto [mirror_logits, mirror_embedding] = run_network(setup, x.flip({3}), options.embeddings);
  out.probabilities = to_cpu_float((torch::softmax(logits, 1) + torch::softmax(mirror_logits, 1)) * 0.5);
  out.logits = out.probabilities;  // top-k of the mean softmax
  if (options.embeddings) out.embedding = to_cpu_float((embedding + mirror_embedding) * 0.5);
  return out;
}

double rate(std::int64_t items, double seconds) { return seconds > 0 ? static_cast<double>(items) / seconds : 0.0; }

void report_progress(const Reporter& reporter, const std::string& phase, std::int64_t done, std::int64_t total,
                     double items_per_second) {
  Progress progress;
  progress.phase = phase;
  progress.done = done;
  progress.total = total;
  progress.items_per_second = items_per_second;
  reporter.progress(progress);
}

/// The skipped images over all ranks, in dataset order: the loader's own list, and with several
/// ranks every rank learns them all through the gathered "processed" flags.
std::vector<SkippedImageReport> gather_skipped(const std::vector<data::SkippedImage>& local_skipped,
                                               const data::Sampler& sampler, const data::Dataset& dataset,
                                               dist::Context& context) {
  const std::int64_t n = dataset.size();
  std::unordered_map<std::int64_t, std::string> reasons;
  for (const auto& s : local_skipped) reasons[s.index] = s.reason;
  std::vector<std::int64_t> skipped_indices;
  if (!context.is_distributed()) {
    for (const auto& s : local_skipped) skipped_indices.push_back(s.index);
    std::sort(skipped_indices.begin(), skipped_indices.end());
  } else {
    std::vector<std::int64_t> order = sampler.indices(0);
    torch::Tensor local_ok = torch::ones({static_cast<std::int64_t>(order.size()), 1}, torch::kFloat32);
    for (std::size_t p = 0; p < order.size(); ++p) {
      if (reasons.count(order[p])) local_ok[static_cast<std::int64_t>(p)][0] = 0.0f;
    }
    torch::Tensor all_ok = context.gather_rows(local_ok, order, n);
    auto flags = all_ok.accessor<float, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
      if (flags[i][0] == 0.0f) skipped_indices.push_back(i);
    }
  }
  std::vector<SkippedImageReport> skipped;
  for (std::int64_t i : skipped_indices) {
    auto it = reasons.find(i);
    skipped.push_back({i, dataset.item_name(i), it != reasons.end() ? it->second : std::string("skipped on another rank")});
  }
  return skipped;
}

TopkCounts sum_over_ranks(const TopkCounts& local, dist::Context& context) {
  if (!context.is_distributed()) return local;
  auto sums = context.all_reduce_sum(std::vector<std::int64_t>{local.images, local.top1, local.top5});
  TopkCounts total;
  total.images = sums[0];
  total.top1 = sums[1];
  total.top5 = sums[2];
  return total;
}

/// extract's rows: gathered in dataset order on every rank, the skipped images left out.
void finish_collection(const Collector& collector, const data::Dataset& dataset, dist::Context& context,
                       InferenceResult& result) {
  const std::int64_t n = dataset.size();
  if (!collector.softmax.defined()) {
    throw std::runtime_error(dataset.describe() + ": no image could be read on rank " + std::to_string(context.rank()));
  }
  torch::Tensor softmax = collector.softmax, embed = collector.embedding, ok = collector.ok;
  if (context.is_distributed()) {
    softmax = context.gather_rows(softmax, collector.order, n);
    if (embed.defined()) embed = context.gather_rows(embed, collector.order, n);
    ok = context.gather_rows(ok, collector.order, n);
  }
  std::vector<std::int64_t> labels;
  std::vector<std::int64_t> kept;
  auto ok_rows = ok.accessor<float, 2>();
  for (std::int64_t i = 0; i < n; ++i) {
    if (ok_rows[i][0] != 0.0f) {
      kept.push_back(i);
      labels.push_back(dataset.label(i));
    }
  }
  if (static_cast<std::int64_t>(kept.size()) == n) {
    result.softmax = softmax;
    result.embedding = embed;
  } else {
    auto rows = torch::tensor(kept, torch::kInt64);
    result.softmax = softmax.index_select(0, rows);
    if (embed.defined()) result.embedding = embed.index_select(0, rows);
  }
  result.labels = torch::tensor(labels, torch::kInt64);
}

}  // namespace

InferenceResult run_inference(const ModelSetup& setup, std::shared_ptr<const data::Dataset> dataset,
                              const InferenceOptions& options, dist::Context& context, const Reporter& reporter,
                              const std::function<void(const InferenceBatch&)>& on_batch) {
  TORCH_CHECK(setup.model, "run_inference: no model");
  const std::int64_t n = dataset->size();
  TORCH_CHECK(n > 0, dataset->describe(), ": no images");

  auto sampler = make_sampler(n, context);
  data::PipelineSpec pipeline_spec;
  pipeline_spec.kind = data::PipelineKind::Test;
  pipeline_spec.size = options.input_size;
  pipeline_spec.normalization = setup.normalization;
  pipeline_spec.protocol = setup.test_protocol(options.protocol);
  const data::LoaderOptions loader_options = setup.loader_options(options.batch, options.workers, options.strict_images);
  data::Loader loader(dataset, sampler, data::Pipeline(pipeline_spec), loader_options);
  FeatureStore* store = options.trunk ? &options.trunk->store(TrunkCache::Set::Val) : nullptr;
  TORCH_CHECK(!store || (!options.tta_flip && !options.collect && !options.embeddings && !on_batch),
              "run_inference: the trunk cache serves plain top-k passes only");
  auto on_skip = [&reporter, store](const data::SkippedImage& s) {
    if (store) store->mark_skipped(s);
    reporter.message("skipped unreadable image " + s.name + ": " + s.reason);
  };
  loader.set_on_skip(on_skip);
  Collector collector;
  if (options.collect) collector.order = sampler->indices(0);

  setup.model->eval();
  c10::InferenceMode inference_mode;
  const models::FoldedBatchNorms folded(*setup.model, setup.fold_batch_norms && options.fold_batch_norms);
  const AutocastScope autocast(setup.bf16, setup.device);
  // A validation pass whose trunk outputs are stored reads them instead of decoding the images.
  std::unique_ptr<StoredBatches> stored;
  if (store && store->stored_fraction(sampler->indices(0)) >= kStoredPassThreshold) {
    stored = std::make_unique<StoredBatches>(*store, dataset, data::Pipeline(pipeline_spec), loader_options,
                                             sampler->indices(0), 0, on_skip);
  }
  InferenceResult result;
  result.dataset_size = n;
  const std::int64_t local_total = loader.samples_per_epoch();
  std::int64_t local_done = 0;
  TopkCounts local_counts, local_real;
  torch::Tensor absent;  // a subset dataset's missing classes, found at the first batch
  const std::vector<std::int64_t>& subset = dataset->class_subset();
  const auto start = Clock::now();
  if (!stored) loader.start_epoch(0);
  while (auto batch = stored ? stored->next() : loader.next()) {
    if (batch->indices.empty()) continue;
    ForwardOutput out;
    if (store) out.logits = to_cpu_float(options.trunk->logits(TrunkCache::Set::Val, *batch));
    else out = forward_batch(setup, batch->images, options);
    torch::Tensor labels = batch->labels.to(torch::kInt64).contiguous();
    if (!subset.empty() && !absent.defined()) absent = absent_classes(subset, out.logits.size(1));
    const torch::Tensor scores = restrict_to_subset(out.logits, absent);
    if (options.real_labels) local_real += count_real(scores, batch->indices, *options.real_labels, context);
    try {
      local_counts += count_owned(scores, labels, batch->indices, context);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(dataset->describe() + ": " + e.what() + " (the network has " +
                               std::to_string(out.logits.size(1)) + " classes)");
    }
    if (options.collect) collector.add(out.probabilities, out.embedding, batch->indices);
    if (on_batch) on_batch(InferenceBatch{out.logits, out.embedding, labels, &batch->indices});
    local_done += static_cast<std::int64_t>(batch->indices.size());
    report_progress(reporter, options.phase, local_done, local_total, rate(local_done, seconds_since(start)));
  }
  result.seconds = seconds_since(start);
  if (local_done < local_total) {  // skipped images: close the progress line
    report_progress(reporter, options.phase, local_total, local_total, rate(local_done, result.seconds));
  }

  result.skipped = gather_skipped(store ? store->skipped() : loader.skipped(), *sampler, *dataset, context);
  result.counts = sum_over_ranks(local_counts, context);
  if (options.real_labels) result.real = sum_over_ranks(local_real, context);
  result.images_per_second = rate(result.counts.images, result.seconds);
  if (options.collect) finish_collection(collector, *dataset, context, result);
  return result;
}

}  // namespace fixres::engine
