"""Sample an n x n grid of faces from a weight file (or checkpoint) with the PyTorch twin.

  python3 python/sample_grid.py --weights faces64.safetensors --temperature 0.7 --out s07.png
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from realnvp_torch import RealNvp, RealNvpConfig, load_weights  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights")
    ap.add_argument("--ckpt")
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--grid", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pad", type=int, default=2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    if a.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    if a.weights:
        model = load_weights(a.weights, device=a.device)
    else:
        ck = torch.load(a.ckpt, map_location="cpu", weights_only=False)
        model = RealNvp(RealNvpConfig(**ck["config"]))
        model.load_state_dict(ck["model"])
        model = model.to(a.device).eval()
    g = torch.Generator(device=a.device).manual_seed(a.seed)
    n = a.grid
    x = model.sample(n * n, a.temperature, generator=g).to("cpu", torch.uint8)  # [N,3,H,W]
    s, p = x.shape[-1], a.pad
    canvas = np.full((n * s + (n + 1) * p, n * s + (n + 1) * p, 3), 255, np.uint8)
    for k in range(n * n):
        i, j = divmod(k, n)
        canvas[p + i * (s + p) : p + i * (s + p) + s, p + j * (s + p) : p + j * (s + p) + s] = (
            x[k].permute(1, 2, 0).numpy())
    Image.fromarray(canvas).save(a.out)
    print(a.out)


if __name__ == "__main__":
    main()
