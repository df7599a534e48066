"""The reference side of bench/fast_decode.sh: how far --fast-decode's test views are from the
exact ones, computed with PIL + torchvision (fixres's exact path is bit-identical to PIL's full
decode + the transform, its fast path to PIL's Image.draft + the transform: tests/data/
test_protocol_test.cpp). Prints, over every JPEG under ROOT, the share decoded reduced and the
mean and largest absolute difference of the S x S x 3 uint8 views.
    /usr/bin/python3 bench/fast_decode_views.py ROOT SIZE
"""
import math
import pathlib
import sys

import numpy as np
import torchvision.transforms.functional as F
from PIL import Image


def view(img, size):
    """FixRes's test transform (crop-pct 0.875, the height set), bilinear, before ToTensor."""
    length = math.floor(size / 0.875)
    w, h = img.size
    return np.asarray(F.center_crop(F.resize(img, [length, int(length * w / h)]), size), dtype=np.int16)


def main(root, size):
    length = math.floor(size / 0.875)
    reduced, total, diffs, largest = 0, 0, [], 0
    for path in sorted(pathlib.Path(root).rglob("*.jpg")):
        exact = view(Image.open(path).convert("RGB"), size)
        img = Image.open(path)
        w, h = img.size
        img.draft("RGB", (int(length * w / h), length))
        reduced += img.size != (w, h)
        total += 1
        d = np.abs(view(img.convert("RGB"), size) - exact)
        diffs.append(d.mean())
        largest = max(largest, int(d.max()))
    print(f"images {total} reduced {reduced} mean_abs_diff {np.mean(diffs):.3f} max_abs_diff {largest}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
