"""Write tests/data/resize_fixture/ for the Rust box-resize test (tests/resize_twin.rs).

  python3 python/make_resize_fixture.py [--out tests/data/resize_fixture]

Seeded source PNGs of awkward sizes (non-square, odd, a scale that is not a whole number, one
smaller than its target so it is enlarged) and, for each, (as a PNG) what python/faces.py (the trainer's
loader: centred square crop, exact area-averaging box resize in float64) makes of it. Needs
numpy and Pillow only. The Rust test only reads these files; run this script to change them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faces  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (width, height, model size)
CASES = [(37, 29, 16), (150, 97, 64), (65, 65, 64), (97, 203, 64), (5, 7, 16)]


def source(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = np.stack([255 * xx / max(w - 1, 1), 255 * yy / max(h - 1, 1),
                     128 + 100 * np.sin(xx / 3 + yy / 5)], -1)
    return np.clip(np.rint(base + rng.normal(0, 20, (h, w, 3))), 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "resize_fixture"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(2026)
    cases = []
    for w, h, size in CASES:
        name = f"src_{w}x{h}.png"
        Image.fromarray(source(rng, w, h), "RGB").save(os.path.join(a.out, name))
        want = f"want_{w}x{h}_{size}.png"
        out = faces.load_image(os.path.join(a.out, name), size)
        Image.fromarray(out, "RGB").save(os.path.join(a.out, want))
        cases.append({"source": name, "size": size, "expected": want})
    with open(os.path.join(a.out, "cases.json"), "w") as f:
        json.dump({"what": "expected = faces.load_image(source, size): centred square, box resize",
                   "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
