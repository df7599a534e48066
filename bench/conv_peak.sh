#!/usr/bin/env bash
# The machine's convolution limit (oneDNN, one large 3x3 convolution) and the share of it the
# ResNet-50 trunk achieves at 224 and 384, fp32 and bf16, in the same run (bench/conv_peak.cpp).
#   bench/conv_peak.sh [BUILD_DIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
THREADS=${2:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building bench/conv_peak.cpp against $BUILD ..." >&2
g++ -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI=1 -Isrc -I/usr/include/torch/csrc/api/include \
  bench/conv_peak.cpp -L"$BUILD/lib" -lfixres -Wl,-rpath,"$(cd "$BUILD/lib" && pwd)" "$BUILD/libfixres_core.a" \
  -ltorch -ltorch_cpu -lc10 -lpthread -o "$work/conv_peak"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$work/conv_peak" "$THREADS"
