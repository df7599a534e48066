#!/usr/bin/env bash
# Fine-tuning throughput: `fixres finetune` against the seed's Python loop (bench/finetune_seed.py,
# python3-torch on the CPU), same recipe, same images, same size, batch, intra-op threads and
# loader workers, in the same run. ResNet-50 (1000 classes, weights from one file both read) on an
# ImageFolder of real photos (the fixture photos, repeated to IMAGES files). Each side trains
# EPOCHS epochs; the figure is the images/s of the last epoch's training loop (the first one warms
# up oneDNN), evaluation excluded.
#   bench/finetune.sh [path/to/fixres] [SIZE=224] [IMAGES=64] [BATCH=8] [THREADS=2] [WORKERS=2] [EPOCHS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
FIXRES=${1:-build/bin/fixres}
SIZE=${2:-224}
IMAGES=${3:-64}
BATCH=${4:-8}
THREADS=${5:-2}
WORKERS=${6:-2}
EPOCHS=${7:-2}
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
"$FIXRES" finetune --architecture ResNet50 --weight-path "$work/weights.pth" --train-path "$work/train" --no-val \
  --input-size "$SIZE" --batch "$BATCH" --threads "$THREADS" --workers "$WORKERS" --epochs "$EPOCHS" \
  --json "$work/fixres.json" >/dev/null
seed=$(echo "$seed_json" | $PY -c 'import json,sys; print(json.load(sys.stdin)["images_per_second"][-1])')
ours=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["epochs"][-1]["images_per_second"])' "$work/fixres.json")
printf 'fine-tuning ResNet-50 at %s px, %s images, batch %s, %s threads, %s loader workers (last of %s epochs)\n' \
  "$SIZE" "$IMAGES" "$BATCH" "$THREADS" "$WORKERS" "$EPOCHS"
printf '  seed loop (python3-torch): %.2f images/s\n' "$seed"
printf '  fixres finetune:           %.2f images/s\n' "$ours"
printf '  speed-up: %.2fx\n' "$(echo "$ours / $seed" | bc -l)"
