#!/usr/bin/env bash
# End-to-end `fixres evaluate` against FixRes's evaluation loop in Python
# (bench/evaluate_reference.py: torchvision ImageFolder + PIL + DataLoader + resnet50 on Debian's
# PyTorch, the same LibTorch build), same threads, same loader workers, same batch, same weights
# (the synthetic ResNet-50 checkpoint of tools/fixtures/inference.py, legacy .pth), on the same
# folder of real-photo JPEGs at ImageNet-like sizes (~500x375, quality 90, made from the photos
# under tests/fixtures/images/pipeline/). Sizes 224 and 384. Images/s of the loop (first batch
# requested to last logits); each side runs REPEAT times, the best run counts. Both must report
# the same top-1/top-5.
#   bench/evaluate.sh [BUILD_DIR] [IMAGES] [THREADS] [WORKERS]
# ARCH=deit_small_patch16_224 / convnext_tiny / any registry row of timm's families: the same
# against timm v0.9.2's model and eval transform in PyTorch (FIXRES_REFS, see
# tools/fixtures/models.py), sizes SIZES (default 224 384).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
IMAGES=${2:-64}
THREADS=${3:-2}
WORKERS=${4:-2}
BATCH=${BATCH:-16}
REPEAT=${REPEAT:-2}
FIXRES_EXTRA=${FIXRES_EXTRA:-}
ARCH=${ARCH:-ResNet50}
SIZES=${SIZES:-224 384}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$PY bench/photo_folder.py "$work/folder" "$IMAGES"
$PY tools/fixtures/inference.py checkpoint "$ARCH" "$work/weights.pth"
echo "$ARCH; folder: $IMAGES JPEGs ($(du -sh "$work/folder" | cut -f1)); threads $THREADS, workers $WORKERS, batch $BATCH" >&2

best() { sort -g | tail -1; }
printf "%-6s %14s %14s %7s   %s\n" size fixres_img/s python_img/s ratio "top-1/top-5 (fixres | python)"
for size in $SIZES; do
  ours_runs=""
  for r in $(seq "$REPEAT"); do
    "$BUILD/bin/fixres" evaluate --architecture "$ARCH" --weight-path "$work/weights.pth" \
      --dataset-path "$work/folder" --input-size "$size" --threads "$THREADS" --workers "$WORKERS" \
      --batch "$BATCH" --json "$work/ours.json" $FIXRES_EXTRA >/dev/null 2>&1
    ours_runs+="$($PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["images_per_second"])' "$work/ours.json")"$'\n'
  done
  ours=$(printf "%s" "$ours_runs" | best)
  our_acc=$($PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.2f/%.2f" % (j["top1"], j["top5"]))' "$work/ours.json")
  theirs_runs=""
  for r in $(seq "$REPEAT"); do
    line=$($PY bench/evaluate_reference.py "$work/folder" "$work/weights.pth" "$size" "$WORKERS" "$THREADS" "$BATCH" "$ARCH")
    theirs_runs+="$(echo "$line" | awk '{print $6}')"$'\n'
  done
  theirs=$(printf "%s" "$theirs_runs" | best)
  their_acc=$(echo "$line" | awk '{print $8 "/" $10}')
  printf "%-6s %14.2f %14.2f %6.2fx   %s | %s\n" "$size" "$ours" "$theirs" "$(echo "$ours / $theirs" | bc -l)" \
    "$our_acc" "$their_acc"
done
