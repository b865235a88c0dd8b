"""Face data for realnvp-web (docs/ARCHITECTURE.md, section 11).

- walk a folder recursively for .jpg/.jpeg/.png (sorted by relative path)
- centred square crop (side = min(w, h), offset floor((w-side)/2), floor((h-side)/2))
- exact box (area-average) resize to image_size, partial source pixels weighted by overlap,
  rounded to nearest (floor(v + 0.5)), RGB u8
- validation split: key = file name without its last extension, trailing `_<digits>` removed;
  FNV-1a 64 of the key's UTF-8 bytes; validation if hash % 20 == 0
- the resized arrays are cached as .npy ([N, H, W, 3] u8) plus a .json list of names

CLI: python3 python/faces.py DATA_DIR --size 64 --cache .cache/faces [--workers 16]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from typing import List, Tuple

import numpy as np
from PIL import Image

EXTS = (".jpg", ".jpeg", ".png")
_TRAIL = re.compile(r"_\d+$")


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def split_key(file_name: str) -> str:
    base = os.path.basename(file_name)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return _TRAIL.sub("", stem)


def is_validation(file_name: str) -> bool:
    return fnv1a64(split_key(file_name).encode("utf-8")) % 20 == 0


def list_images(root: str) -> List[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for f in filenames:
            if f.lower().endswith(EXTS):
                out.append(os.path.relpath(os.path.join(dirpath, f), root))
    out.sort()
    return out


def _box_matrix(n_in: int, n_out: int) -> np.ndarray:
    """[n_out, n_in] weights: output pixel o averages source interval [o*s, (o+1)*s)."""
    s = n_in / n_out
    m = np.zeros((n_out, n_in), dtype=np.float64)
    for o in range(n_out):
        lo, hi = o * s, (o + 1) * s
        i0, i1 = int(np.floor(lo)), int(np.ceil(hi))
        for i in range(i0, min(i1, n_in)):
            ov = min(hi, i + 1) - max(lo, i)
            if ov > 0:
                m[o, i] = ov / s
    return m


def box_resize(img: np.ndarray, size: int) -> np.ndarray:
    """img [S, S, C] u8 -> [size, size, C] u8 by exact area averaging."""
    s = img.shape[0]
    if s == size:
        return img.copy()
    m = _box_matrix(s, size)
    f = img.astype(np.float64)
    out = np.einsum("oi,ijc->ojc", m, f)
    out = np.einsum("pj,ojc->opc", m, out)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def load_image(path: str, size: int) -> np.ndarray:
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        side = min(w, h)
        ox, oy = (w - side) // 2, (h - side) // 2
        arr = np.asarray(im, dtype=np.uint8)[oy : oy + side, ox : ox + side]
    return box_resize(arr, size)


def _load_one(args: Tuple[str, int]) -> np.ndarray:
    return load_image(*args)


def build_cache(root: str, size: int, cache_dir: str, workers: int = 1):
    """Returns (train [N,H,W,3] u8, val [M,H,W,3] u8, train_names, val_names); cached."""
    names = list_images(root)
    tag = hashlib.sha1(("\n".join(names) + f"|{size}|boxv1").encode()).hexdigest()[:12]
    os.makedirs(cache_dir, exist_ok=True)
    base = os.path.join(cache_dir, f"faces{size}_{tag}")
    if os.path.exists(base + ".npy") and os.path.exists(base + ".json"):
        arr = np.load(base + ".npy")
        with open(base + ".json") as f:
            names = json.load(f)["names"]
    else:
        jobs = [(os.path.join(root, n), size) for n in names]
        if workers > 1:
            from multiprocessing import Pool

            with Pool(workers) as pool:
                imgs = pool.map(_load_one, jobs, chunksize=64)
        else:
            imgs = [_load_one(j) for j in jobs]
        arr = np.stack(imgs) if imgs else np.zeros((0, size, size, 3), np.uint8)
        np.save(base + ".tmp.npy", arr)
        os.replace(base + ".tmp.npy", base + ".npy")
        with open(base + ".json", "w") as f:
            json.dump({"root": os.path.abspath(root), "size": size, "names": names}, f)
    val = np.array([is_validation(n) for n in names], dtype=bool)
    tr_names = [n for n, v in zip(names, val) if not v]
    va_names = [n for n, v in zip(names, val) if v]
    return arr[~val], arr[val], tr_names, va_names


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--cache", default=".cache/faces")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args(argv)
    tr, va, _, _ = build_cache(a.root, a.size, a.cache, a.workers)
    print(json.dumps({"train": int(tr.shape[0]), "val": int(va.shape[0]), "size": a.size}))


if __name__ == "__main__":
    sys.exit(main())
