// Scans an ImageFolder tree the way fixres does and prints the time. Driven by
// bench/image_folder_scan.sh, which times torchvision's ImageFolder on the same tree.
//   image_folder_scan ROOT
#include <chrono>
#include <cstdio>

#include "fixres/data/image_folder.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: image_folder_scan ROOT\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const fixres::data::ImageFolder folder(argv[1]);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("images %lld classes %lld seconds %.3f\n", static_cast<long long>(folder.size()),
              static_cast<long long>(folder.num_classes()), seconds);
  return 0;
}
