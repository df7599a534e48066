#pragma once
/// `fixres extract` (the seed's main_extract.py): the softmax probabilities, pooled embeddings and
/// labels of every image of an ImageFolder at one test size, written as the .npy files the FixRes
/// README distributes (and `fixres evaluate-softmax` reads):
///   SAVE/labels.npy          int64   N
///   SAVE/NAME_embedding.npy  float32 N × D  (2048 ResNets, 4320 PNASNet, num_features EfficientNet)
///   SAVE/NAME_softmax.npy    float32 N × C  (softmax over dim 1 of the logits)
/// rows in dataset (ImageFolder) order, undecodable images left out. Torch-free declarations.

#include <string>
#include <vector>

#include "fixres/core/inference_config.h"
#include "fixres/core/metrics.h"
#include "fixres/core/model_config.h"
#include "fixres/core/reporter.h"

namespace fixres::engine {

struct ExtractConfig {
  ModelConfig model;
  InferenceDataConfig data;
  int input_size = 224;
  /// Output folder (created; checked writable before any work).
  std::string save_path;
  /// NAME in NAME_embedding.npy / NAME_softmax.npy; empty: model.architecture as given.
  std::string name;
};

/// counts: the top-1/top-5 of the logits (what evaluate-softmax finds on the files).
struct ExtractResult : InferenceRunReport {
  std::int64_t images = 0;          ///< rows written
  std::int64_t embedding_dim = 0;
  std::int64_t num_classes = 0;
  std::string labels_path, embedding_path, softmax_path;  ///< written by rank 0 only
};

/// Throws io::IoError when the output folder is not writable (before loading anything), else as
/// evaluate().
ExtractResult extract(const ExtractConfig& config, const Reporter& reporter = {});

}  // namespace fixres::engine
