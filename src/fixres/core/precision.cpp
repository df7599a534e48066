#include "fixres/core/precision.h"

#include <fstream>
#include <stdexcept>

namespace fixres::engine {
namespace {

/// The first "flags" and "model name" lines of /proc/cpuinfo.
struct CpuInfo {
  std::string flags, model;
};

CpuInfo read_cpuinfo() {
  CpuInfo info;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line) && (info.flags.empty() || info.model.empty())) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "flags" && info.flags.empty()) info.flags = " " + value + " ";
    if (key == "model name" && info.model.empty()) info.model = value;
  }
  return info;
}

}  // namespace

bool cpu_has_bf16() {
  static const bool has = [] {
    const std::string flags = read_cpuinfo().flags;
    return flags.find(" avx512_bf16 ") != std::string::npos || flags.find(" amx_bf16 ") != std::string::npos;
  }();
  return has;
}

void check_precision(const std::string& precision, const std::string& device) {
  if (precision == "fp32") return;
  if (precision != "bf16") {
    throw std::invalid_argument("--precision: expected fp32 or bf16, got '" + precision + "'");
  }
  if (device.rfind("cuda", 0) == 0 || cpu_has_bf16()) return;
  const std::string model = read_cpuinfo().model;
  throw std::invalid_argument("--precision bf16: this CPU (" + (model.empty() ? std::string("unknown model") : model) +
                              ") has no native bfloat16 arithmetic (avx512_bf16 or amx_bf16); emulated bf16 would "
                              "be slower than fp32. Use --precision fp32, or a CUDA device");
}

}  // namespace fixres::engine
