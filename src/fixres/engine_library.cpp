// The entry table of libfixres.so (see fixres/core/api.h).
#include <torch/torch.h>

#include <dlfcn.h>

#include <cstdlib>
#include <thread>

#include "fixres/core/api.h"
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

fixres::engine::EngineApi make_api() {
  fixres::engine::EngineApi api;
  api.set_threads = &set_threads;
  api.evaluate = &fixres::engine::evaluate;
  api.extract = &fixres::engine::extract;
  api.sweep = &fixres::engine::sweep;
  api.finetune = &fixres::engine::run_finetune;
  api.train = &fixres::engine::run_train;
  api.demo = &fixres::engine::run_demo;
  api.demo_export = &fixres::engine::export_demo_dataset;
  api.describe_architecture = [](const std::string& architecture, const std::string& efficientnet_model) {
    return fixres::models::describe_architecture(architecture, efficientnet_model);
  };
  return api;
}

}  // namespace

extern "C" const fixres::engine::EngineApi* fixres_engine_api() {
  static const fixres::engine::EngineApi api = make_api();
  return &api;
}
