#!/usr/bin/env bash
# Fine-tuning throughput: `fixres finetune` against the seed's Python loop (bench/finetune_seed.py,
# python3-torch on the CPU), same recipe, same images, same size, batch, intra-op threads and
# loader workers, in the same run. ResNet-50 (1000 classes, weights from one file both read) on an
# ImageFolder of real photos (the fixture photos, repeated to IMAGES files). Each side trains
# EPOCHS epochs with --transforms v1; the figure is the training images/s over all the epochs
# (the first included: it is where the frozen-trunk cache computes the trunk), evaluation
# excluded. fixres runs twice: as it runs by default (the cache) and with --no-cache.
#   bench/finetune.sh [path/to/fixres] [SIZE=224] [IMAGES=64] [BATCH=8] [THREADS=2] [WORKERS=2] [EPOCHS=8]
set -euo pipefail
cd "$(dirname "$0")/.."
FIXRES=${1:-build/bin/fixres}
SIZE=${2:-224}
IMAGES=${3:-64}
BATCH=${4:-8}
THREADS=${5:-2}
WORKERS=${6:-2}
EPOCHS=${7:-8}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Images: the fixture's 3 classes of real photos, copied round-robin to IMAGES files.
src=tests/fixtures/images/folder
n=0
while [ "$n" -lt "$IMAGES" ]; do
  for f in "$src"/*/*.jpg; do
    [ "$n" -lt "$IMAGES" ] || break
    cls=$(basename "$(dirname "$f")")
    mkdir -p "$work/train/$cls"
    cp "$f" "$work/train/$cls/$(printf '%05d' "$n")_$(basename "$f")"
    n=$((n + 1))
  done
done

# Weights in the seed's checkpoint layout (random, fixed seed: speed does not depend on them).
$PY - "$work/weights.pth" <<'PY'
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet50()
torch.save({"model": {"module." + k: v for k, v in m.state_dict().items()}}, sys.argv[1])
PY

seed_json=$($PY bench/finetune_seed.py "$work/weights.pth" "$work/train" "$SIZE" "$BATCH" "$EPOCHS" "$THREADS" "$WORKERS")
run_fixres() {
  "$FIXRES" finetune --architecture ResNet50 --weight-path "$work/weights.pth" --train-path "$work/train" --no-val \
    --input-size "$SIZE" --batch "$BATCH" --threads "$THREADS" --workers "$WORKERS" --epochs "$EPOCHS" \
    --json "$work/fixres.json" "$@" >/dev/null 2>&1
  $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["train_images_per_second"])' "$work/fixres.json"
}
uncached=$(run_fixres --no-cache)
ours=$(run_fixres)
# The seed's per-epoch rates over the same images: all epochs' images over all epochs' seconds.
seed=$(echo "$seed_json" | $PY -c 'import json,sys; r=json.load(sys.stdin)["images_per_second"]; print(len(r) / sum(1.0 / x for x in r))')
printf 'fine-tuning ResNet-50 at %s px, %s images, batch %s, %s threads, %s loader workers, %s epochs (v1)\n' \
  "$SIZE" "$IMAGES" "$BATCH" "$THREADS" "$WORKERS" "$EPOCHS"
printf '  seed loop (python3-torch):          %.2f images/s\n' "$seed"
printf '  fixres finetune --no-cache:         %.2f images/s (%.2fx)\n' "$uncached" "$(echo "$uncached / $seed" | bc -l)"
printf '  fixres finetune (frozen-trunk cache): %.2f images/s\n' "$ours"
printf '  speed-up: %.2fx\n' "$(echo "$ours / $seed" | bc -l)"
