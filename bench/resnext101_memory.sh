#!/usr/bin/env bash
# FixResNeXt-101 32x48d on this machine: a 3.3 GB checkpoint in the released format (torch.save
# of {'model': {'module.' + key: tensor}}, legacy serialisation as the 2019 files, random weights)
# loaded into the C++ network, one real photo classified at 320; peak RSS of the whole process
# (/usr/bin/time -v) against the Python reference doing the same (FixRes's loading snippet:
# torch.load + load_state_dict + forward), in the same run. Target: peak <= 2x the weights.
#   bench/resnext101_memory.sh [BUILD_DIR]   (BUILD_DIR holds lib/libfixres.so and libfixres_core.a)
# Needs ~4 GB disk in $TMPDIR and ~8 GB RAM.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
images=tests/fixtures/models/parity/images_320.npy

echo "building bench/model_memory.cpp against $BUILD ..." >&2
g++ -std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI=1 -Isrc -I/usr/include/torch/csrc/api/include \
  bench/model_memory.cpp -L"$BUILD/lib" -lfixres -Wl,-rpath,"$(cd "$BUILD/lib" && pwd)" "$BUILD/libfixres_core.a" \
  -ltorch -ltorch_cpu -lc10 -lpthread -o "$work/model_memory"

echo "writing a 3.3 GB checkpoint ..." >&2
$PY - "$work/ResNeXt_101_32x48d.pth" <<'PY'
import collections, sys, torch
from torchvision.models import resnet
model = resnet.ResNet(resnet.Bottleneck, [3, 4, 23, 3], groups=32, width_per_group=48)
sd = collections.OrderedDict(("module." + k, v) for k, v in model.state_dict().items())
torch.save({"epoch": 1, "model": sd}, sys.argv[1], _use_new_zipfile_serialization=False)
PY
weights_gib=$(du -k "$work/ResNeXt_101_32x48d.pth" | awk '{printf "%.2f", $1 / 1048576}')

cat > "$work/reference.py" <<'PY'
import resource, sys, numpy as np, torch
from torchvision.models import resnet
model = resnet.ResNet(resnet.Bottleneck, [3, 4, 23, 3], groups=32, width_per_group=48)
pretrained = torch.load(sys.argv[1], map_location="cpu")["model"]
state = model.state_dict()
for k in state.keys():
    state[k] = pretrained["module." + k]
model.load_state_dict(state)
del pretrained, state
model.eval()
x = torch.from_numpy(np.load(sys.argv[2])[:1]).float().div(255)
x = (x - torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
with torch.no_grad():
    top = model(x).topk(5, 1).indices[0].tolist()
print("classified top-5:", *top)
PY

peak() { awk -F': ' '/Maximum resident set size/ {printf "%.2f", $2 / 1048576}' "$1"; }
/usr/bin/time -v "$work/model_memory" IGAM_Resnext101_32x48d "$work/ResNeXt_101_32x48d.pth" 320 "$images" \
  2>"$work/cpp.time" | tee "$work/cpp.out"
/usr/bin/time -v $PY "$work/reference.py" "$work/ResNeXt_101_32x48d.pth" "$images" 2>"$work/py.time" | tee "$work/py.out"
cpp=$(peak "$work/cpp.time")
py=$(peak "$work/py.time")
echo
echo "weights file            ${weights_gib} GiB"
echo "fixres peak RSS         ${cpp} GiB  ($(awk -v a="$cpp" -v w="$weights_gib" 'BEGIN {printf "%.2f", a / w}')x the weights)"
echo "PyTorch reference peak  ${py} GiB  ($(awk -v a="$py" -v w="$weights_gib" 'BEGIN {printf "%.2f", a / w}')x the weights)"
echo "wall: fixres $(awk -F': ' '/Elapsed/ {print $2}' "$work/cpp.time"), PyTorch $(awk -F': ' '/Elapsed/ {print $2}' "$work/py.time")"
