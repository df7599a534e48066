// One pass of fixres's data loader over an ImageFolder with a named FixRes pipeline; prints the
// throughput. Built and driven by bench/loader.sh, which runs torchvision's DataLoader (PIL, same
// workers) on the same folder in the same run (bench/loader.py).
//   loader_bench ROOT PIPELINE SIZE WORKERS BATCH
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fixres/data/image_folder.h"
#include "fixres/data/loader.h"

static double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);  // all threads
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char** argv) {
  using namespace fixres::data;
  if (argc != 6) {
    std::fprintf(stderr, "usage: loader_bench ROOT test|bicubic|fast|full|val_train SIZE WORKERS BATCH\n");
    return 2;
  }
  torch::set_num_threads(1);
  auto folder = std::make_shared<ImageFolder>(argv[1]);
  // "bicubic": the test transform with Pillow's bicubic filter (--interpolation bicubic); "fast":
  // the test transform with --fast-decode.
  const bool bicubic = std::string(argv[2]) == "bicubic";
  const bool fast = std::string(argv[2]) == "fast";
  const PipelineKind kind = bicubic || fast ? PipelineKind::Test : pipeline_kind_from_name(argv[2]);
  const int size = std::atoi(argv[3]);
  LoaderOptions options;
  options.workers = std::atoi(argv[4]);
  options.batch_size = std::atoi(argv[5]);
  options.prefetch_batches = 2 * std::max(1, options.workers);
  std::shared_ptr<Sampler> sampler;
  if (kind == PipelineKind::Test) {
    sampler = std::make_shared<SequentialSampler>(folder->size());
  } else {
    sampler = std::make_shared<ShuffledSampler>(folder->size(), 0);
  }
  PipelineSpec spec;
  spec.kind = kind;
  spec.size = size;
  spec.normalization = Normalization::imagenet();
  if (bicubic) spec.protocol.interpolation = Interpolation::Bicubic;
  spec.protocol.fast_decode = fast;
  Loader loader(folder, sampler, Pipeline(spec), options);
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  loader.start_epoch(0);
  std::int64_t images = 0;
  double checksum = 0.0;
  while (auto batch = loader.next()) {
    images += batch->images.size(0);
    checksum += batch->images[0][0][0][0].item<float>();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  std::printf("images %lld seconds %.3f images_per_second %.1f images_per_cpu_second %.1f checksum %.3f\n",
              static_cast<long long>(images), seconds, images / seconds, images / cpu, checksum);
  return 0;
}
