"""A folder of real-photo JPEGs at ImageNet-like sizes for the benchmarks: random crops of the
photos under tests/fixtures/images/pipeline/, resized to 500x375 (3 in 4) or 375x500, quality 90,
in 4 class folders. Deterministic (seed 0). SCALE multiplies both sides (2: 1000x750 photos).

    /usr/bin/python3 bench/photo_folder.py OUT_DIR IMAGES [SCALE]
"""
import pathlib
import random
import sys

from PIL import Image


def main(out: pathlib.Path, n: int, scale: int = 1) -> None:
    pipeline = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/images/pipeline"
    photos = [Image.open(p).convert("RGB") for p in sorted(pipeline.glob("*.jpg"))]
    rng = random.Random(0)
    for i in range(n):
        img = photos[i % len(photos)]
        w, h = img.size
        cw, ch = int(w * rng.uniform(0.6, 1.0)), int(h * rng.uniform(0.6, 1.0))
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        size = (500 * scale, 375 * scale) if rng.random() < 0.75 else (375 * scale, 500 * scale)
        d = out / f"class{i % 4}"
        d.mkdir(parents=True, exist_ok=True)
        img.crop((x, y, x + cw, y + ch)).resize(size, Image.BICUBIC).save(d / f"img{i:05d}.jpg", quality=90)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
