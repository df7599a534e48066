#pragma once
/// The table of engine entry points that libfixres.so exports to the torch-free CLI.
/// The CLI dlopens the library only for commands that need tensors, so that `--help`,
/// `evaluate-softmax`, `inspect` and `convert` never pay LibTorch's start-up cost.
/// Every type reachable from here is torch-free. Add one member per engine command.

#include <string>

#include "fixres/core/demo.h"
#include "fixres/core/evaluate.h"
#include "fixres/core/extract.h"
#include "fixres/core/finetune.h"
#include "fixres/core/sweep.h"
#include "fixres/core/train.h"
#include "fixres/core/architecture_info.h"

namespace fixres::engine {

inline constexpr int kEngineApiVersion = 1;

struct EngineApi {
  int version = kEngineApiVersion;
  /// Intra-op threads of LibTorch (0: all cores).
  void (*set_threads)(int threads) = nullptr;
  /// `fixres evaluate`, `extract`, `sweep` (engine/evaluate.h, extract.h, sweep.h).
  EvaluateResult (*evaluate)(const EvaluateConfig& config, const Reporter& reporter) = nullptr;
  ExtractResult (*extract)(const ExtractConfig& config, const Reporter& reporter) = nullptr;
  SweepResult (*sweep)(const SweepConfig& config, const Reporter& reporter) = nullptr;
  /// `fixres finetune`, `train` (engine/finetune.h, train.h).
  TrainingResult (*finetune)(const FinetuneConfig& config, const Reporter& reporter) = nullptr;
  TrainingResult (*train)(const TrainConfig& config, const Reporter& reporter) = nullptr;
  /// `fixres demo` and `fixres demo --export DIR` (engine/demo.h).
  DemoResult (*demo)(const DemoConfig& config, const Reporter& reporter) = nullptr;
  DemoExportResult (*demo_export)(const std::string& dir, const std::string& data_root,
                                  const Reporter& reporter) = nullptr;
  /// `fixres inspect --architecture X [--EfficientNet-models M] [--manifest]`: builds the network
  /// (shapes only) and returns its parameter counts, sizes, normalisation and state-dict manifest
  /// (models/architecture_info.h). Throws std::invalid_argument listing the known architectures.
  models::ArchitectureInfo (*describe_architecture)(const std::string& architecture,
                                                    const std::string& efficientnet_model) = nullptr;
};

}  // namespace fixres::engine

extern "C" const fixres::engine::EngineApi* fixres_engine_api();
