#!/usr/bin/python3
"""Has Python's torch.load read checkpoints fixres wrote (called by checkpoint_writer_test.cpp).

  checkpoint_python_check.py CHECK [CHECK ...]   (one interpreter start for all: importing torch
                                                  takes seconds)
  compare:OURS:REFERENCE   deep equality with torch.load(REFERENCE): types (dict vs OrderedDict;
                           numpy scalars count as Python numbers),
                           key order, tensor dtype/shape/values, shared storages, _metadata
  weights:OURS:REFERENCE   the same without OrderedDict _metadata (fixres does not invent it),
                           equal numbers of int/float type accepted (SGD writes dampening=0)
  resume:OURS              the seed's TrainerState.load: model, SGD and StepLR accept their parts
Prints OK or the first difference (exit status 1).
"""
import collections
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))


def tensors(obj, path="", out=None):
    out = [] if out is None else out
    if isinstance(obj, torch.Tensor):
        out.append((path, obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            tensors(v, f"{path}/{k}", out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            tensors(v, f"{path}/{i}", out)
    return out


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def compare(a, b, path="root", metadata=True):
    if isinstance(b, np.generic):
        b = b.item()  # fixres reads numpy scalars as plain Python numbers
    if not metadata and is_number(a) and is_number(b) and a == b:
        return  # fixres writes SGD defaults such as dampening=0 as floats
    if type(a) is not type(b):
        raise AssertionError(f"{path}: type {type(a).__name__} != {type(b).__name__}")
    if isinstance(a, torch.Tensor):
        if a.dtype != b.dtype or a.shape != b.shape or not torch.equal(a, b):
            raise AssertionError(f"{path}: tensors differ ({a.dtype} {tuple(a.shape)} vs {b.dtype} {tuple(b.shape)})")
    elif isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            raise AssertionError(f"{path}: keys {list(a.keys())[:5]} != {list(b.keys())[:5]}")
        for k in a:
            compare(a[k], b[k], f"{path}/{k}", metadata)
        if metadata and getattr(b, "_metadata", None) is not None and getattr(a, "_metadata", None) != b._metadata:
            raise AssertionError(f"{path}: _metadata differs")
    elif isinstance(a, (list, tuple)):
        if len(a) != len(b):
            raise AssertionError(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}/{i}", metadata)
    elif a != b:
        raise AssertionError(f"{path}: {a!r} != {b!r}")


def check_sharing(ours, ref):
    t_ours, t_ref = tensors(ours), tensors(ref)
    for i in range(len(t_ref)):
        for j in range(i + 1, len(t_ref)):
            same_ref = t_ref[i][1].storage().data_ptr() == t_ref[j][1].storage().data_ptr()
            same_ours = t_ours[i][1].storage().data_ptr() == t_ours[j][1].storage().data_ptr()
            if same_ref != same_ours and t_ref[i][1].numel() > 0:
                raise AssertionError(f"storage sharing of {t_ref[i][0]} and {t_ref[j][0]} differs")


def resume(path):
    from fixtures.checkpoints import TinyNet
    data = torch.load(path)
    model = torch.nn.DataParallel(TinyNet())
    for p in model.module.conv1.parameters():
        p.requires_grad = False
    model.load_state_dict(data["model"])  # strict
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
    optimizer.load_state_dict(data["optimizer"])
    scheduler.load_state_dict(data["lr_scheduler"])
    assert isinstance(data["epoch"], int) and isinstance(data["accuracy"], float)
    assert len(optimizer.state) == 4, f"momentum buffers: {len(optimizer.state)}"
    x, y = torch.randn(2, 3, 8, 8), torch.tensor([0, 1])
    torch.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
    scheduler.step()


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    for check in argv[1:]:
        kind, *paths = check.split(":")
        try:
            if kind in ("compare", "weights"):
                ours, ref = torch.load(paths[0]), torch.load(paths[1])
                compare(ours, ref, metadata=kind == "compare")
                check_sharing(ours, ref)
            elif kind == "resume":
                resume(paths[0])
            else:
                raise SystemExit(__doc__)
        except AssertionError as e:
            print(f"DIFFERENT ({check}): {e}")
            return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
