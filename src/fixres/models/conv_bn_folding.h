#pragma once
/// Batch-norm folding for frozen layers: a convolution followed by a batch-norm in eval mode is
/// one affine map, conv(x; W·s, (b - mean)·s + beta) with s = gamma / sqrt(var + eps), so the
/// network can skip a full pass over each activation map. FoldedBatchNorms applies it for a
/// scope and puts everything back afterwards, leaving the model's registered parameters, buffers
/// and state dict untouched: the folded tensors only replace the convolutions' `weight`/`bias`
/// members that their forward reads, and the batch-norms forward through an identity delegate.
///
/// Only frozen pairs are folded: the batch-norm in eval mode with running statistics, and, while
/// autograd is recording, no parameter of the pair requiring a gradient (so fine-tuning folds the
/// frozen backbone and leaves layers that train alone). The result differs from the unfolded
/// network by float rounding only (the folded tensors are computed in float64).

#include <torch/torch.h>

#include <cstddef>
#include <string>
#include <vector>

#include "fixres/models/batch_norm.h"

namespace fixres::models {

/// A convolution and the batch-norm that normalises its output, and nothing else does.
struct ConvBnPair {
  std::string conv_name;  ///< dotted path in the model ("layer1.0.conv1")
  std::string bn_name;    ///< ("layer1.0.bn1")
  torch::nn::Conv2dImpl* conv = nullptr;
  BatchNorm2dImpl* bn = nullptr;
};

/// A container module whose output is its last convolution's output, untouched (PNASNet's
/// SeparableConv2d: depthwise → pointwise), so that a batch-norm registered right after the
/// container normalises that convolution. Containers say so by deriving from this; others are
/// never looked into (a factorized reduction's last conv is only half of what its BN sees).
class EndsWithConvolution {
 public:
  virtual ~EndsWithConvolution() = default;
  /// The convolution whose output is the container's, and its child name ("pointwise_conv2d").
  virtual torch::nn::Conv2dImpl& output_convolution() = 0;
  virtual std::string output_convolution_name() const = 0;
};

/// The pairs of `model`: within any module, a BatchNorm2d child registered immediately after a
/// Conv2d child (or Conv2dSame), or after an EndsWithConvolution container, is that
/// convolution's batch-norm. Every zoo block registers its layers in data-flow order, as
/// PyTorch's modules do (conv1, bn1, …; downsample "0", "1"; conv_pw, bn1, …; separable_1,
/// bn_sep_1); a batch-norm after any other container (PNASNet's factorized reductions) is not
/// paired. tests/models/conv_bn_folding_test.cpp checks every family against the unfolded network.
std::vector<ConvBnPair> find_conv_bn_pairs(torch::nn::Module& model);

/// Folds the frozen pairs of a model for its lifetime (see the file comment). Pairs folded by an
/// enclosing FoldedBatchNorms are left to it. Not copyable; the model must outlive it and keep
/// its modes while it lives.
class FoldedBatchNorms {
 public:
  /// enabled = false folds nothing (a switch for the callers' option).
  explicit FoldedBatchNorms(torch::nn::Module& model, bool enabled = true);
  ~FoldedBatchNorms();
  FoldedBatchNorms(const FoldedBatchNorms&) = delete;
  FoldedBatchNorms& operator=(const FoldedBatchNorms&) = delete;

  /// How many pairs this scope folded.
  std::size_t folded() const { return saved_.size(); }

 private:
  struct Saved {
    torch::nn::Conv2dImpl* conv;
    BatchNorm2dImpl* bn;
    torch::Tensor weight, bias;
    BatchNorm2dImpl::Delegate delegate;
  };
  std::vector<Saved> saved_;
};

}  // namespace fixres::models
