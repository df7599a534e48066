#include "fixres/models/pnasnet.h"

#include <string>

#include "fixres/models/layers.h"

namespace fixres::models {

namespace {

using pnasnet::CellOptions;

struct CellRow {
  const char* name;
  CellOptions options;
};

// PNASNet5Large.__init__'s cells after the first stem cell, in registration order.
std::vector<CellRow> cell_rows() {
  return {
      {"cell_stem_1", CellOptions(96, 108, 270, 108).match_prev_layer_dimensions(true).is_reduction(true)},
      {"cell_0", CellOptions(270, 216, 540, 216).match_prev_layer_dimensions(true)},
      {"cell_1", CellOptions(540, 216, 1080, 216)},
      {"cell_2", CellOptions(1080, 216, 1080, 216)},
      {"cell_3", CellOptions(1080, 216, 1080, 216)},
      {"cell_4", CellOptions(1080, 432, 1080, 432).is_reduction(true).zero_pad(true)},
      {"cell_5", CellOptions(1080, 432, 2160, 432).match_prev_layer_dimensions(true)},
      {"cell_6", CellOptions(2160, 432, 2160, 432)},
      {"cell_7", CellOptions(2160, 432, 2160, 432)},
      {"cell_8", CellOptions(2160, 864, 2160, 864).is_reduction(true)},
      {"cell_9", CellOptions(2160, 864, 4320, 864).match_prev_layer_dimensions(true)},
      {"cell_10", CellOptions(4320, 864, 4320, 864)},
      {"cell_11", CellOptions(4320, 864, 4320, 864)},
  };
}

}  // namespace

PNASNetImpl::PNASNetImpl(const PNASNetOptions& options_) : options(options_) {
  conv_0_ = register_module(
      "conv_0", torch::nn::Sequential({{"conv", torch::nn::Conv2d(conv_options(3, 96, 3, 2))},
                                       {"bn", batch_norm(96, 1e-3)}}));
  cell_stem_0_ = register_module("cell_stem_0", pnasnet::CellStem0(96, 54, 96, 54));
  for (const auto& row : cell_rows()) {
    cells_.push_back(register_module(row.name, pnasnet::Cell(row.options)));
  }
  register_module("relu", torch::nn::ReLU());
  avg_pool_ = register_module("avg_pool", torch::nn::AdaptiveAvgPool2d(1));
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout()));
  register_classifier("last_linear", 4320, options.num_classes());
}

torch::Tensor PNASNetImpl::forward_features(const torch::Tensor& images) {
  // Each cell takes the outputs of the two cells before it (features() in pnasnet.py).
  auto previous = conv_0_->forward(images);
  auto current = cell_stem_0_->forward(previous);
  for (auto& cell : cells_) {
    auto next = cell->forward(previous, current);
    previous = std::move(current);
    current = std::move(next);
  }
  return avg_pool_->forward(torch::relu(current)).flatten(1);
}

torch::Tensor PNASNetImpl::forward_head(const torch::Tensor& embedding) {
  return apply_classifier(dropout_->forward(embedding));
}

}  // namespace fixres::models
