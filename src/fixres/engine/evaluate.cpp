#include "fixres/core/evaluate.h"

#include "fixres/data/real_labels.h"
#include "fixres/engine/inference.h"

namespace fixres::engine {

EvaluateResult evaluate(const EvaluateConfig& config, const Reporter& reporter) {
  InferenceSession session = open_inference_session(config.model, config.data, {config.input_size}, reporter);
  InferenceOptions options = inference_options(config.data, config.input_size);
  std::vector<std::vector<std::int64_t>> real;
  if (!config.data.labels.real_labels.empty()) {
    real = data::real_labels_for(*session.dataset, config.data.labels.real_labels);
    options.real_labels = &real;
  }
  options.phase = "evaluate " + std::to_string(config.input_size) + "px";
  InferenceResult run = run_inference(session.setup, session.dataset, options, *session.context, session.reporter);

  EvaluateResult result;
  result.dataset_size = run.dataset_size;
  static_cast<InferenceRunReport&>(result) = run_report(session, options, std::move(run));
  return result;
}

}  // namespace fixres::engine
