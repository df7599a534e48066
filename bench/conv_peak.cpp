// This machine's convolution limit, and how close fixres's ResNet-50 trunk runs to it:
//   conv_peak THREADS
// 1. oneDNN's throughput on one large 3x3 convolution (batch 16, 256 -> 256 channels, 56 x 56,
//    channels-last, as ResNet-50's layer1-2 shapes), in fp32 and, where the CPU has native bf16,
//    in bf16 (autocast, as --precision bf16 runs it): GFLOP/s = 2 x multiply-adds / seconds.
// 2. fixres's ResNet-50 trunk (forward_features, channels-last, batch-norms folded, eval mode,
//    batch 16) at 224 and 384 in the same precisions: its GFLOP/s (the FLOPs engine/flop_count.h
//    counts: 8.18 GFLOPs per image at 224) and that as a share of (1).
// Each figure is the best of 5 timed runs after 2 warm-ups.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "fixres/core/precision.h"
#include "fixres/engine/autocast.h"
#include "fixres/engine/flop_count.h"
#include "fixres/engine/model_setup.h"
#include "fixres/models/conv_bn_folding.h"

namespace {

double best_seconds(const std::function<void()>& run) {
  for (int i = 0; i < 2; ++i) run();
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

double conv_gflops_per_second(bool bf16) {
  const std::int64_t n = 16, c = 256, s = 56;
  const torch::Tensor x = torch::randn({n, c, s, s}).contiguous(at::MemoryFormat::ChannelsLast);
  const torch::Tensor w = torch::randn({c, c, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast) * 0.02;
  c10::InferenceMode mode;
  const double seconds = best_seconds([&] {
    const fixres::engine::AutocastScope autocast(bf16, torch::kCPU);
    torch::conv2d(x, w, {}, 1, 1);
  });
  return 2.0 * n * c * c * 9 * s * s / seconds / 1e9;
}

double trunk_gflops_per_second(fixres::engine::ModelSetup& setup, int size, bool bf16, double gflops_per_image) {
  const std::int64_t n = 16;
  const torch::Tensor x = torch::randn({n, 3, size, size}).contiguous(at::MemoryFormat::ChannelsLast);
  c10::InferenceMode mode;
  const fixres::models::FoldedBatchNorms folded(*setup.model);
  const double seconds = best_seconds([&] {
    const fixres::engine::AutocastScope autocast(bf16, torch::kCPU);
    setup.model->forward_features(x);
  });
  return gflops_per_image * n / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  torch::set_num_threads(threads);
  fixres::engine::ModelConfig config;
  config.architecture = "ResNet50";
  config.channels_last = true;
  fixres::engine::ModelSetup setup = fixres::engine::setup_model(config);
  setup.model->eval();
  std::printf("%d threads; the peak: one 3x3 convolution, batch 16, 256->256 channels, 56x56, channels-last\n", threads);
  std::printf("%-5s %16s %26s %26s\n", "", "conv GFLOP/s", "ResNet-50 trunk @224", "ResNet-50 trunk @384");
  const bool has_bf16 = fixres::engine::cpu_has_bf16();
  for (bool bf16 : {false, true}) {
    if (bf16 && !has_bf16) {
      std::printf("bf16  (this CPU has no native bf16)\n");
      continue;
    }
    const double peak = conv_gflops_per_second(bf16);
    std::printf("%-5s %16.1f", bf16 ? "bf16" : "fp32", peak);
    for (int size : {224, 384}) {
      const double achieved = trunk_gflops_per_second(setup, size, bf16, fixres::engine::forward_gflops(setup, size));
      std::printf("   %8.1f GFLOP/s (%5.1f%%)", achieved, 100.0 * achieved / peak);
    }
    std::printf("\n");
  }
  return 0;
}
