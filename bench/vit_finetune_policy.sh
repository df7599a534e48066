#!/usr/bin/env bash
# Which tensors should FixRes fine-tuning train in a ViT? A small, real experiment on 2 cores:
# DeiT-Ti (deit_tiny_patch16_224, random init) trained 5 epochs at 48 px on 10,000 Fashion-MNIST
# training images (1,000 per class; `fixres demo --export`), tested at 48/64/80 px on 3,000 test
# images, then FixRes-fine-tuned 2 epochs at 64 px (test transform on the training images) under
# three policies: head + final norm; + pos_embed (the registry's ViT policy); everything.
# Prints top-1 before/after and seconds per epoch of each. About 10 minutes.
#   bench/vit_finetune_policy.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
WORK=${2:-$(mktemp -d)}
F="$BUILD/bin/fixres"
PY=/usr/bin/python3
"$F" demo --export "$WORK/fm" >/dev/null
for split in train:1000 val:300; do
  name=${split%%:*}; per_class=${split##*:}
  for class_dir in "$WORK/fm/$name"/*; do
    mkdir -p "$WORK/subset/$name/$(basename "$class_dir")"
    ls "$class_dir" | head -"$per_class" | while read -r f; do ln -sf "$class_dir/$f" "$WORK/subset/$name/$(basename "$class_dir")/$f"; done
  done
done
COMMON="--architecture deit_tiny_patch16_224 --threads 2 --workers 1 --batch 64"
"$F" train $COMMON --num-classes 10 --train-path "$WORK/subset/train" --val-path "$WORK/subset/val" --input-size 48 \
  --epochs 5 --learning-rate 0.1 --repetitions 1 --len-factor 1 --save-folder "$WORK/runs" --job-id train \
  --json "$WORK/train.json" >/dev/null 2>&1
W="$WORK/runs/train/checkpoint.pth"
json() { $PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
for s in 48 64 80; do
  "$F" evaluate $COMMON --weight-path "$W" --dataset-path "$WORK/subset/val" --input-size $s --json "$WORK/eval_$s.json" >/dev/null 2>&1
  echo "trained at 48, tested at $s: top-1 $(json "$WORK/eval_$s.json" '"%.2f" % j["top1"]')"
done
for policy in head,norm head,norm,pos_embed all; do
  job=ft_${policy//,/_}
  "$F" finetune $COMMON --weight-path "$W" --train-path "$WORK/subset/train" --val-path "$WORK/subset/val" --input-size 64 \
    --epochs 2 --learning-rate 0.02 --train-layers "$policy" --save-folder "$WORK/runs" --job-id "$job" \
    --json "$WORK/$job.json" >/dev/null 2>&1
  echo "fine-tuned at 64, --train-layers $policy: top-1 $(json "$WORK/$job.json" '"%.2f -> %.2f, %.1f s/epoch" % (j["before"]["top1"], j["after"]["top1"], sum(e["seconds"] for e in j["epochs"]) / len(j["epochs"]))')"
done
