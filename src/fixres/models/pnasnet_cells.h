#pragma once
/// The cells of PNASNet-5-Large as in FixRes's pnasnet.py (Cadene's pretrained-models.pytorch),
/// with its padding quirks kept: the "zero_pad" variants pad one zero row/column on the
/// top/left, run the strided op, then drop the first output row/column; FactorizedReduction's
/// second path shifts the input by one pixel (pad right/bottom, drop first row/column) before
/// its stride-2 1×1 average pool. Child names are those of the Python modules.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/models/batch_norm.h"
#include "fixres/models/conv_bn_folding.h"

namespace fixres::models::pnasnet {

/// Python's MaxPool(kernel, stride, padding=1, zero_pad): children zero_pad (if any), pool.
class MaxPoolPadImpl : public torch::nn::Module {
 public:
  MaxPoolPadImpl(std::int64_t kernel_size, std::int64_t stride, bool zero_pad);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::ZeroPad2d zero_pad_{nullptr};
  torch::nn::MaxPool2d pool_{nullptr};
};
TORCH_MODULE(MaxPoolPad);

/// Depthwise k×k (groups = in) then pointwise 1×1, both without bias:
/// children depthwise_conv2d, pointwise_conv2d. Its output is the pointwise convolution's, so the
/// batch-norm after it folds into that convolution.
class SeparableConv2dImpl : public torch::nn::Module, public EndsWithConvolution {
 public:
  SeparableConv2dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
                      std::int64_t stride, std::int64_t padding);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2dImpl& output_convolution() override { return *pointwise_; }
  std::string output_convolution_name() const override { return "pointwise_conv2d"; }

 private:
  torch::nn::Conv2d depthwise_{nullptr}, pointwise_{nullptr};
};
TORCH_MODULE(SeparableConv2d);

/// relu → separable (stride) → bn → relu → separable → bn; children zero_pad (if any), relu_1,
/// separable_1, bn_sep_1, relu_2, separable_2, bn_sep_2. In a stem cell the middle width is
/// `out_channels`, otherwise `in_channels`.
struct BranchSeparablesOptions {
  BranchSeparablesOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(std::int64_t, kernel_size);
  TORCH_ARG(std::int64_t, stride) = 1;
  /// The stem cells' branch: the middle width is out_channels.
  TORCH_ARG(bool, stem_cell) = false;
  /// Zero-pad (left/top) before the first separable convolution (Cadene's `zero_pad`).
  TORCH_ARG(bool, zero_pad) = false;
};

class BranchSeparablesImpl : public torch::nn::Module {
 public:
  explicit BranchSeparablesImpl(const BranchSeparablesOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::ZeroPad2d zero_pad_{nullptr};
  SeparableConv2d separable_1_{nullptr}, separable_2_{nullptr};
  BatchNorm2d bn_sep_1_{nullptr}, bn_sep_2_{nullptr};
};
TORCH_MODULE(BranchSeparables);

/// relu → 1×1 conv (stride) → bn; children relu, conv, bn.
class ReluConvBnImpl : public torch::nn::Module {
 public:
  ReluConvBnImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
                 std::int64_t stride = 1);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(ReluConvBn);

/// Halves the spatial size with two shifted stride-2 paths; children relu, path_1 (avgpool,
/// conv), path_2 (pad, avgpool, conv), final_path_bn.
class FactorizedReductionImpl : public torch::nn::Module {
 public:
  FactorizedReductionImpl(std::int64_t in_channels, std::int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::AvgPool2d avgpool_1_{nullptr}, avgpool_2_{nullptr};
  torch::nn::ZeroPad2d pad_{nullptr};
  torch::nn::Conv2d conv_1_{nullptr}, conv_2_{nullptr};
  BatchNorm2d final_path_bn_{nullptr};
};
TORCH_MODULE(FactorizedReduction);

/// The five combinations shared by CellStem0 and Cell (Python's CellBase.cell_forward): each
/// comb_iter_i is left(·) + right(·), outputs concatenated along channels.
class CellBaseImpl : public torch::nn::Module {
 protected:
  /// Registers comb_iter_<index>_<side> and keeps it for cell_forward.
  template <typename ModuleHolder>
  void register_comb(int index, const std::string& side, ModuleHolder module) {
    auto& slot = side == "left" ? left_[static_cast<std::size_t>(index)] : right_[static_cast<std::size_t>(index)];
    slot = torch::nn::AnyModule(register_module("comb_iter_" + std::to_string(index) + "_" + side, module));
  }
  torch::Tensor cell_forward(const torch::Tensor& x_left, const torch::Tensor& x_right);

 private:
  torch::nn::AnyModule left_[5], right_[5];  // right_[4] empty: identity
};

/// The first stem cell; forward(x) takes the conv_0 output for both inputs.
class CellStem0Impl : public CellBaseImpl {
 public:
  CellStem0Impl(std::int64_t in_channels_left, std::int64_t out_channels_left, std::int64_t in_channels_right,
                std::int64_t out_channels_right);
  torch::Tensor forward(const torch::Tensor& x_left);

 private:
  ReluConvBn conv_1x1_{nullptr};
};
TORCH_MODULE(CellStem0);

/// Options of a PNASNet cell (Python's Cell arguments).
struct CellOptions {
  CellOptions(std::int64_t in_left, std::int64_t out_left, std::int64_t in_right, std::int64_t out_right)
      : in_channels_left_(in_left), out_channels_left_(out_left), in_channels_right_(in_right),
        out_channels_right_(out_right) {}
  TORCH_ARG(std::int64_t, in_channels_left);
  TORCH_ARG(std::int64_t, out_channels_left);
  TORCH_ARG(std::int64_t, in_channels_right);
  TORCH_ARG(std::int64_t, out_channels_right);
  /// Stride 2 in the combinations (and a ReluConvBn as comb_iter_4_right).
  TORCH_ARG(bool, is_reduction) = false;
  /// The top/left zero padding quirk of the strided ops.
  TORCH_ARG(bool, zero_pad) = false;
  /// Left input through FactorizedReduction instead of ReluConvBn.
  TORCH_ARG(bool, match_prev_layer_dimensions) = false;
};

/// A normal or reduction cell; forward(previous, current).
class CellImpl : public CellBaseImpl {
 public:
  explicit CellImpl(const CellOptions& options);
  torch::Tensor forward(const torch::Tensor& x_left, const torch::Tensor& x_right);

 private:
  torch::nn::AnyModule conv_prev_1x1_;
  ReluConvBn conv_1x1_{nullptr};
};
TORCH_MODULE(Cell);

}  // namespace fixres::models::pnasnet
