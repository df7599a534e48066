#pragma once
/// What evaluate, extract and sweep share besides the model (engine/model_config.h): the dataset,
/// the loader settings and the distributed options, plus the torch-free reports of a run.
/// Torch-free: the CLI fills these and hands them to libfixres.so (engine/api.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fixres/core/dist_options.h"
#include "fixres/core/label_options.h"
#include "fixres/core/metrics.h"
#include "fixres/core/test_protocol.h"

namespace fixres::engine {

struct InferenceDataConfig {
  /// One ImageFolder (the CLI passes --dataset-path DIR or --imnet-path ROOT + "/val").
  std::string dataset_path;
  int batch = 32;               ///< images per batch on each rank
  int workers = 4;              ///< image loading threads
  bool strict_images = false;   ///< an undecodable image is an error instead of a skip
  /// --tta flip: each image and its horizontal mirror (the test crop flipped); top-1/top-5 on
  /// the mean of the two softmaxes, extract writes the mean softmax and the mean embedding.
  bool tta_flip = false;
  /// Class folders to labels (numeric folders, ImageNet-1k WordNet-id subsets, --class-order,
  /// --class-map) and --real-labels.
  data::LabelOptions labels = [] {
    data::LabelOptions evaluation;
    evaluation.imagenet_subsets = true;
    return evaluation;
  }();
  dist::DistOptions dist;       ///< ranks share the dataset (DistributedSampler semantics)
};

/// An image that could not be decoded and was left out of the counts and files.
struct SkippedImageReport {
  std::int64_t index = 0;  ///< position in the dataset (ImageFolder order)
  std::string path;
  std::string reason;      ///< the decoder's message ("skipped on another rank" when unknown here)
};

/// What an evaluate or extract run reports besides its own outputs.
struct InferenceRunReport {
  std::string architecture;   ///< the registry row that ran ("ResNet50", "tf_efficientnet_b0_ap", …)
  int input_size = 0;
  TopkCounts counts;          ///< over all ranks, every decodable image once
  double seconds = 0.0;       ///< wall time of the inference loop
  double images_per_second = 0.0;
  std::string normalization;  ///< which mean/std was used, and why
  std::string test_transform; ///< which resize, crop-pct and interpolation, and why
  data::TestProtocol protocol;  ///< the test transform used
  bool tta_flip = false;        ///< the scores are the mean over the image and its mirror
  std::int64_t parameters = 0;  ///< the network's parameter count
  std::string labels;           ///< how the folders became labels (data::Dataset::label_convention)
  /// ImageNet-ReaL top-1/top-5 (--real-labels; images with an empty label list left out).
  std::optional<TopkCounts> real;
  std::vector<SkippedImageReport> skipped;
  bool is_main = true;        ///< rank 0 (the only one that prints and writes)
  int world_size = 1;
};

}  // namespace fixres::engine
