#include "fixres/cli/engine_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace fixres::cli {
namespace {

std::string library_path() {
  if (const char* env = std::getenv("FIXRES_ENGINE_LIBRARY"); env && *env) return env;
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) throw std::runtime_error("cannot locate the fixres binary (/proc/self/exe)");
  exe[n] = '\0';
  return (std::filesystem::path(exe).parent_path().parent_path() / "lib" / "libfixres.so").string();
}

const engine::EngineApi* load() {
  const std::string path = library_path();
  // OpenMP threads that spin at each barrier steal the cores from fixres's own loader threads
  // and from other processes: on 2 busy cores (a compiler running beside it) ResNet-50 evaluate
  // with 2 loader workers went from ~5 to ~8 images/s with sleeping waits; on idle cores the two
  // are within noise (12–14.5 images/s). libgomp reads this once, when LibTorch loads it, which
  // is this dlopen; a value the user set is kept.
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw std::runtime_error("cannot load the LibTorch engine " + path + ": " + (why ? why : "unknown reason") +
                             " (set FIXRES_ENGINE_LIBRARY to its path)");
  }
  using Entry = const engine::EngineApi* (*)();
  auto entry = reinterpret_cast<Entry>(::dlsym(handle, "fixres_engine_api"));
  if (entry == nullptr) throw std::runtime_error(path + ": no symbol fixres_engine_api (not a fixres engine)");
  const engine::EngineApi* api = entry();
  if (api == nullptr || api->version != engine::kEngineApiVersion) {
    throw std::runtime_error(path + ": engine API version mismatch (rebuild fixres)");
  }
  return api;
}

}  // namespace

const engine::EngineApi& engine_api() {
  static const engine::EngineApi* api = load();
  return *api;
}

const engine::EngineApi& engine_api_with_threads(int threads) {
  const engine::EngineApi& api = engine_api();
  api.set_threads(threads);
  return api;
}

}  // namespace fixres::cli
