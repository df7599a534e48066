#!/usr/bin/python3
"""Regenerates the test fixtures under tests/fixtures/ with the real PyTorch stack.

Run with Debian's interpreter (python3-torch, python3-torchvision, python3-pil, python3-numpy):

    /usr/bin/python3 tools/make_fixtures.py            # every area
    /usr/bin/python3 tools/make_fixtures.py npy io     # some areas

Each area is a module tools/fixtures/<area>.py with a function `make(out_dir)` that writes
into tests/fixtures/<area>/. Generation is deterministic (fixed seeds), so re-running it
reproduces the committed files. The product itself never runs Python.
"""
import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def areas():
    return sorted(p.stem for p in (ROOT / "tools" / "fixtures").glob("*.py") if not p.stem.startswith("_"))


def main(argv):
    sys.path.insert(0, str(ROOT / "tools"))
    wanted = argv or areas()
    unknown = [a for a in wanted if a not in areas()]
    if unknown:
        sys.exit(f"unknown fixture area(s): {', '.join(unknown)}; known: {', '.join(areas())}")
    for area in wanted:
        out = FIXTURES / area
        out.mkdir(parents=True, exist_ok=True)
        print(f"[fixtures] {area} -> {out.relative_to(ROOT)}", flush=True)
        importlib.import_module(f"fixtures.{area}").make(out)


if __name__ == "__main__":
    main(sys.argv[1:])
