// The entry table of libfixres.so (see fixres/engine/api.h).
#include <torch/torch.h>

#include <cstdlib>
#include <thread>

#include "fixres/engine/api.h"
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
