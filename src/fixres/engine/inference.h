#pragma once
/// The one inference loop shared by evaluate, extract and sweep (and the evaluation passes of
/// fine-tuning): a dataset through FixRes's test transform at one size, sharded over the ranks of
/// a dist::Context exactly as torch.utils.data.DistributedSampler(shuffle=False) shards it, through
/// the network in eval mode under inference mode, batch by batch:
///   - top-1/top-5 counted on every batch (engine/metrics.h ranking rule) and summed over ranks,
///     the padding DistributedSampler repeats at the end counted once;
///   - optionally each batch's CPU logits/embeddings handed to a callback, or accumulated and
///     gathered back in dataset order on every rank (extract);
///   - progress (images done, images/s, ETA) reported through the Reporter;
///   - undecodable images skipped, counted and listed (over all ranks), unless strict.

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixres/data/dataset.h"
#include "fixres/data/loader.h"
#include "fixres/dist/context.h"
#include "fixres/core/inference_config.h"
#include "fixres/core/metrics.h"
#include "fixres/engine/model_setup.h"
#include "fixres/core/reporter.h"

namespace fixres::engine {

class TrunkCache;  // engine/trunk_cache.h

struct InferenceOptions {
  int input_size = 224;        ///< test size S (the FixRes test transform's crop)
  std::int64_t batch = 32;     ///< images per batch on each rank
  int workers = 4;             ///< loader threads
  bool strict_images = false;  ///< an undecodable image is an error instead of a skip
  bool embeddings = false;     ///< also compute the pooled embeddings (forward_with_embedding)
  /// Each batch also mirrored (flip of the width axis): softmax and embeddings are the means of
  /// the two passes and top-k is counted on the mean softmax.
  bool tta_flip = false;
  /// The test transform; unset: the model's (ModelSetup::protocol). Sweep's crop-pct grid sets it.
  std::optional<data::TestProtocol> protocol;
  /// Per dataset item, its ReaL labels (data/real_labels.h): also count ReaL top-1/top-5.
  const std::vector<std::vector<std::int64_t>>* real_labels = nullptr;
  /// Keep every row (softmax probabilities and embeddings) and gather them in dataset order
  /// (InferenceResult::softmax / embedding / labels).
  bool collect = false;
  std::string phase = "evaluate";  ///< name in progress lines
  /// Fold the frozen batch-norms for the pass (false: only what an enclosing scope folded — a
  /// fine-tuning run's evaluations).
  bool fold_batch_norms = true;
  /// A fine-tuning run's frozen-trunk cache: the validation images' trunk outputs come from (and
  /// go to) its validation store. Only for plain top-k passes (no TTA, no collection).
  TrunkCache* trunk = nullptr;
};

/// What one batch produced, on the CPU; indices are dataset indices.
struct InferenceBatch {
  torch::Tensor logits;     ///< N × C float32 (with TTA: the mean softmax, which ranks as the scores)
  torch::Tensor embedding;  ///< N × D float32, undefined unless options.embeddings
  torch::Tensor labels;     ///< N int64
  const std::vector<std::int64_t>* indices = nullptr;
};

struct InferenceResult {
  TopkCounts counts;            ///< over all ranks, each dataset image once
  std::optional<TopkCounts> real;  ///< with options.real_labels: ReaL counts, likewise
  std::int64_t dataset_size = 0;
  double seconds = 0.0;         ///< wall time of the loop (loading + forward), this rank
  double images_per_second = 0.0;  ///< counts.images / seconds, whole run
  std::vector<SkippedImageReport> skipped;  ///< over all ranks, dataset order
  /// With options.collect, on every rank, rows in dataset order minus the skipped images:
  torch::Tensor softmax;    ///< images × C float32
  torch::Tensor embedding;  ///< images × D float32 (when options.embeddings)
  torch::Tensor labels;     ///< images int64
};

/// Runs `setup.model` (eval mode is set here) over `dataset` at options.input_size, a size the
/// caller's session checked (check_input_size). `on_batch` (may be empty) sees
/// every local batch. Throws data::ImageError with strict images, dist::DistributedError when a
/// peer fails.
InferenceResult run_inference(const ModelSetup& setup, std::shared_ptr<const data::Dataset> dataset,
                              const InferenceOptions& options, dist::Context& context, const Reporter& reporter,
                              const std::function<void(const InferenceBatch&)>& on_batch = {});

/// What evaluate, extract and sweep set up before their loops: the ranks, the network, the dataset.
struct InferenceSession {
  std::shared_ptr<dist::Context> context;
  ModelSetup setup;
  std::shared_ptr<const data::Dataset> dataset;
  /// The caller's reporter on rank 0; silent on the other ranks.
  Reporter reporter;
  /// --real-labels: each dataset item's ReaL labels (empty without the flag).
  std::vector<std::vector<std::int64_t>> real_labels;

  /// InferenceOptions from the shared data config at `size`, counting ReaL when it was given.
  InferenceOptions options(const InferenceDataConfig& data, int size) const;
};

/// In cheap-errors-first order: the model (resolve_model: architecture, device, normalisation),
/// every size in `sizes` (check_input_size), the loader settings, the dataset folder
/// (data::ImageFolder scan, its class map) and its ReaL labels (--real-labels), the ranks (dist::init_distributed, whose device replaces the
/// resolved one), then the network and its weights (setup_model).
InferenceSession open_inference_session(const ModelConfig& model, const InferenceDataConfig& data,
                                        const std::vector<int>& sizes, const Reporter& reporter);

/// The run's report from a finished loop of `session` with `options` (moves the skipped list).
InferenceRunReport run_report(const InferenceSession& session, const InferenceOptions& options, InferenceResult&& run);

/// InferenceOptions from the shared data config at `size`.
InferenceOptions inference_options(const InferenceDataConfig& data, int size);

/// Throws std::invalid_argument (naming --input-size) unless `size` is a usable test size for the
/// architecture (positive, at most 4096 and at least minimum_input_size). Called once, where a
/// size enters the engine (the sessions); the loops take sizes as checked.
void check_input_size(int size, const models::ArchitectureSpec& spec);

/// Throws std::invalid_argument naming --batch / --workers unless batch > 0 and workers >= 0.
void check_loader_settings(std::int64_t batch, int workers);

}  // namespace fixres::engine
