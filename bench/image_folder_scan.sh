#!/usr/bin/env bash
# ImageFolder scan time: fixres (readdir entry types, no per-file stat) against torchvision's
# ImageFolder (os.scandir/os.walk) on the same tree of CLASSES x PER_CLASS empty .JPEG files
# (ImageNet's train tree has 1000 x ~1281), warm cache, same run.
#   bench/image_folder_scan.sh [BUILD_DIR] [CLASSES] [PER_CLASS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
CLASSES=${2:-1000}
PER_CLASS=${3:-300}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI=1 -Isrc bench/image_folder_scan.cpp \
  "$BUILD"/CMakeFiles/fixres_data.dir/src/fixres/data/{image_folder,decode,jpeg_codec,png_codec,simple_codecs}.cpp.o \
  -ljpeg -lpng -lz -o "$work/scan"
$PY - "$work/tree" "$CLASSES" "$PER_CLASS" <<'PY'
import os, sys
root, classes, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for c in range(classes):
    d = os.path.join(root, f"n{c:08d}")
    os.makedirs(d)
    for i in range(per):
        open(os.path.join(d, f"n{c:08d}_{i}.JPEG"), "wb").close()
PY
"$work/scan" "$work/tree" > /dev/null  # warm the cache
ours=$("$work/scan" "$work/tree" | awk '{print $6}')
theirs=$($PY -c "
import sys, time
from torchvision.datasets import ImageFolder
t = time.perf_counter(); ds = ImageFolder(sys.argv[1]); print(time.perf_counter() - t)" "$work/tree")
echo "tree: $CLASSES classes x $PER_CLASS files"
printf "fixres %.3f s   torchvision %.3f s   ratio %.1fx\n" "$ours" "$theirs" "$(echo "$theirs / $ours" | bc -l)"
