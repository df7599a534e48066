#pragma once
/// PNASNet-5-Large as FixRes's pnasnet.py (PNASNet5Large, Cadene's definition): 86.1M parameters
/// at 1000 classes, 4320-d embedding, normalisation mean = std = 0.5.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "fixres/models/classifier.h"
#include "fixres/models/pnasnet_cells.h"

namespace fixres::models {

struct PNASNetOptions {
  TORCH_ARG(std::int64_t, num_classes) = 1000;
  /// Dropout before last_linear (training only).
  TORCH_ARG(double, dropout) = 0.5;
};

/// Children: conv_0 (conv, bn), cell_stem_0, cell_stem_1, cell_0 … cell_11, relu, avg_pool,
/// dropout, last_linear. Embedding: avg_pool(relu(cell_11)), as FixRes's extraction code.
class PNASNetImpl : public Classifier {
 public:
  explicit PNASNetImpl(const PNASNetOptions& options = {});
  torch::Tensor forward_features(const torch::Tensor& images) override;
  torch::Tensor forward_head(const torch::Tensor& embedding) override;

  PNASNetOptions options;

 private:
  torch::nn::Sequential conv_0_{nullptr};
  pnasnet::CellStem0 cell_stem_0_{nullptr};
  std::vector<pnasnet::Cell> cells_;  // cell_stem_1, cell_0 … cell_11
  torch::nn::AdaptiveAvgPool2d avg_pool_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(PNASNet);

}  // namespace fixres::models
