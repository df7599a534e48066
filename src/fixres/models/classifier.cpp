#include "fixres/models/classifier.h"

namespace fixres::models {

ClassifierOutput Classifier::forward_with_embedding(const torch::Tensor& images) {
  ClassifierOutput out;
  out.embedding = forward_features(images);
  out.logits = forward_head(out.embedding);
  return out;
}

void Classifier::register_classifier(const std::string& name, std::int64_t embedding_dim,
                                     std::int64_t num_classes) {
  TORCH_CHECK(num_classes > 0, "Classifier: num_classes must be positive, got ", num_classes);
  classifier_name_ = name;
  classifier_ = register_module(name, torch::nn::Linear(embedding_dim, num_classes));
}

void Classifier::reset_classifier(std::int64_t num_classes) {
  TORCH_CHECK(classifier_, "Classifier: no classifier registered");
  TORCH_CHECK(num_classes > 0, "Classifier: num_classes must be positive, got ", num_classes);
  const auto device = classifier_->weight.device();
  torch::nn::Linear fresh(embedding_dim(), num_classes);
  fresh->to(device);
  classifier_ = replace_module(classifier_name_, fresh);
}

}  // namespace fixres::models
