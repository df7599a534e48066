#!/usr/bin/env bash
# Evidence for `fixres train` and `fixres finetune` on a small real dataset (Fashion-MNIST from
# Debian's dataset-fashion-mnist, exported as ImageFolder PNGs):
#   1. train from scratch (the seed's recipe: 'full' transform, RASampler 3x / 2.0, SGD, StepLR)
#      at a low resolution TRAIN_SIZE; loss curve and accuracy in train.json;
#   2. evaluate the result at TEST_SIZE > TRAIN_SIZE without fine-tuning (evaluate.json);
#   3. FixRes fine-tuning at TEST_SIZE (fc + layer4.2.bn3, test transform) and its accuracy
#      before/after (finetune.json) — the FixRes effect is after > before.
#   bench/train_evidence.sh [path/to/fixres] [OUT=/tmp/fixres_evidence] [PER_CLASS=500] [EPOCHS=4]
#                           [TRAIN_SIZE=32] [TEST_SIZE=48] [THREADS=2] [ARCH=resnet26_w16_s16] [LR=0.05]
set -euo pipefail
cd "$(dirname "$0")/.."
FIXRES=${1:-build/bin/fixres}
OUT=${2:-/tmp/fixres_evidence}
PER_CLASS=${3:-500}
EPOCHS=${4:-4}
TRAIN_SIZE=${5:-32}
TEST_SIZE=${6:-48}
THREADS=${7:-2}
ARCH=${8:-resnet26_w16_s16}
LR=${9:-0.05}
PY=/usr/bin/python3
mkdir -p "$OUT"

$PY - "$OUT/fmnist" "$PER_CLASS" <<'PY'
import gzip, os, sys
import numpy as np
from PIL import Image
root = "/usr/share/datasets/fashion-mnist"
out, per_class = sys.argv[1], int(sys.argv[2])
classes = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]
def load(prefix):
    with gzip.open(f"{root}/{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(f"{root}/{prefix}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images, labels
for split, prefix, count in (("train", "train", per_class), ("val", "t10k", max(per_class // 3, 20))):
    images, labels = load(prefix)
    for c, name in enumerate(classes):
        d = f"{out}/{split}/{c}_{name}"
        os.makedirs(d, exist_ok=True)
        for k, i in enumerate(np.flatnonzero(labels == c)[:count]):
            Image.fromarray(images[i]).save(f"{d}/{k:05d}.png")
PY

common=(--architecture "$ARCH" --imnet-path "$OUT/fmnist" --threads "$THREADS" --workers 2 --batch 32 --seed 0)
"$FIXRES" train "${common[@]}" --input-size "$TRAIN_SIZE" --epochs "$EPOCHS" --learning-rate "$LR" \
  --save-folder "$OUT/runs" --job-id scratch --json "$OUT/train.json"
weights="$OUT/runs/scratch/checkpoint.pth"
"$FIXRES" evaluate --architecture "$ARCH" --weight-path "$weights" --dataset-path "$OUT/fmnist/val" \
  --input-size "$TRAIN_SIZE" --threads "$THREADS" --json "$OUT/evaluate_train_size.json"
"$FIXRES" evaluate --architecture "$ARCH" --weight-path "$weights" --dataset-path "$OUT/fmnist/val" \
  --input-size "$TEST_SIZE" --threads "$THREADS" --json "$OUT/evaluate_test_size.json"
"$FIXRES" finetune "${common[@]}" --weight-path "$weights" --input-size "$TEST_SIZE" --epochs 2 \
  --learning-rate "$LR" --save-folder "$OUT/runs" --job-id finetune --json "$OUT/finetune.json"

$PY - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
t = json.load(open(f"{out}/train.json"))
print("train from scratch:", len(t["epochs"]), "epochs, loss", " ".join(f"{e['loss']:.3f}" for e in t["epochs"]),
      f"-> val top-1 {t['after']['top1']:.2f}% (chance 10%)")
a = json.load(open(f"{out}/evaluate_train_size.json"))
b = json.load(open(f"{out}/evaluate_test_size.json"))
f = json.load(open(f"{out}/finetune.json"))
print(f"no fine-tuning: top-1 {a['top1']:.2f}% at train size, {b['top1']:.2f}% at test size")
print(f"FixRes fine-tuning at test size: before {f['before']['top1']:.2f}% -> after {f['after']['top1']:.2f}%")
PY
