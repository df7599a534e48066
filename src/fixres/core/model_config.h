#pragma once
/// What every engine command says about the network it runs, torch-free so that the CLI fills it
/// from flags and hands it across the CLI ↔ libfixres.so boundary (fixres/core/api.h).
/// engine/model_setup.h turns it into a network on a device with its weights and normalisation.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "fixres/core/test_protocol.h"

namespace fixres::engine {

struct ModelConfig {
  /// --architecture: ResNet50, IGAM_Resnext101_32x48d, PNASNet, EfficientNet (+ efficientnet_model),
  /// or any other registry row (models/registry.h).
  std::string architecture = "ResNet50";
  /// --EfficientNet-models: timm name, used when architecture is "EfficientNet".
  std::string efficientnet_model;
  /// --weight-path: .pth (legacy or zip) or .safetensors; empty = random initialisation (as
  /// PyTorch's constructors), e.g. training from scratch.
  std::string weight_path;
  /// Every parameter and buffer must load, nothing unexpected, every shape equal (FixRes demands
  /// 100%). false: load what fits and report the rest.
  bool strict = true;
  /// Classifier outputs. 0: as many as the weights' classifier has (1000 without weights).
  std::int64_t num_classes = 0;
  /// "cpu", "cuda" or "cuda:N".
  std::string device = "cpu";
  /// Parameters (and the engines' input batches) in channels-last memory format.
  bool channels_last = false;
  /// Frozen conv→batch-norm pairs run folded (models/conv_bn_folding.h) in the engines' loops.
  bool fold_batch_norms = true;
  /// --precision: "fp32", or "bf16" (core/precision.h: autocast-style bfloat16 convolutions and
  /// linear layers; refused on a CPU without native bf16).
  std::string precision = "fp32";
  /// --mean/--std overrides of the normalisation; unset: what the weights were trained with
  /// (the architecture's row: ImageNet's, 0.5/0.5 for PNASNet and the AdvProp `_ap` EfficientNets).
  std::optional<std::array<float, 3>> mean;
  std::optional<std::array<float, 3>> std;
  /// --crop-pct / --resize-size / --resize-mode / --interpolation over the weights' own test
  /// protocol (the architecture's row; core/test_protocol.h).
  data::TestProtocolOverrides test_protocol;
  /// --drop-path-rate: stochastic depth of EfficientNet, ViT/DeiT and ConvNeXt in training
  /// (unset: the builders' 0).
  std::optional<double> drop_path_rate;
  /// --use-ema: the weights are the checkpoint's `model_ema` (saved by a --model-ema run), not
  /// its 'model'.
  bool use_ema = false;
  /// --verbose: a load report names every key (default: the first ten of each kind, for a person
  /// to read; the C++ functions of models/ name every key unless told otherwise).
  bool verbose = false;
};

}  // namespace fixres::engine
