// `fixres evaluate-softmax`: the seed's main_evaluate_softmax.py — top-1/top-5 from saved
// softmax scores and labels, for any number of rows. Torch-free: never loads libtorch.
#include <filesystem>
#include <vector>

#include "fixres/cli/command.h"
#include "fixres/cli/options.h"
#include "fixres/cli/output.h"
#include "fixres/core/metrics.h"
#include "fixres/io/npy.h"

namespace fixres::cli {
namespace {

struct EvaluateSoftmaxFlags {
  std::string architecture = "ResNet50";
  std::string save_path;
  std::string version = "v1";
  std::string json_path;
};

/// Labels as int64, whatever integer type the file holds.
std::vector<std::int64_t> read_labels(const std::string& path) {
  io::NpyArray labels = io::read_npy(path);
  if (labels.shape.size() != 1) {
    throw io::IoError(path, "expected a 1-D array of labels, got shape " + labels.shape_string());
  }
  const auto n = static_cast<std::size_t>(labels.numel());
  switch (labels.dtype) {
    case io::DType::Int64: {
      const auto* p = labels.as<std::int64_t>();
      return std::vector<std::int64_t>(p, p + n);
    }
    case io::DType::Int32: {
      const auto* p = labels.as<std::int32_t>();
      return std::vector<std::int64_t>(p, p + n);
    }
    default:
      throw io::IoError(path, "expected int64 or int32 labels, got " + io::dtype_name(labels.dtype));
  }
}

void run(const EvaluateSoftmaxFlags& flags) {
  const std::filesystem::path dir(flags.save_path);
  const std::string suffix = flags.version == "v2" ? "_softmax_v2.npy" : "_softmax.npy";
  const std::string softmax_path = (dir / (flags.architecture + suffix)).string();
  const std::string labels_path = (dir / "labels.npy").string();

  io::NpyArray softmax = io::read_npy(softmax_path);
  if (softmax.shape.size() != 2 || softmax.shape[1] < 1) {
    throw io::IoError(softmax_path, "expected a 2-D array (images x classes), got shape " + softmax.shape_string());
  }
  if (softmax.dtype != io::DType::Float32 && softmax.dtype != io::DType::Float64) {
    throw io::IoError(softmax_path, "expected float32 or float64 scores, got " + io::dtype_name(softmax.dtype));
  }
  const std::vector<std::int64_t> labels = read_labels(labels_path);
  const std::int64_t rows = softmax.shape[0];
  const std::int64_t cols = softmax.shape[1];
  if (static_cast<std::int64_t>(labels.size()) != rows) {
    throw io::IoError(softmax_path, "has " + std::to_string(rows) + " rows but " + labels_path + " has " +
                                        std::to_string(labels.size()) + " labels");
  }
  if (rows == 0) throw io::IoError(softmax_path, "contains no images");

  engine::TopkCounts counts;
  try {
    counts = softmax.dtype == io::DType::Float32
                 ? engine::count_topk(softmax.as<float>(), rows, cols, labels.data())
                 : engine::count_topk(softmax.as<double>(), rows, cols, labels.data());
  } catch (const std::invalid_argument& e) {
    throw io::IoError(softmax_path + " / " + labels_path, e.what());
  }
  print_line(engine::format_topk(counts));
  write_json(flags.json_path, {{"architecture", flags.architecture},
                               {"version", flags.version},
                               {"images", counts.images},
                               {"top1", counts.top1_percent()},
                               {"top5", counts.top5_percent()}});
}

}  // namespace

Command add_evaluate_softmax(CLI::App& root) {
  auto flags = std::make_shared<EvaluateSoftmaxFlags>();
  CLI::App* app = root.add_subcommand(
      "evaluate-softmax", "Top-1/top-5 from SAVE_PATH/ARCH_softmax.npy and labels.npy (main_evaluate_softmax.py)");
  app->add_option("--architecture", flags->architecture,
                  "Name the scores were saved under (ARCH in ARCH_softmax.npy)")
      ->capture_default_str();
  app->add_option("--save-path", flags->save_path, "Folder holding ARCH_softmax.npy and labels.npy")->required();
  app->add_option("--version", flags->version, "v1: ARCH_softmax.npy, v2: ARCH_softmax_v2.npy")
      ->capture_default_str()
      ->check(CLI::IsMember({"v1", "v2"}));
  add_json_flag(*app, flags->json_path);
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
