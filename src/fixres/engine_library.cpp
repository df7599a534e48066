// The entry table of libfixres.so (see fixres/core/api.h).
#include <torch/torch.h>

#include <dlfcn.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <utility>

#include "fixres/core/api.h"
#include "fixres/models/error_text.h"
#include "fixres/models/manifest.h"

namespace {

void set_threads(int threads) {
  // 0 = "all cores", unless a launcher shared the cores between ranks via OMP_NUM_THREADS.
  if (threads <= 0) {
    const char* omp = std::getenv("OMP_NUM_THREADS");
    threads = omp ? std::atoi(omp) : 0;
  }
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  torch::set_num_threads(threads);
  // LibTorch sets OpenMP's (and MKL's) thread count but not OpenBLAS's, which otherwise follows
  // OMP_NUM_THREADS / OPENBLAS_NUM_THREADS or the core count, and splits its sums differently
  // with the count: the same --threads must give the same numbers whoever started the process
  // (`fixres launch` sets OMP_NUM_THREADS for its ranks). Found at run time: no link-time
  // dependency on one BLAS.
  using SetBlasThreads = void (*)(int);
  if (auto* set_blas = reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set_blas(threads);
  }
}

/// An engine entry point as the CLI calls it: a LibTorch error (c10::Error, whose what() carries
/// a C++ backtrace) leaves as a std::runtime_error with the message only (models/error_text.h);
/// every other exception passes as it is.
template <auto Entry>
struct Guarded;

template <typename Result, typename... Args, Result (*Entry)(Args...)>
struct Guarded<Entry> {
  static Result call(Args... args) {
    try {
      return Entry(std::forward<Args>(args)...);
    } catch (const c10::Error& e) {
      throw std::runtime_error(fixres::models::error_text(e));
    }
  }
};

fixres::models::ArchitectureInfo describe(const std::string& architecture, const std::string& efficientnet_model) {
  return fixres::models::describe_architecture(architecture, efficientnet_model);
}

fixres::engine::EngineApi make_api() {
  fixres::engine::EngineApi api;
  api.set_threads = &set_threads;
  api.evaluate = &Guarded<&fixres::engine::evaluate>::call;
  api.extract = &Guarded<&fixres::engine::extract>::call;
  api.sweep = &Guarded<&fixres::engine::sweep>::call;
  api.finetune = &Guarded<&fixres::engine::run_finetune>::call;
  api.train = &Guarded<&fixres::engine::run_train>::call;
  api.demo = &Guarded<&fixres::engine::run_demo>::call;
  api.demo_export = &Guarded<&fixres::engine::export_demo_dataset>::call;
  api.describe_architecture = &Guarded<&describe>::call;
  return api;
}

}  // namespace

extern "C" const fixres::engine::EngineApi* fixres_engine_api() {
  static const fixres::engine::EngineApi api = make_api();
  return &api;
}
