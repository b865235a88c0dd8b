"""Where a validation bits/dim difference between the trainer and the Rust CLI comes from.

Scores the validation split with the PyTorch twin twice: on the pixels Python decodes
(PIL + exact box resize, python/faces.py) and on the pixels the Rust pipeline decodes (read
from the Rust trainer's cache, runs/cache/faces-<size>-*.bin), and measures PNG and libwebp
lossless bits/dim of the Rust-decoded images (PIL, method 6, the strongest setting).
The trainer's numbers are those of the f16 file it exported (model-weights/faces64-f16.safetensors);
the shipped faces64.safetensors is its int8 conversion (`realnvp convert`), also readable here.

  python3 python/compare_pipelines.py --weights model-weights/faces64-f16.safetensors \
      --data ../shared/data/faces --rust-cache runs/cache/faces-64-*.bin
"""

import argparse
import glob
import io
import json
import os
import struct
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faces import is_validation, list_images, load_image  # noqa: E402
from realnvp_torch import load_weights  # noqa: E402


def read_rust_cache(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"RNVPDAT1", "not a Rust image cache"
    n, size = struct.unpack("<QQ", data[8:24])
    pos, out = 24, []
    for _ in range(n):
        tag = data[pos]
        pos += 1
        if tag == 1:
            out.append(np.frombuffer(data[pos:pos + size * size * 3], np.uint8).reshape(size, size, 3))
            pos += size * size * 3
        else:
            (length,) = struct.unpack("<I", data[pos:pos + 4])
            pos += 4 + length
            out.append(None)
    return out, size


@torch.no_grad()
def score(model, images):
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    bpd = [model(x[i:i + 64], 0.5)[0] for i in range(0, len(x), 64)]
    return torch.cat(bpd).double().mean().item()


def codec_bpd(images, fmt, **kw):
    total = 0.0
    for img in images:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format=fmt, **kw)
        total += buf.tell() * 8 / img.size
    return total / len(images)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--rust-cache", required=True)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = load_weights(a.weights).eval()
    size = model.cfg.image_size
    files = list_images(a.data)
    cache_path = sorted(glob.glob(a.rust_cache))[0]
    rust_images, cache_size = read_rust_cache(cache_path)
    assert cache_size == size and len(rust_images) == len(files), "cache does not match the folder"
    val = [i for i, f in enumerate(files) if is_validation(os.path.basename(f))]
    rust_val = [rust_images[i] for i in val if rust_images[i] is not None]
    py_val = [load_image(os.path.join(a.data, files[i]), size) for i in val]
    diff = np.mean([np.abs(r.astype(int) - p.astype(int)).mean() for r, p in zip(rust_val, py_val)])
    print(json.dumps({
        "val_images": len(val),
        "mean_abs_pixel_difference_rust_vs_python": diff,
        "twin_bpd_on_python_pixels": score(model, py_val),
        "twin_bpd_on_rust_pixels": score(model, rust_val),
        "png_bpd_rust_pixels": codec_bpd(rust_val, "PNG", optimize=True),
        "webp_lossless_bpd_rust_pixels": codec_bpd(rust_val, "WEBP", lossless=True, quality=100, method=6),
    }))


if __name__ == "__main__":
    main()
