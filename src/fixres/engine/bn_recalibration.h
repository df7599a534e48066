#pragma once
/// Cheap test-resolution adaptation: re-estimate the running statistics of the batch-norm layers
/// FixRes fine-tunes (the architecture's FinetunePolicy::train_mode modules: layer4.2.bn3 for the
/// ResNets, the BNs of cell_9–cell_11 for PNASNet, bn2 for EfficientNet) from unlabeled images at
/// the test size, without touching any weight.
///
/// Semantics: PyTorch's BatchNorm2d with momentum=None (a cumulative average): the statistics are
/// reset (mean 0, var 1, num_batches_tracked 0), then K images go through FixRes's test transform
/// at S and the network in eval mode except those layers in train mode, batch by batch; afterwards
/// running_mean/var are the plain averages over batches of each batch's mean and unbiased
/// variance. The rest of the network runs with its stored statistics.
///
/// With several ranks every rank recalibrates on the same K images (no sharding), so the
/// statistics stay identical everywhere without a collective.

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixres/data/dataset.h"
#include "fixres/engine/model_setup.h"
#include "fixres/core/reporter.h"
#include "fixres/models/batch_norm.h"

namespace fixres::engine {

/// The batch-norm layers FixRes adapts in `model` per `policy` (dotted names, module order);
/// each train_mode module itself or any BatchNorm2d below it.
std::vector<std::pair<std::string, models::BatchNorm2d>> adapted_batchnorms(torch::nn::Module& model,
                                                                              const models::FinetunePolicy& policy);

/// Every BatchNorm2d of `model` (dotted names, module order).
std::vector<std::pair<std::string, models::BatchNorm2d>> all_batchnorms(torch::nn::Module& model);

/// A copy of the running statistics (and momentum) of some batch-norm layers, to undo a
/// recalibration.
class BatchNormSnapshot {
 public:
  explicit BatchNormSnapshot(const std::vector<std::pair<std::string, models::BatchNorm2d>>& layers);
  /// Puts the saved statistics and momentum back.
  void restore() const;

 private:
  struct Saved {
    models::BatchNorm2d layer;
    torch::Tensor running_mean, running_var, num_batches_tracked;
    c10::optional<double> momentum;
  };
  std::vector<Saved> saved_;
};

struct RecalibrationOptions {
  int input_size = 224;
  std::int64_t images = 0;  ///< K; more than the dataset holds: all of it
  std::int64_t batch = 32;
  int workers = 4;
  bool strict_images = false;
  std::uint64_t seed = 0;   ///< which K images: the first K of torch.randperm(n) seeded `seed`
  /// The test transform; unset: the model's (ModelSetup::protocol).
  std::optional<data::TestProtocol> protocol;
  /// Every BatchNorm2d of the network (after `train --progressive`), not only the policy's.
  bool all_layers = false;
};

struct RecalibrationResult {
  std::vector<std::string> layers;  ///< the adapted layers
  std::int64_t images = 0;          ///< images actually used (undecodable ones skipped)
  std::int64_t batches = 0;
  double seconds = 0.0;
};

/// Recalibrates setup.model's adapted layers in place (see the file comment); the model is left
/// in eval mode with the new statistics. Throws std::runtime_error when the architecture's policy
/// names no batch-norm layer or no image could be read.
RecalibrationResult recalibrate_batchnorm(const ModelSetup& setup, std::shared_ptr<const data::Dataset> images,
                                          const RecalibrationOptions& options, const Reporter& reporter = {});

}  // namespace fixres::engine
