#!/usr/bin/env bash
# Checkpoint loading: fixres (mmap + one copy into torch tensors) against Python's torch.load
# (map_location='cpu') on the same files, in the same run: a ~100 MB state dict (torchvision's
# resnet50, the size of FixResNet50.pth) and a ~1 GB one, each in the zip and in the legacy
# (FixRes 2019 release) format. Load time is measured inside each process (median of 3 warm-cache
# runs); peak memory is the process's maximum RSS from /usr/bin/time -v, also shown minus the
# start-up RSS of the same process with nothing loaded (python3 + import torch / our binary).
#   bench/checkpoint_load.sh [BUILD_DIR]     (BUILD_DIR holds libfixres_core.a)
#   SIZES="100MB 1GB 3.3GB" bench/checkpoint_load.sh   adds a FixResNeXt-101 32x48d sized file
#                                                      (needs ~7 GB disk, ~8 GB RAM)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building bench/checkpoint_load.cpp against $BUILD ..." >&2
g++ -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI=1 -Isrc -I/usr/include/torch/csrc/api/include \
  bench/checkpoint_load.cpp src/fixres/models/state_dict_loading.cpp "$BUILD/libfixres_core.a" \
  -ltorch -ltorch_cpu -lc10 -lpthread -o "$work/checkpoint_load"

SIZES=${SIZES:-100MB 1GB}
$PY - "$work" $SIZES <<'PY'
import collections, sys, torch, torchvision
out = sys.argv[1]
def synthetic(count):  # count x (2048 x 1024) float32 tensors, 8 MiB each
    return collections.OrderedDict((f"module.layer{i}.weight", torch.full((2048, 1024), float(i))) for i in range(count))
for name in sys.argv[2:]:
    if name == "100MB":  # torchvision's resnet50, the size of FixResNet50.pth
        sd = collections.OrderedDict(("module." + k, v) for k, v in torchvision.models.resnet50().state_dict().items())
    else:
        sd = synthetic({"1GB": 128, "3.3GB": 420}[name])
    torch.save({"epoch": 1, "model": sd}, f"{out}/{name}_zip.pth")
    torch.save({"epoch": 1, "model": sd}, f"{out}/{name}_legacy.pth", _use_new_zipfile_serialization=False)
    del sd
PY

cat > "$work/torch_load.py" <<'PY'
import sys, time, torch
torch.set_num_threads(1)
if sys.argv[1] == "--baseline":
    print("baseline", torch.zeros(1).numel())
    sys.exit(0)
t0 = time.perf_counter()
sd = torch.load(sys.argv[1], map_location="cpu")["model"]
print(f"load {time.perf_counter() - t0:.4f} s, {len(sd)} tensors")
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# run CMD...: prints "seconds max_rss_kib" (median load time of 3, largest peak RSS).
run() {
  local times=() rss=0
  for _ in 1 2 3; do
    /usr/bin/time -v "$@" >"$work/out" 2>"$work/time"
    times+=("$(awk '/^load/ {print $2}' "$work/out")")
    local r
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    ((r > rss)) && rss=$r
  done
  echo "$(printf '%s\n' "${times[@]}" | median) $rss"
}
baseline_rss() { /usr/bin/time -v "$@" >/dev/null 2>"$work/time"; awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time"; }

py_base=$(baseline_rss $PY "$work/torch_load.py" --baseline)
our_base=$(baseline_rss "$work/checkpoint_load" --baseline)
printf '%-12s %9s | %9s %10s %10s | %9s %10s %10s | %7s\n' file "size MB" "torch s" "peak MB" "(-start)" "fixres s" "peak MB" "(-start)" speedup
for f in $(for s in $SIZES; do echo "${s}_zip ${s}_legacy"; done); do
  path="$work/$f.pth"
  size=$(stat -c %s "$path")
  cat "$path" >/dev/null  # warm the page cache for both
  read -r pt prss < <(run $PY "$work/torch_load.py" "$path")
  read -r ot orss < <(run "$work/checkpoint_load" "$path")
  printf '%-12s %9.1f | %9.3f %10.1f %10.1f | %9.3f %10.1f %10.1f | %6.1fx\n' "$f" "$(echo "$size/1048576" | bc -l)" \
    "$pt" "$(echo "$prss/1024" | bc -l)" "$(echo "($prss-$py_base)/1024" | bc -l)" \
    "$ot" "$(echo "$orss/1024" | bc -l)" "$(echo "($orss-$our_base)/1024" | bc -l)" "$(echo "$pt/$ot" | bc -l)"
  printf '%-12s fixres peak (minus start-up) / file size: %.2f\n' "" "$(echo "($orss-$our_base)*1024/$size" | bc -l)"
done
echo "start-up RSS: python3+torch $((py_base / 1024)) MB, fixres loader $((our_base / 1024)) MB"
