"""Fashion-MNIST's test images as the photos --fast-decode is for: each 28x28 item at the centre of
the demo's 40x40 black canvas, upscaled 4x (bicubic) to 160x160 and saved as JPEG (quality 90),
in the class folders of `fixres demo --export`.
    /usr/bin/python3 bench/fashion_jpegs.py EXPORTED_VAL OUT
"""
import pathlib
import sys

from PIL import Image


def main(src, out):
    for png in sorted(pathlib.Path(src).rglob("*.png")):
        canvas = Image.new("L", (40, 40))
        canvas.paste(Image.open(png).convert("L"), (6, 6))
        target = pathlib.Path(out) / png.parent.name / (png.stem + ".jpg")
        target.parent.mkdir(parents=True, exist_ok=True)
        canvas.convert("RGB").resize((160, 160), Image.BICUBIC).save(target, quality=90)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
