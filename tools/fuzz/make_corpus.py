#!/usr/bin/env python3
"""Seeds the fuzz corpora, tools/fuzz/corpus/<target>/, from the test fixtures (issue 20).

Every file of tests/fixtures/ up to 64 KB (larger ones slow the fuzzers and add little) goes to
the target that reads its format, recognised by content as the readers do: zip and legacy .pth,
safetensors, .npy, pickles (plus the data.pkl record of every zip checkpoint, with its storage
references), JPEG, PNG, TIFF, WebP, BMP, PPM/PGM. A few small files the fixtures lack are written
here: BMP and PPM/PGM variants, safetensors headers, .npy versions 2 and 3, and Fashion-MNIST
inputs (a 4-byte length, then the images file, then the labels file, gzip or raw IDX; see
tools/fuzz/data_targets.h).

Re-runnable; standard library only. `tools/fuzz/run.sh --merge` then minimises the corpora
(libFuzzer -merge=1) together with what fuzzing found.

    tools/fuzz/make_corpus.py            # writes tools/fuzz/corpus/<target>/seed_*
"""

import gzip
import io
import json
import pathlib
import struct
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "tools" / "fuzz" / "corpus"
MAX_SEED = 64 * 1024
LEGACY_MAGIC = bytes([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19])


def target_of(data: bytes, name: str):
    """The fuzz target reading `data`, or None."""
    if data.startswith(b"PK\x03\x04"):
        return "zip_pth"
    if data.startswith(LEGACY_MAGIC):
        return "legacy_pth"
    if name.endswith(".pkl"):
        return "unpickler"
    if len(data) >= 10 and data[8:9] == b"{" and 2 <= struct.unpack("<Q", data[:8])[0] <= len(data) - 8:
        return "safetensors"
    if data.startswith(b"\x93NUMPY"):
        return "npy"
    for magic, target in ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"II*\x00", "tiff"),
                          (b"MM\x00*", "tiff"), (b"BM", "bmp"), (b"P5", "ppm"), (b"P6", "ppm")):
        if data.startswith(magic):
            return target
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    return None


def bmp(width, height, bpp, top_down):
    stride = (width * bpp // 8 + 3) & ~3
    pixels = bytes((i * 37) & 0xFF for i in range(stride * height))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, bpp, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


def netpbm(kind, width, height, comment):
    channels = 3 if kind == b"P6" else 1
    head = kind + b"\n" + (b"# " + comment + b"\n" if comment else b"") + b"%d %d\n255\n" % (width, height)
    return head + bytes((i * 7) & 0xFF for i in range(width * height * channels))


def safetensors(header, data):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def npy(version, descr, shape, data):
    header = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))).encode()
    prefix = 10 if version == 1 else 12
    header += b" " * ((64 - (prefix + len(header) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header + data


def idx_pair(count, compress):
    images = struct.pack(">IIII", 2051, count, 28, 28) + bytes((i * 3) & 0xFF for i in range(count * 784))
    labels = struct.pack(">II", 2049, count) + bytes(i % 10 for i in range(count))
    if compress:
        images, labels = gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)
    return struct.pack("<I", len(images)) + images + labels


def generated():
    """(target, name, bytes) of the seeds the fixtures lack."""
    yield "bmp", "bmp24_bottom_up.bmp", bmp(5, 3, 24, False)
    yield "bmp", "bmp32_top_down.bmp", bmp(4, 4, 32, True)
    yield "ppm", "p6_comment.ppm", netpbm(b"P6", 4, 3, b"a comment")
    yield "ppm", "p5.pgm", netpbm(b"P5", 3, 5, b"")
    yield "safetensors", "two_tensors.safetensors", safetensors(
        {"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
         "b": {"dtype": "I64", "shape": [], "data_offsets": [16, 24]}}, bytes(24))
    yield "safetensors", "empty_tensor.safetensors", safetensors(
        {"e": {"dtype": "BF16", "shape": [0, 3], "data_offsets": [0, 0]}}, b"")
    yield "npy", "v2.npy", npy(2, "<i4", [2, 3], bytes(24))
    yield "npy", "v3_bool.npy", npy(3, "|b1", [4], bytes([0, 1, 1, 0]))
    yield "npy", "empty_dims.npy", npy(1, "<f8", [0, 5], b"")
    yield "fashion_mnist", "three_gz.idx", idx_pair(3, True)
    yield "fashion_mnist", "two_raw.idx", idx_pair(2, False)


def main():
    seeds = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.stat().st_size > MAX_SEED or FIXTURES / "fuzz" in path.parents:
            continue
        data = path.read_bytes()
        target = target_of(data, path.name)
        if target is None:
            continue
        name = str(path.relative_to(FIXTURES)).replace("/", "_")
        seeds.append((target, name, data))
        if target == "zip_pth":  # the pickle inside, with its persistent ids
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for record in z.namelist():
                        if record.endswith("data.pkl"):
                            seeds.append(("unpickler", name + ".data.pkl", z.read(record)))
            except zipfile.BadZipFile:
                pass
    seeds.extend(generated())
    counts = {}
    for target, name, data in seeds:
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ("seed_" + name)).write_bytes(data)
        counts[target] = counts.get(target, 0) + 1
    for target in sorted(counts):
        print(f"{target:14s} {counts[target]:4d} seeds")


if __name__ == "__main__":
    main()
