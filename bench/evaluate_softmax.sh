#!/usr/bin/env bash
# evaluate-softmax on a 50000x1000 float32 file (ImageNet-val sized) against the seed's own
# algorithm (main_evaluate_softmax.py: np.load then a per-row np.argmax loop), both as whole
# processes, in the same run. Prints the median of 5 runs each and the ratio.
#   bench/evaluate_softmax.sh [path/to/fixres]
set -euo pipefail
cd "$(dirname "$0")/.."
FIXRES=${1:-build/bin/fixres}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$PY - "$work" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(0)
x = rng.random((50000, 1000), dtype=np.float32)
x /= x.sum(axis=1, keepdims=True)
np.save(f"{sys.argv[1]}/ResNet50_softmax.npy", x)
np.save(f"{sys.argv[1]}/labels.npy", rng.integers(0, 1000, 50000).astype(np.int64))
PY

# The seed's evaluation, same algorithm and output (top-1 only).
cat > "$work/seed_evaluate_softmax.py" <<'PY'
import sys
import numpy as np
path = sys.argv[1] + "/"
softmax = np.load(path + "ResNet50_softmax.npy")
label = np.load(path + "labels.npy")
correct = 0.0
for i in range(softmax.shape[0]):
    if np.argmax(softmax[i]) == label[i]:
        correct += 1.0
print("Top-1 Accuracy: %.1f" % (correct / softmax.shape[0] * 100))
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() {
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
  done | median
}
cat "$work/ResNet50_softmax.npy" "$work/labels.npy" >/dev/null  # warm the page cache for both
seed=$(time_runs $PY "$work/seed_evaluate_softmax.py" "$work")
ours=$(time_runs "$FIXRES" evaluate-softmax --architecture ResNet50 --save-path "$work")
printf 'evaluate-softmax, 50000x1000 float32, median of 5 whole-process runs\n'
printf '  seed (python3 + numpy loop): %.3f s\n' "$seed"
printf '  fixres evaluate-softmax:     %.3f s\n' "$ours"
printf '  speed-up: %.1fx\n' "$(echo "$seed / $ours" | bc -l)"
