#include "fixres/dist/sync_batch_norm.h"

#include "fixres/models/batch_norm.h"

#include <ostream>
#include <typeinfo>

namespace fixres::dist {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// Lets the autograd context carry the dist::Context to the backward pass.
struct ContextCapsule : torch::CustomClassHolder {
  explicit ContextCapsule(std::shared_ptr<Context> c) : context(std::move(c)) {}
  std::shared_ptr<Context> context;
};

/// Dimensions reduced for per-channel statistics: all but 1.
std::vector<std::int64_t> reduce_dims(const torch::Tensor& input) {
  std::vector<std::int64_t> dims{0};
  for (std::int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  return dims;
}

/// Shape that broadcasts a (C) vector against `input`: (1, C, 1, ...).
std::vector<std::int64_t> channel_shape(const torch::Tensor& input) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(input.dim()), 1);
  shape[1] = input.size(1);
  return shape;
}

struct SyncBatchNormFunction : torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               const torch::Tensor& running_mean, const torch::Tensor& running_var,
                               double eps, double momentum,
                               const std::shared_ptr<Context>& context) {
    const auto dims = reduce_dims(input);
    const std::int64_t channels = input.size(1);
    const double local_count =
        static_cast<double>(input.numel() / std::max<std::int64_t>(channels, 1));
    // Global sum, sum of squares and count in one float64 all-reduce.
    auto stats = torch::cat(
        {input.sum(dims, false, torch::kFloat64), input.square().sum(dims, false, torch::kFloat64),
         torch::full({1}, local_count, input.options().dtype(torch::kFloat64))});
    context->all_reduce_sum(stats);
    const double count = stats[2 * channels].item<double>();
    TORCH_CHECK(count > 1,
                "SyncBatchNorm: expected more than 1 value per channel when training, got ", count,
                " over all ranks (input ", input.sizes(), ")");
    const auto mean = stats.narrow(0, 0, channels) / count;
    const auto var = (stats.narrow(0, channels, channels) / count - mean.square()).clamp_min(0);
    const auto invstd = (var + eps).rsqrt();

    if (running_mean.defined()) {
      torch::NoGradGuard no_grad;
      running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype()), momentum);
      running_var.mul_(1 - momentum)
          .add_((var * (count / (count - 1))).to(running_var.dtype()), momentum);
    }

    const auto shape = channel_shape(input);
    const auto mean_c = mean.to(input.scalar_type()).view(shape);
    const auto invstd_c = invstd.to(input.scalar_type()).view(shape);
    auto output = (input - mean_c) * invstd_c;
    if (weight.defined()) output = output * weight.view(shape);
    if (bias.defined()) output = output + bias.view(shape);

    ctx->save_for_backward({input, weight, mean_c, invstd_c});
    ctx->saved_data["count"] = count;
    ctx->saved_data["has_bias"] = bias.defined();
    ctx->saved_data["context"] =
        c10::IValue::make_capsule(c10::make_intrusive<ContextCapsule>(context));
    return output;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const auto& mean_c = saved[2];
    const auto& invstd_c = saved[3];
    const double count = ctx->saved_data["count"].toDouble();
    const bool has_bias = ctx->saved_data["has_bias"].toBool();
    auto capsule =
        c10::static_intrusive_pointer_cast<ContextCapsule>(ctx->saved_data["context"].toCapsule());

    const auto dy = grad_outputs[0].contiguous();
    const auto dims = reduce_dims(input);
    const std::int64_t channels = input.size(1);
    const auto xmu = input - mean_c;
    const auto sum_dy = dy.sum(dims, false, torch::kFloat64);
    const auto sum_dy_xmu = (dy * xmu).sum(dims, false, torch::kFloat64);

    // Parameter gradients from this rank's batch; the GradientReducer averages them.
    const auto shape = channel_shape(input);
    torch::Tensor grad_weight, grad_bias;
    if (weight.defined())
      grad_weight = (sum_dy_xmu * invstd_c.view({-1}).to(torch::kFloat64)).to(weight.dtype());
    if (has_bias) grad_bias = sum_dy.to(input.scalar_type());

    auto sums = torch::cat({sum_dy, sum_dy_xmu});
    capsule->context->all_reduce_sum(sums);
    const auto mean_dy = (sums.narrow(0, 0, channels) / count).to(input.scalar_type()).view(shape);
    const auto mean_dy_xmu =
        (sums.narrow(0, channels, channels) / count).to(input.scalar_type()).view(shape);
    auto scale = invstd_c;
    if (weight.defined()) scale = scale * weight.view(shape);
    const auto grad_input = (dy - mean_dy - xmu * invstd_c.square() * mean_dy_xmu) * scale;
    // One gradient per forward argument (undefined for running stats, eps, momentum, context).
    return {grad_input, grad_weight, grad_bias, {}, {}, {}, {}, {}};
  }
};

}  // namespace

SyncBatchNormImpl::SyncBatchNormImpl(const torch::nn::BatchNormOptions& options_,
                                     std::shared_ptr<Context> context)
    : options(options_), context_(std::move(context)) {
  TORCH_CHECK(context_, "SyncBatchNorm: no dist::Context");
  reset();
}

