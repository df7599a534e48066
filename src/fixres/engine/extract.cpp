#include "fixres/core/extract.h"

#include <filesystem>

#include "fixres/engine/inference.h"
#include "fixres/io/atomic_file.h"
#include "fixres/io/npy.h"

namespace fixres::engine {
namespace {

std::vector<std::int64_t> shape_of(const torch::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

}  // namespace

ExtractResult extract(const ExtractConfig& config, const Reporter& reporter) {
  if (config.save_path.empty()) throw std::invalid_argument("no output folder (--save-path) given");
  io::ensure_writable_directory(config.save_path);
  const std::string name = config.name.empty() ? config.model.architecture : config.name;

  InferenceSession session = open_inference_session(config.model, config.data, {config.input_size}, reporter);
  InferenceOptions options = session.options(config.data, config.input_size);
  options.phase = "extract " + std::to_string(config.input_size) + "px";
  options.embeddings = true;
  options.collect = true;
  InferenceResult run = run_inference(session.setup, session.dataset, options, *session.context, session.reporter);

  ExtractResult result;
  result.images = run.labels.size(0);
  result.embedding_dim = run.embedding.size(1);
  result.num_classes = run.softmax.size(1);
  torch::Tensor labels = run.labels.contiguous();
  torch::Tensor embedding = run.embedding.contiguous();
  torch::Tensor softmax = run.softmax.contiguous();
  static_cast<InferenceRunReport&>(result) = run_report(session, options, std::move(run));

  const std::filesystem::path dir(config.save_path);
  result.labels_path = (dir / "labels.npy").string();
  result.embedding_path = (dir / (name + "_embedding.npy")).string();
  result.softmax_path = (dir / (name + "_softmax.npy")).string();
  if (result.is_main) {
    io::write_npy(result.labels_path, io::DType::Int64, shape_of(labels), labels.data_ptr<std::int64_t>());
    io::write_npy(result.embedding_path, io::DType::Float32, shape_of(embedding), embedding.data_ptr<float>());
    io::write_npy(result.softmax_path, io::DType::Float32, shape_of(softmax), softmax.data_ptr<float>());
  }
  // The others wait until the files exist, so that a launcher sees them when every rank is done.
  session.context->barrier();
  return result;
}

}  // namespace fixres::engine
