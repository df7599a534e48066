#include "fixres/models/batch_norm.h"

namespace fixres::models {

double batch_norm_update_factor(const torch::nn::BatchNormOptions& options, bool training,
                                const torch::Tensor& num_batches_tracked) {
  double factor = options.momentum().value_or(0.0);
  if (training && options.track_running_stats() && num_batches_tracked.defined()) {
    {
      torch::NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
  }
  return factor;
}

torch::Tensor batch_norm_forward(const torch::nn::BatchNormOptions& options, bool training,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 const torch::Tensor& running_mean, const torch::Tensor& running_var,
                                 const torch::Tensor& num_batches_tracked, const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4, "BatchNorm2d: expected a 4-D input (N, C, H, W), got ", input.dim(),
              "-D");
  TORCH_CHECK(input.size(1) == options.num_features(), "BatchNorm2d: expected ",
              options.num_features(), " channels, got ", input.size(1));
  // As torch.nn.functional.batch_norm refuses it: one value per channel has no batch variance
  // (its unbiased estimate would put NaN into running_var and every later prediction).
  TORCH_CHECK(!training || input.size(0) * input.size(2) * input.size(3) != 1,
              "BatchNorm2d in training mode got one value per channel (a batch of 1 image at ", input.size(2),
              "x", input.size(3), "): use a --batch that leaves no last batch of 1 image, or a larger --input-size");
  const double factor = batch_norm_update_factor(options, training, num_batches_tracked);
  return torch::batch_norm(input, weight, bias, running_mean, running_var,
                           training || !options.track_running_stats(), factor, options.eps(),
                           at::globalContext().userEnabledCuDNN());
}

BatchNorm2dImpl::BatchNorm2dImpl(const torch::nn::BatchNormOptions& options_) : options(options_) {
  reset();
}

void register_fresh_batch_norm(torch::nn::Module& module, const torch::nn::BatchNormOptions& options,
                               torch::Tensor& weight, torch::Tensor& bias, torch::Tensor& running_mean,
                               torch::Tensor& running_var, torch::Tensor& num_batches_tracked) {
  const std::int64_t n = options.num_features();
  if (options.affine()) {
    weight = module.register_parameter("weight", torch::ones({n}));
    bias = module.register_parameter("bias", torch::zeros({n}));
  }
  if (options.track_running_stats()) {
    running_mean = module.register_buffer("running_mean", torch::zeros({n}));
    running_var = module.register_buffer("running_var", torch::ones({n}));
    num_batches_tracked = module.register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
  }
}

void BatchNorm2dImpl::reset() {
  register_fresh_batch_norm(*this, options, weight, bias, running_mean, running_var, num_batches_tracked);
}

void BatchNorm2dImpl::reset_running_stats() {
  if (!options.track_running_stats()) return;
  torch::NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

torch::Tensor BatchNorm2dImpl::forward(const torch::Tensor& input) {
  if (delegate_) return delegate_(*this, input);
  return batch_norm_forward(options, is_training(), weight, bias, running_mean, running_var,
                            num_batches_tracked, input);
}

void BatchNorm2dImpl::pretty_print(std::ostream& stream) const {
  stream << "torch::nn::BatchNorm2d(" << options.num_features() << ", eps=" << options.eps()
         << ", momentum=";
  if (options.momentum()) {
    stream << *options.momentum();
  } else {
    stream << "None";
  }
  stream << ", affine=" << (options.affine() ? "true" : "false")
         << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false") << ")";
  if (delegate_) stream << "+delegate";
}

}  // namespace fixres::models
