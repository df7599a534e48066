#pragma once
/// The table of engine entry points that libfixres.so exports to the torch-free CLI.
/// The CLI dlopens the library only for commands that need tensors, so that `--help`,
/// `evaluate-softmax`, `inspect` and `convert` never pay LibTorch's start-up cost.
/// Every type reachable from here is torch-free. Add one member per engine command.

namespace fixres::engine {

inline constexpr int kEngineApiVersion = 1;

struct EngineApi {
  int version = kEngineApiVersion;
  /// Intra-op threads of LibTorch (0: all cores).
  void (*set_threads)(int threads) = nullptr;
};

}  // namespace fixres::engine

extern "C" const fixres::engine::EngineApi* fixres_engine_api();
