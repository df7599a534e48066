#include "fixres/models/layers.h"

#include <cfenv>
#include <cmath>

namespace fixres::models {

namespace F = torch::nn::functional;

torch::Tensor activate(const torch::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::kIdentity:
      return x;
    case Activation::kReLU:
      return torch::relu(x);
    case Activation::kSwish:
      return torch::silu(x);
    case Activation::kSigmoid:
      return torch::sigmoid(x);
  }
  TORCH_INTERNAL_ASSERT(false, "unknown activation");
}

torch::nn::Conv2dOptions conv_options(std::int64_t in_channels, std::int64_t out_channels,
                                      std::int64_t kernel_size, std::int64_t stride,
                                      std::int64_t padding, std::int64_t groups, bool bias) {
  return torch::nn::Conv2dOptions(in_channels, out_channels, kernel_size)
      .stride(stride)
      .padding(padding)
      .groups(groups)
      .bias(bias);
}

BatchNorm2d batch_norm(std::int64_t channels, double eps, double momentum) {
  return BatchNorm2d(torch::nn::BatchNormOptions(channels).eps(eps).momentum(momentum));
}

std::int64_t tf_same_padding(std::int64_t size, std::int64_t kernel, std::int64_t stride,
                             std::int64_t dilation) {
  const std::int64_t out = (size + stride - 1) / stride;  // ceil(size / stride)
  return std::max<std::int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
}

torch::Tensor pad_same(const torch::Tensor& x, std::int64_t kernel, std::int64_t stride,
                       std::int64_t dilation) {
  TORCH_CHECK(x.dim() == 4, "pad_same: expected an NCHW tensor, got ", x.dim(), " dimensions");
  const std::int64_t pad_h = tf_same_padding(x.size(2), kernel, stride, dilation);
  const std::int64_t pad_w = tf_same_padding(x.size(3), kernel, stride, dilation);
  if (pad_h == 0 && pad_w == 0) return x;
  return F::pad(x, F::PadFuncOptions({pad_w / 2, pad_w - pad_w / 2, pad_h / 2, pad_h - pad_h / 2}));
}

namespace {

// timm's is_static_pad: the 'SAME' padding does not depend on the input size.
bool is_static_same(const torch::nn::Conv2dOptions& options) {
  const auto kernel = (*options.kernel_size())[0];
  const auto stride = (*options.stride())[0];
  const auto dilation = (*options.dilation())[0];
  TORCH_CHECK((*options.kernel_size())[1] == kernel && (*options.stride())[1] == stride &&
                  (*options.dilation())[1] == dilation,
              "Conv2dSame: expected a square kernel, stride and dilation");
  return stride == 1 && (dilation * (kernel - 1)) % 2 == 0;
}

// timm's get_padding_value('same', ...): symmetric padding when static, none (added per call)
// otherwise.
torch::nn::Conv2dOptions with_same_padding(torch::nn::Conv2dOptions options) {
  if (!is_static_same(options)) return options.padding(0);
  const auto kernel = (*options.kernel_size())[0];
  const auto stride = (*options.stride())[0];
  const auto dilation = (*options.dilation())[0];
  return options.padding(((stride - 1) + dilation * (kernel - 1)) / 2);
}

}  // namespace

Conv2dSameImpl::Conv2dSameImpl(torch::nn::Conv2dOptions requested)
    : torch::nn::Conv2dImpl(with_same_padding(requested)), dynamic_(!is_static_same(requested)) {}

torch::Tensor Conv2dSameImpl::forward(const torch::Tensor& x) {
  if (!dynamic_) return torch::nn::Conv2dImpl::forward(x);
  const auto kernel = (*options.kernel_size())[0];
  const auto stride = (*options.stride())[0];
  const auto dilation = (*options.dilation())[0];
  return torch::nn::Conv2dImpl::forward(pad_same(x, kernel, stride, dilation));
}

SqueezeExciteImpl::SqueezeExciteImpl(std::int64_t channels, std::int64_t reduced_channels,
                                     Activation activation)
    : activation_(activation) {
  conv_reduce_ = register_module(
      "conv_reduce", torch::nn::Conv2d(conv_options(channels, reduced_channels, 1, 1, 0, 1, true)));
  conv_expand_ = register_module(
      "conv_expand", torch::nn::Conv2d(conv_options(reduced_channels, channels, 1, 1, 0, 1, true)));
}

torch::Tensor SqueezeExciteImpl::forward(const torch::Tensor& x) {
  auto se = x.mean({2, 3}, /*keepdim=*/true);
  se = conv_expand_->forward(activate(conv_reduce_->forward(se), activation_));
  return x * torch::sigmoid(se);
}

torch::Tensor drop_path(const torch::Tensor& x, double rate, bool training) {
  if (rate <= 0.0 || !training) return x;
  const double keep = 1.0 - rate;
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  auto mask = torch::empty(shape, x.options()).bernoulli_(keep);
  if (keep > 0.0) mask.div_(keep);
  return x * mask;
}

torch::nn::LayerNorm layer_norm(std::int64_t dim, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps));
}

torch::Tensor norm_input(const torch::Tensor& x) {
  return x.scalar_type() == torch::kFloat32 ? x : x.to(torch::kFloat32);
}

void init_trunc_normal(torch::nn::Module& model, bool convolutions) {
  torch::NoGradGuard no_grad;
  for (auto& module : model.modules(/*include_self=*/false)) {
    torch::Tensor weight, bias;
    if (auto* linear = module->as<torch::nn::Linear>()) {
      weight = linear->weight, bias = linear->bias;
    } else if (auto* conv = module->as<torch::nn::Conv2d>(); conv != nullptr && convolutions) {
      weight = conv->weight, bias = conv->bias;
    } else {
      continue;
    }
    weight.normal_(0.0, 0.02).clamp_(-2.0, 2.0);
    if (bias.defined()) bias.zero_();
  }
}

torch::Tensor linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
  const torch::Tensor& weight = layer->weight;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || weight.scalar_type() != torch::kFloat ||
      x.dim() < 2) {
    return torch::nn::functional::linear(x, weight, layer->bias);
  }
  const std::int64_t in = weight.size(1), out = weight.size(0);
  auto rows = x.reshape({-1, in});
  if (!rows.is_contiguous()) rows = rows.contiguous();
  const std::int64_t m = rows.size(0);
  // [M, C] row-major is the memory of a channels-last [1, C, M, 1] image.
  auto image = rows.view({1, m, 1, in}).permute({0, 3, 1, 2});
  auto kernel = weight.view({out, in, 1, 1});
  auto y = torch::conv2d(image, kernel, layer->bias);
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = out;
  return y.permute({0, 2, 3, 1}).reshape(shape);
}

std::int64_t python_round(double value) {
  // nearbyint honours the current rounding mode, which is round-half-to-even by default.
  TORCH_INTERNAL_ASSERT(std::fegetround() == FE_TONEAREST);
  return static_cast<std::int64_t>(std::nearbyint(value));
}

}  // namespace fixres::models
