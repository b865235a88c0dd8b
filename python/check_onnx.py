"""Check the exported ONNX graphs (python/export_onnx.py) against the Rust model's CLI.

    .venv/bin/python python/check_onnx.py [--realnvp target/release/realnvp] [--threads 1]
    (or: .venv/bin/python python/export_onnx.py --check, which exports first)

(a) bits/dim: a few face photos from ../shared/data/faces, centre-cropped and resized to
    64x64 PNGs here (so the CLI's own crop and resize are the identity and both sides see the
    same pixels), plus the sampled faces of (b) cut out of their grid, are scored by
    `realnvp score --json` and by score.onnx on ONNX Runtime (CPU). Must agree within 1e-3.
(b) pixels: `realnvp sample --n K --temperature 0.7 --seed S` writes a grid; the same latents,
    drawn in numpy exactly as src/rng.rs does (python/seeded_latents.py), go through
    sample.onnx. Every sub-pixel must be within 1 (of 255); off-by-one values are floor()
    boundary flips of float rounding and are counted.

Prints a PASS/FAIL summary and exits 1 on failure. Needs onnxruntime, numpy and pillow (not
torch). Writes the inputs and runs/onnx/check/reference.json, which the ONNX Runtime Web
benchmark (scripts/bench-ort-web.mjs) uses to check the browser's results too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Dict, List, Optional

import numpy as np
import onnxruntime as ort
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from seeded_latents import latent_shapes, sample_latents  # noqa: E402

BPD_TOLERANCE = 1e-3
GRID_PAD = 2  # src/bin/realnvp.rs: grid(..., cols = ceil(sqrt(n)), pad = 2), white gaps


def find_cli(given: Optional[str]) -> str:
    for path in ([given] if given else []) + [os.path.join(ROOT, "target", p, "realnvp")
                                               for p in ("release", "debug")]:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    sys.exit(f"no realnvp CLI found ({given or 'target/release or target/debug'}): "
             "build it with `cargo build --release`")


def model_config(weights: str) -> dict:
    # The safetensors header: 8-byte little-endian length, then JSON with __metadata__.
    with open(weights, "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    return json.loads(header["__metadata__"]["config"])


def crop_resize(src: str, dst: str, size: int) -> None:
    """Centred square crop and box resize (docs/ARCHITECTURE.md section 11, closely enough:
    the PNG written here is the input of both sides, so only its being 64x64 matters)."""
    img = Image.open(src).convert("RGB")
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    img.crop((left, top, left + side, top + side)).resize((size, size), Image.BOX).save(dst)


def pick_photos(faces: str, count: int) -> List[str]:
    """`count` photos spread evenly over the sorted folders (deterministic)."""
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(faces) for f in fs
                   if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if not files:
        return []
    step = max(1, len(files) // count)
    return files[::step][:count]


def read_pixels(paths: List[str]) -> np.ndarray:
    """[N, 3, H, W] float32 in 0..255 from RGB image files."""
    return np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32).transpose(2, 0, 1)
                     for p in paths])


def grid_faces(grid_png: str, n: int, size: int) -> np.ndarray:
    """The n faces of a `realnvp sample` grid, [n, 3, size, size] float32."""
    grid = np.asarray(Image.open(grid_png).convert("RGB"), dtype=np.float32)
    cols = int(np.ceil(np.sqrt(n)))
    faces = []
    for k in range(n):
        y0 = GRID_PAD + (k // cols) * (size + GRID_PAD)
        x0 = GRID_PAD + (k % cols) * (size + GRID_PAD)
        faces.append(grid[y0:y0 + size, x0:x0 + size].transpose(2, 0, 1))
    return np.stack(faces)


def cli(realnvp: str, *args: str) -> str:
    return subprocess.run([realnvp, *args], check=True, capture_output=True, text=True,
                          cwd=ROOT).stdout


def session(path: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def check_pixels(realnvp, weights, sample_onnx, work, cfg, n, seed, temperature, threads) -> Dict:
    grid_png = os.path.join(work, f"grid-n{n}-seed{seed}.png")
    cli(realnvp, "sample", "--weights", weights, "--n", str(n), "--seed", str(seed),
        "--temperature", str(temperature), "--out", grid_png)
    rust = grid_faces(grid_png, n, cfg["image_size"])
    latents = sample_latents(latent_shapes_of(cfg), n, temperature, seed)
    feeds = {f"z{i}": z for i, z in enumerate(latents)}
    onnx = session(sample_onnx, threads).run(None, feeds)[0]
    diff = np.abs(onnx - rust)
    return {"grid": os.path.relpath(grid_png, ROOT), "n": n, "seed": seed,
            "temperature": temperature, "subpixels": int(diff.size),
            "max_diff": float(diff.max()), "off_by_one": int((diff == 1).sum()),
            "off_by_more": int((diff > 1).sum()),
            "frac_off_by_more": float((diff > 1).mean()), "faces": rust}


def latent_shapes_of(cfg: dict):
    return latent_shapes(cfg["image_size"], cfg["channels"], cfg["num_scales"])


def run(onnx_dir: str, weights: str, realnvp: Optional[str], photos: int = 6, n: int = 4,
        seed: int = 1, temperature: float = 0.7, threads: int = 1,
        faces_dir: str = os.path.join(ROOT, "..", "shared", "data", "faces")) -> int:
    realnvp = find_cli(realnvp)
    weights = os.path.abspath(weights)
    cfg = model_config(weights)
    size = cfg["image_size"]
    work = os.path.join(onnx_dir, "check")
    os.makedirs(work, exist_ok=True)
    print(f"CLI {os.path.relpath(realnvp, ROOT)}, onnxruntime {ort.__version__}, {threads} thread(s)")

    # (b) first: its sampled faces are scored in (a) too.
    px = check_pixels(realnvp, weights, os.path.join(onnx_dir, "sample.onnx"), work, cfg, n,
                      seed, temperature, threads)
    inputs = []
    for k, face in enumerate(px.pop("faces")):
        path = os.path.join(work, f"sampled-seed{seed}-{k}.png")
        Image.fromarray(face.transpose(1, 2, 0).astype(np.uint8)).save(path)
        inputs.append(path)
    for src in pick_photos(faces_dir, photos):
        path = os.path.join(work, "photo-" + os.path.basename(src).split(".")[0] + ".png")
        crop_resize(src, path, size)
        inputs.append(path)

    # (a) bits/dim, the CLI and ONNX Runtime on the same PNG files (one batch on the ORT side)
    lines = [json.loads(l) for l in cli(realnvp, "score", "--json", "--weights", weights,
                                          *inputs).splitlines() if l.strip()]
    rust_bpd = np.array([l["bits_per_dim"] for l in lines], dtype=np.float64)
    onnx_bpd = session(os.path.join(onnx_dir, "score.onnx"), threads).run(
        None, {"pixels": read_pixels(inputs)})[0].astype(np.float64)
    bpd_diff = np.abs(onnx_bpd - rust_bpd)
    for path, r, o in zip(inputs, rust_bpd, onnx_bpd):
        print(f"  {os.path.basename(path):40s} realnvp {r:.4f}  onnx {o:.4f}  diff {abs(o - r):.1e}")

    bpd_ok = bool(bpd_diff.max() <= BPD_TOLERANCE)
    px_ok = px["off_by_more"] == 0
    print(f"bits/dim: {len(inputs)} images, max |onnx - realnvp| = {bpd_diff.max():.2e} "
          f"(CLI prints 4 decimals; tolerance {BPD_TOLERANCE}): {'PASS' if bpd_ok else 'FAIL'}")
    print(f"pixels: {px['n']} faces (seed {seed}, temperature {temperature}), {px['subpixels']} "
          f"sub-pixels: max |diff| {px['max_diff']:.0f}, off by 1: {px['off_by_one']} "
          f"({px['off_by_one'] / px['subpixels']:.2e}), off by more: {px['off_by_more']} "
          f"({px['frac_off_by_more']:.2e}): {'PASS' if px_ok else 'FAIL'}")

    reference = {
        "note": "written by python/check_onnx.py: the Rust CLI's results on these files",
        "image_size": size,
        "latent_shapes": [list(s) for s in latent_shapes_of(cfg)],
        "score": [{"file": os.path.basename(p), "bits_per_dim": float(b)}
                  for p, b in zip(inputs, rust_bpd)],
        "sample": {k: px[k] for k in ("n", "seed", "temperature")}
        | {"grid": os.path.basename(px["grid"]), "cols": int(np.ceil(np.sqrt(n))), "pad": GRID_PAD},
    }
    with open(os.path.join(work, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
    print(json.dumps({"check": "onnx vs realnvp", "bpd_max_diff": float(bpd_diff.max()),
                      "images": len(inputs), **px, "pass": bpd_ok and px_ok}))
    print("PASS" if bpd_ok and px_ok else "FAIL")
    return 0 if bpd_ok and px_ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--onnx", default=os.path.join(ROOT, "runs", "onnx"),
                    help="folder with score.onnx and sample.onnx")
    ap.add_argument("--weights", default=os.path.join(ROOT, "model-weights", "faces64.safetensors"))
    ap.add_argument("--realnvp", default=None, help="default: target/release, then target/debug")
    ap.add_argument("--photos", type=int, default=6, help="photos from the face folder")
    ap.add_argument("--n", type=int, default=4, help="faces in the sample grid")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads")
    a = ap.parse_args()
    return run(a.onnx, a.weights, a.realnvp, a.photos, a.n, a.seed, a.temperature, a.threads)


if __name__ == "__main__":
    sys.exit(main())
