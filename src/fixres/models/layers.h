#pragma once
/// Building blocks shared by the model families: activations, convolution/batch-norm option
/// helpers, TensorFlow 'SAME' convolution, squeeze-excite and drop-path. Every module here
/// registers its children under the names PyTorch uses, so state dicts line up.

#include <torch/torch.h>

#include <cstdint>

#include "fixres/models/batch_norm.h"

namespace fixres::models {

/// Activations used by the zoo (all element-wise, no parameters).
enum class Activation { kIdentity, kReLU, kSwish, kSigmoid };

/// Applies `activation` to x (swish = x * sigmoid(x), PyTorch's SiLU).
torch::Tensor activate(const torch::Tensor& x, Activation activation);

/// Conv2d options in one call: square kernel, symmetric padding, `groups`, bias off by default
/// (as every conv of the zoo except squeeze-excite).
torch::nn::Conv2dOptions conv_options(std::int64_t in_channels, std::int64_t out_channels,
                                      std::int64_t kernel_size, std::int64_t stride = 1,
                                      std::int64_t padding = 0, std::int64_t groups = 1,
                                      bool bias = false);

/// BatchNorm2d with the given eps and momentum (PyTorch convention: new = (1-m)·old + m·batch).
BatchNorm2d batch_norm(std::int64_t channels, double eps = 1e-5, double momentum = 0.1);

/// Total TensorFlow 'SAME' padding along one dimension of length `size` (timm's
/// get_same_padding): max((ceil(size/stride) - 1)·stride + (kernel-1)·dilation + 1 - size, 0).
std::int64_t tf_same_padding(std::int64_t size, std::int64_t kernel, std::int64_t stride,
                             std::int64_t dilation = 1);

/// Pads an NCHW tensor with zeros for TF 'SAME' (the extra pixel goes right/bottom), as timm's
/// pad_same.
torch::Tensor pad_same(const torch::Tensor& x, std::int64_t kernel, std::int64_t stride,
                       std::int64_t dilation = 1);

/// A Conv2d with TensorFlow 'SAME' padding, as timm's create_conv2d(..., padding='same'): when
/// the padding does not depend on the input (stride 1, even dilation·(kernel-1)) it is the
/// plain symmetric padding; otherwise the padding is computed from the actual input size at each
/// call (so a model trained at 224 and tested at 320 pads exactly as TensorFlow would).
/// Parameters: "weight" (and "bias" when options.bias()), as nn.Conv2d. The padding given in
/// `options` is ignored.
class Conv2dSameImpl : public torch::nn::Conv2dImpl {
 public:
  explicit Conv2dSameImpl(torch::nn::Conv2dOptions requested);
  torch::Tensor forward(const torch::Tensor& x);
  /// True when the padding is computed from the input size at each call.
  bool dynamic_padding() const { return dynamic_; }

 private:
  bool dynamic_ = false;
};
TORCH_MODULE(Conv2dSame);

/// Squeeze-and-excitation as timm's efficientnet SqueezeExcite: global mean over H, W →
/// conv_reduce (1×1, bias) → activation → conv_expand (1×1, bias) → sigmoid gate × x.
class SqueezeExciteImpl : public torch::nn::Module {
 public:
  SqueezeExciteImpl(std::int64_t channels, std::int64_t reduced_channels, Activation activation);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_reduce_{nullptr};
  torch::nn::Conv2d conv_expand_{nullptr};
  Activation activation_;
};
TORCH_MODULE(SqueezeExcite);

/// A Sequential of single-tensor modules with a plain forward(Tensor), so that it can sit inside
/// another Sequential or an AnyModule (LibTorch's Sequential::forward is a template). Children are
/// named "0", "1", … or as given, as torch.nn.Sequential.
class TensorSequentialImpl : public torch::nn::SequentialImpl {
 public:
  using torch::nn::SequentialImpl::SequentialImpl;
  torch::Tensor forward(const torch::Tensor& x) { return torch::nn::SequentialImpl::forward(x); }
};
TORCH_MODULE(TensorSequential);

/// Stochastic depth as timm's drop_path: in training, zeroes whole samples with probability
/// `rate` and scales the kept ones by 1/(1-rate); identity in eval mode or when rate is 0.
torch::Tensor drop_path(const torch::Tensor& x, double rate, bool training);

/// LayerNorm over the last dimension with timm's eps for ViT and ConvNeXt (1e-6).
torch::nn::LayerNorm layer_norm(std::int64_t dim, double eps = 1e-6);

/// A layer norm's input in float32: under --precision bf16 a convolution hands it bfloat16, and
/// normalisation statistics stay float32 (PyTorch 2's autocast policy for layer_norm; LibTorch
/// 1.13's CPU kernel refuses mixed dtypes). Float32 input is returned as is.
torch::Tensor norm_input(const torch::Tensor& x);

/// timm's trunc_normal_(std=0.02) of every Linear weight (and Conv2d weight when `convolutions`)
/// in `model`, with zero biases: ViT's init_weights_vit_timm (linears only), ConvNeXt's
/// _init_weights (both). The ±2 truncation is 100 standard deviations out: a clamp.
void init_trunc_normal(torch::nn::Module& model, bool convolutions);

/// `layer` applied to x (... × in_features), as torch::nn::Linear computes it, through oneDNN on
/// the CPU: the rows of x, seen as a channels-last 1 × C × M × 1 image, go through a 1×1
/// convolution (no copy either way), which oneDNN runs 1.6–2.3× faster than the BLAS GEMM that
/// nn.Linear calls on 2 cores (measured for the ViT/ConvNeXt shapes). Elsewhere (CUDA, other
/// dtypes) nn.Linear's own forward. Differentiable.
torch::Tensor linear(const torch::nn::Linear& layer, const torch::Tensor& x);

/// Python's round() of a non-negative double (half to even), as an integer.
std::int64_t python_round(double value);

}  // namespace fixres::models
