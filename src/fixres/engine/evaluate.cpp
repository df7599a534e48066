#include "fixres/core/evaluate.h"

#include "fixres/engine/inference.h"

namespace fixres::engine {

EvaluateResult evaluate(const EvaluateConfig& config, const Reporter& reporter) {
  InferenceSession session = open_inference_session(config.model, config.data, {config.input_size}, reporter);
  InferenceOptions options = session.options(config.data, config.input_size);
  options.phase = "evaluate " + std::to_string(config.input_size) + "px";
  InferenceResult run = run_inference(session.setup, session.dataset, options, *session.context, session.reporter);

  EvaluateResult result;
  result.dataset_size = run.dataset_size;
  static_cast<InferenceRunReport&>(result) = run_report(session, options, std::move(run));
  return result;
}

}  // namespace fixres::engine
