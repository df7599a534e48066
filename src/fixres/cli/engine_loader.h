#pragma once
/// Loads libfixres.so (the LibTorch engine) on first use and returns its entry table.
/// Looked up at $FIXRES_ENGINE_LIBRARY, else <dir of the fixres binary>/../lib/libfixres.so.

#include "fixres/core/api.h"

namespace fixres::cli {

/// Throws std::runtime_error naming the library path and the loader's reason on failure.
const engine::EngineApi& engine_api();

/// engine_api() after setting LibTorch's intra-op threads (0: all cores).
const engine::EngineApi& engine_api_with_threads(int threads);

}  // namespace fixres::cli
