#!/usr/bin/env bash
# --fast-decode: what it gains and what it costs, measured in one run.
#  1. Speed: fixres's loader, test transform, exact against --fast-decode (images per CPU-second,
#     the best of REPEAT passes), on the folder of ~500x375 photos of bench/loader.sh at 128 and
#     160 px (JPEGs decoded at 1/2) and on the same photos at 1000x750 at 224 px (1/2) and 128 px
#     (1/4).
#  2. Pixels: over those folders, the share of images decoded reduced and the mean / largest
#     absolute difference of the uint8 test views (bench/fast_decode_views.py, PIL: fixres's two
#     paths are bit-identical to PIL's full decode and to PIL's draft).
#  3. Top-1 of a trained network: `fixres demo --quick --train-images 60000 --epochs 2`'s network
#     (Fashion-MNIST, trained at 32 px on 40x40 canvases, ~2 minutes) on the 10,000 test images
#     centred on the canvas and upscaled to 160x160 JPEGs (bench/fashion_jpegs.py), `fixres
#     extract` at 40 px exact and with --fast-decode: both top-1 and the predictions that change.
#   bench/fast_decode.sh [BUILD_DIR] [IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
IMAGES=${2:-400}
REPEAT=${REPEAT:-2}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bench/build_loader_bench.sh "$BUILD" "$work/loader_bench"
$PY bench/photo_folder.py "$work/photos" "$IMAGES"
$PY bench/photo_folder.py "$work/large" "$IMAGES" 2

best() { sort -g | tail -1; }
echo "1-2. loader, test transform (1 worker), exact vs --fast-decode; pixel difference of the views (0-255)"
printf "%-22s %13s %13s %7s   %s\n" case exact_img/cpu-s fast_img/cpu-s ratio "reduced / mean |diff| / max |diff|"
for spec in "photos 128" "photos 160" "large 224" "large 128"; do
  set -- $spec
  exact=$(for r in $(seq "$REPEAT"); do "$work/loader_bench" "$work/$1" test "$2" 1 32; done | awk '{print $8}' | best)
  fast=$(for r in $(seq "$REPEAT"); do "$work/loader_bench" "$work/$1" fast "$2" 1 32; done | awk '{print $8}' | best)
  views=$($PY bench/fast_decode_views.py "$work/$1" "$2")
  [ "$1" = photos ] && label="500x375@$2" || label="1000x750@$2"
  printf "%-22s %13.1f %13.1f %6.2fx   %s\n" "$label" "$exact" "$fast" "$(echo "$fast / $exact" | bc -l)" \
    "$(echo "$views" | awk '{printf "%d of %d / %s / %s", $4, $2, $6, $8}')"
done

echo "3. a trained network (fixres demo --quick, 2 epochs over 60,000 images): Fashion-MNIST's test set as 160x160 JPEGs, at 40 px"
"$BUILD/bin/fixres" demo --quick --train-images 60000 --epochs 2 --claim-size 0 --out "$work/demo" >/dev/null 2>&1
"$BUILD/bin/fixres" demo --export "$work/fm" >/dev/null 2>&1
$PY bench/fashion_jpegs.py "$work/fm/val" "$work/fashion"
weights=$(ls "$work"/demo/checkpoints/train-quick-*-32px-seed0/checkpoint.pth)
for mode in exact fast; do
  extra=""
  [ "$mode" = fast ] && extra="--fast-decode"
  "$BUILD/bin/fixres" extract --architecture resnet26_w16_s16 --weight-path "$weights" \
    --dataset-path "$work/fashion" --input-size 40 --threads 2 --workers 2 --batch 64 \
    --save-path "$work/$mode" $extra >/dev/null 2>&1
done
$PY - "$work" <<'PY'
import glob, sys
import numpy as np
work = sys.argv[1]
labels = np.load(glob.glob(f"{work}/exact/*labels.npy")[0])
exact = np.load(glob.glob(f"{work}/exact/*softmax.npy")[0]).argmax(1)
fast = np.load(glob.glob(f"{work}/fast/*softmax.npy")[0]).argmax(1)
print(f"images {len(labels)}: top-1 exact {100 * (exact == labels).mean():.2f}, --fast-decode "
      f"{100 * (fast == labels).mean():.2f}; predictions changed {(exact != fast).sum()} "
      f"({100 * (exact != fast).mean():.2f}%)")
PY
