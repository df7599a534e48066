#!/usr/bin/env bash
# Builds bench/loader_bench.cpp against a build tree's data-layer objects (for bench/loader.sh and
# bench/fast_decode.sh).
#   bench/build_loader_bench.sh BUILD_DIR OUTPUT
set -euo pipefail
cd "$(dirname "$0")/.."
echo "building bench/loader_bench.cpp against $1 ..." >&2
g++ -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI=1 -Isrc -I/usr/include/torch/csrc/api/include \
  bench/loader_bench.cpp "$1"/CMakeFiles/fixres_data.dir/src/fixres/data/*.o "$1/libfixres_core.a" \
  -ljpeg -lpng -lwebpdemux -lwebp -ltiff -lz -ltorch -ltorch_cpu -lc10 -lpthread -o "$2"
