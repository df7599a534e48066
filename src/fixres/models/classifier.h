#pragma once
/// The interface every network of the zoo implements: images → pooled embedding → logits.

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fixres/io/raw_tensor.h"

namespace fixres::models {

/// Logits and the embedding they were computed from, for one batch.
struct ClassifierOutput {
  torch::Tensor logits;     ///< N × num_classes, float32
  torch::Tensor embedding;  ///< N × embedding_dim, float32 (after the last spatial pooling)
};

/// A point where forward_features splits in two: a prefix from the images to a "state" (a few
/// tensors, one row per image) and a suffix from that state to the embedding. When every
/// parameter before the cut is frozen and every module before it is in eval mode, the prefix is a
/// deterministic function of the image, which is what the frozen-trunk cache of fine-tuning
/// (engine/trunk_cache.h) stores. The suffix computes exactly what forward_features computes after
/// the cut, with the same operations in the same order.
struct FeatureCut {
  /// The first module after the cut ("layer4.2.bn3"), or the classifier's name for the embedding.
  std::string name;
  /// Dotted paths of the modules the suffix and forward_head run; every other leaf module and
  /// every parameter outside them must be frozen (eval mode, no gradient) for the cut to be used.
  std::vector<std::string> suffix_modules;
  std::function<std::vector<torch::Tensor>(const torch::Tensor&)> prefix;  ///< images → state
  std::function<torch::Tensor(const std::vector<torch::Tensor>&)> suffix;  ///< state → embedding
};

/// A classification network (torch::nn::Module). Input: NCHW float32 images, already normalised,
/// any spatial size the network accepts (contiguous or channels-last, on any device).
/// The final linear layer is a registered child named as in PyTorch ("fc", "last_linear",
/// "classifier"), so FixRes's fine-tuning policy and the released state dicts address it by name.
class Classifier : public torch::nn::Module {
 public:
  /// Logits, N × num_classes.
  torch::Tensor forward(const torch::Tensor& images) { return forward_head(forward_features(images)); }
  /// The pooled embedding before the classifier, N × embedding_dim (FixRes's `x1`: 2048 for
  /// the ResNets, 4320 for PNASNet, num_features for EfficientNet).
  virtual torch::Tensor forward_features(const torch::Tensor& images) = 0;
  /// From embedding to logits: dropout (training only, where the Python model has one) and the
  /// linear classifier.
  virtual torch::Tensor forward_head(const torch::Tensor& embedding) = 0;
  /// Both in one pass.
  ClassifierOutput forward_with_embedding(const torch::Tensor& images);

  /// The cuts of forward_features, in forward order (the last is the embedding itself, whose
  /// suffix is the identity). Networks with finer cuts (the ResNets' last batch-norm) add theirs
  /// before it.
  virtual std::vector<FeatureCut> feature_cuts();

  /// Called before `weights` are copied in: a network whose shapes legitimately follow the
  /// checkpoint (a ViT's position-embedding grid) takes them from it. Default: nothing.
  virtual void adapt_to_weights(const io::StateDict& weights) { (void)weights; }
  /// Prepares the parameters for inputs of `size` pixels (a ViT resamples its position
  /// embedding, so that fine-tuning at that size trains and saves it there). Default: nothing.
  virtual void set_image_size(std::int64_t size) { (void)size; }

  /// Dotted path of the final linear layer: "fc", "last_linear", "classifier", "head", "head.fc".
  const std::string& classifier_name() const { return classifier_name_; }
  /// The final linear layer.
  torch::nn::Linear& classifier() { return classifier_; }
  const torch::nn::Linear& classifier() const { return classifier_; }
  std::int64_t num_classes() const { return classifier_->options.out_features(); }
  std::int64_t embedding_dim() const { return classifier_->options.in_features(); }
  /// Replaces the classifier by a freshly initialised one with `num_classes` outputs (same name,
  /// same place in the state dict), on the device of the old one.
  void reset_classifier(std::int64_t num_classes);

 protected:
  /// Registers the final linear layer under `name` in `owner` (this network by default, or one of
  /// its children, e.g. ConvNeXt's `head` for "head.fc"); subclasses call it where PyTorch
  /// registers it.
  void register_classifier(const std::string& name, std::int64_t embedding_dim, std::int64_t num_classes,
                           torch::nn::Module* owner = nullptr, const std::string& owner_path = "");
  /// Applies the classifier layer (for forward_head implementations).
  torch::Tensor apply_classifier(const torch::Tensor& embedding) { return classifier_->forward(embedding); }

 private:
  std::string classifier_name_;  ///< dotted, from the network
  std::string classifier_key_;   ///< the name within its owner
  torch::nn::Module* classifier_owner_ = nullptr;
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace fixres::models
