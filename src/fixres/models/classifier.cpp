#include "fixres/models/classifier.h"

namespace fixres::models {

ClassifierOutput Classifier::forward_with_embedding(const torch::Tensor& images) {
  ClassifierOutput out;
  out.embedding = forward_features(images);
  out.logits = forward_head(out.embedding);
  return out;
}

std::vector<FeatureCut> Classifier::feature_cuts() {
  FeatureCut embedding;
  embedding.name = classifier_name_;
  embedding.suffix_modules = {classifier_name_};
  embedding.prefix = [this](const torch::Tensor& images) { return std::vector<torch::Tensor>{forward_features(images)}; };
  embedding.suffix = [](const std::vector<torch::Tensor>& state) { return state.at(0); };
  return {embedding};
}

void Classifier::register_classifier(const std::string& name, std::int64_t embedding_dim, std::int64_t num_classes,
                                     torch::nn::Module* owner, const std::string& owner_path) {
  TORCH_CHECK(num_classes > 0, "Classifier: num_classes must be positive, got ", num_classes);
  classifier_owner_ = owner != nullptr ? owner : this;
  classifier_key_ = name;
  classifier_name_ = owner_path.empty() ? name : owner_path + "." + name;
  classifier_ = classifier_owner_->register_module(name, torch::nn::Linear(embedding_dim, num_classes));
}

void Classifier::reset_classifier(std::int64_t num_classes) {
  TORCH_CHECK(classifier_, "Classifier: no classifier registered");
  TORCH_CHECK(num_classes > 0, "Classifier: num_classes must be positive, got ", num_classes);
  const auto device = classifier_->weight.device();
  torch::nn::Linear fresh(embedding_dim(), num_classes);
  fresh->to(device);
  classifier_ = classifier_owner_->replace_module(classifier_key_, fresh);
}

}  // namespace fixres::models
