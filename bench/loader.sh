#!/usr/bin/env bash
# Data-loading throughput: fixres's Loader (threads, PIL-exact decoding and transforms) against
# torchvision's DataLoader (PIL, worker processes) with the same number of workers, in the same
# run, on the same folder of real-photo JPEGs at ImageNet-like sizes (~500x375, quality 90, made
# from the photos under tests/fixtures/images/). Cases: FixRes test transform at 224 and 384, the
# same with Pillow's bicubic filter (--interpolation bicubic), the train ('full': RandomResizedCrop,
# flip, ColorJitter 0.3) transform at 224 and 384. Each side runs REPEAT passes; the best is reported, as
# wall-clock throughput (images/s with WORKERS workers) and as images per CPU-second (all
# threads/processes; robust when other jobs share the machine).
#   bench/loader.sh [BUILD_DIR] [WORKERS] [IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WORKERS=${2:-2}
IMAGES=${3:-400}
REPEAT=${REPEAT:-2}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bench/build_loader_bench.sh "$BUILD" "$work/loader_bench"

$PY bench/photo_folder.py "$work/folder" "$IMAGES"
du -sh "$work/folder" | awk -v n="$IMAGES" '{print "folder: " n " JPEGs, " $1}'

best() { sort -g | tail -1; }
printf "%-10s %7s %12s %12s %7s   %14s %14s %7s\n" case workers fixres_img/s python_img/s ratio fixres_img/cpu-s python_img/cpu-s ratio
cases=("test 224" "test 384" "bicubic 224" "bicubic 384" "full 224" "full 384")
if [ -n "${LOADER_CASES:-}" ]; then IFS=, read -r -a cases <<< "$LOADER_CASES"; fi  # e.g. LOADER_CASES="bicubic 384,test 384"
for spec in "${cases[@]}"; do
  set -- $spec
  ours=$(for r in $(seq "$REPEAT"); do "$work/loader_bench" "$work/folder" "$1" "$2" "$WORKERS" 32; done)
  theirs=$(for r in $(seq "$REPEAT"); do $PY bench/loader.py "$work/folder" "$1" "$2" "$WORKERS" 32; done)
  o_wall=$(echo "$ours" | awk '{print $6}' | best); t_wall=$(echo "$theirs" | awk '{print $6}' | best)
  o_cpu=$(echo "$ours" | awk '{print $8}' | best); t_cpu=$(echo "$theirs" | awk '{print $8}' | best)
  printf "%-10s %7s %12.1f %12.1f %6.2fx   %14.1f %14.1f %6.2fx\n" "$1@$2" "$WORKERS" "$o_wall" "$t_wall" \
    "$(echo "$o_wall / $t_wall" | bc -l)" "$o_cpu" "$t_cpu" "$(echo "$o_cpu / $t_cpu" | bc -l)"
done
