#include "fixres/engine/evaluate.h"

#include "fixres/engine/inference.h"

namespace fixres::engine {

EvaluateResult evaluate(const EvaluateConfig& config, const Reporter& reporter) {
  InferenceSession session = open_inference_session(config.model, config.data, {config.input_size}, reporter);
  InferenceOptions options = inference_options(config.data, config.input_size);
  options.phase = "evaluate " + std::to_string(config.input_size) + "px";
  InferenceResult run = run_inference(session.setup, session.dataset, options, *session.context, session.reporter);

  EvaluateResult result;
  result.architecture = session.setup.spec->name;
  result.input_size = config.input_size;
  result.counts = run.counts;
  result.dataset_size = run.dataset_size;
  result.seconds = run.seconds;
  result.images_per_second = run.images_per_second;
  result.normalization = session.setup.normalization_note;
  result.skipped = std::move(run.skipped);
  result.is_main = session.context->is_main();
  result.world_size = session.context->world_size();
  return result;
}

}  // namespace fixres::engine