SyncBatchNormImpl::SyncBatchNormImpl(const torch::nn::BatchNorm2dImpl& source,
                                     std::shared_ptr<Context> context)
    : options(source.options), context_(std::move(context)) {
  TORCH_CHECK(context_, "SyncBatchNorm: no dist::Context");
  // The very tensors of `source` (as registered), so optimisers and loaded weights carry over.
  if (options.affine()) {
    weight = register_parameter("weight", source.weight, source.weight.requires_grad());
    bias = register_parameter("bias", source.bias, source.bias.requires_grad());
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", source.running_mean);
    running_var = register_buffer("running_var", source.running_var);
    num_batches_tracked = register_buffer("num_batches_tracked", source.num_batches_tracked);
  }
  train(source.is_training());
}

void SyncBatchNormImpl::reset() {
  models::register_fresh_batch_norm(*this, options, weight, bias, running_mean, running_var,
                                    num_batches_tracked);
}

torch::Tensor sync_batch_norm(const torch::nn::BatchNormOptions& options, bool training,
                              const torch::Tensor& weight, const torch::Tensor& bias,
                              const torch::Tensor& running_mean, const torch::Tensor& running_var,
                              const torch::Tensor& num_batches_tracked, const torch::Tensor& input,
                              const std::shared_ptr<Context>& context) {
  TORCH_CHECK(input.dim() >= 2 && input.size(1) == options.num_features(),
              "SyncBatchNorm: expected input (N, ", options.num_features(), ", ...), got ",
              input.sizes());
  // BatchNorm's rules: momentum None = cumulative average; batches counted in training mode.
  const double factor = models::batch_norm_update_factor(options, training, num_batches_tracked);
  const bool batch_statistics = training || !options.track_running_stats();
  if (!batch_statistics || !context || !context->is_distributed()) {
    return torch::batch_norm(input, weight, bias, running_mean, running_var, batch_statistics,
                             factor, options.eps(), at::globalContext().userEnabledCuDNN());
  }
  const auto stats_mean = training ? running_mean : torch::Tensor();
  const auto stats_var = training ? running_var : torch::Tensor();
  return SyncBatchNormFunction::apply(input, weight, bias, stats_mean, stats_var, options.eps(),
                                      factor, context);
}

torch::Tensor sync_batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& input,
                              const std::shared_ptr<Context>& context) {
  return sync_batch_norm(bn.options, bn.is_training(), bn.weight, bn.bias, bn.running_mean,
                         bn.running_var, bn.num_batches_tracked, input, context);
}

torch::Tensor SyncBatchNormImpl::forward(const torch::Tensor& input) {
  if (is_training()) ++training_calls_;
  return sync_batch_norm(options, is_training(), weight, bias, running_mean, running_var,
                         num_batches_tracked, input, context_);
}

void SyncBatchNormImpl::pretty_print(std::ostream& stream) const {
  stream << "fixres::dist::SyncBatchNorm(" << options.num_features() << ", eps=" << options.eps()
         << ", momentum=" << options.momentum().value_or(-1) << ", affine=" << options.affine()
         << ", track_running_stats=" << options.track_running_stats() << ")";
}

namespace {

void convert_children(torch::nn::Module& parent, const std::string& prefix,
                      const std::shared_ptr<Context>& context,
                      std::vector<std::string>& converted) {
  for (const auto& child : parent.named_children()) {
    const std::string name = prefix.empty() ? child.key() : prefix + "." + child.key();
    const auto* bn = child.value()->as<torch::nn::BatchNorm2d>();
    // Exactly BatchNorm2d: a subclass is a model's own type with its own way to sync.
    if (bn && typeid(*child.value()) == typeid(torch::nn::BatchNorm2dImpl)) {
      parent.replace_module(child.key(), SyncBatchNorm(*bn, context));
      converted.push_back(name);
    } else {
      convert_children(*child.value(), name, context, converted);
    }
  }
}

}  // namespace

std::vector<std::string> convert_sync_batchnorm(torch::nn::Module& root,
                                                std::shared_ptr<Context> context) {
  TORCH_CHECK(context, "convert_sync_batchnorm: no dist::Context");
  std::vector<std::string> converted;
  convert_children(root, "", context, converted);
  return converted;
}

std::vector<std::string> use_sync_batch_norm(torch::nn::Module& root,
                                             const std::shared_ptr<Context>& context) {
  TORCH_CHECK(context, "use_sync_batch_norm: no dist::Context");
  std::vector<std::string> synced;
  for (const auto& item : root.named_modules("", /*include_self=*/true)) {
    if (auto* bn = item.value()->as<models::BatchNorm2d>()) {
      bn->set_delegate([context](models::BatchNorm2dImpl& layer, const torch::Tensor& input) {
        return sync_batch_norm(layer.options, layer.is_training(), layer.weight, layer.bias,
                               layer.running_mean, layer.running_var, layer.num_batches_tracked,
                               input, context);
      });
      synced.push_back(item.key());
    }
  }
  const auto converted = convert_sync_batchnorm(root, context);
  synced.insert(synced.end(), converted.begin(), converted.end());
  return synced;
}

void check_sync_batchnorm_used(torch::nn::Module& root) {
  std::string bypassed;
  for (const auto& item : root.named_modules("", /*include_self=*/false)) {
    const auto* sync = item.value()->as<SyncBatchNorm>();
    if (sync && sync->is_training() && sync->training_calls() == 0) {
      bypassed += (bypassed.empty() ? "" : ", ") + item.key();
    }
  }
  TORCH_CHECK(
      bypassed.empty(),
      "--sync-bn: these batch norms were converted to SyncBatchNorm but the model still "
      "calls the modules they replaced (a member holder not re-fetched after replace_module): ",
      bypassed);
}

}  // namespace fixres::dist
