"""Write tests/data/torch_fixture/ for the Rust equivalence test.

  python3 python/make_fixture.py [--out tests/data/torch_fixture] [--face PATH]

Small config (image_size 16, channels 3, num_scales 3, width 8, blocks 1) with random,
non-trivial weights saved as F16 safetensors (F32 would be 225 KB); 4 RGB 16x16 PNGs (3 synthetic, 1 a real face
cropped + box-resized by faces.py); expected.json computed in float64 from the f32 weights,
eval mode (running BN stats), u = 0.5:
  bits_per_dim[i], per_scale_bits_per_dim[i][s], latents_sum_sq[i] (sum of squares of all
  latents of image i), inverse_roundtrip (decode(encode(x)) == x, checked here),
  latents_image0 (latents of image 0 per scale, flattened C,H,W row-major, shapes given),
  decode_check: pixels from decoding 0.7 * latents of image 1 (flattened C,H,W; f32 rounding
  may move a pixel by 1 at a bin edge),
  train_mode_bits_per_dim: the 4 images as one batch in training mode (batch statistics).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faces  # noqa: E402
from realnvp_torch import RealNvp, RealNvpConfig, WnConv, load_weights, save_weights  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def synthetic_images(rng: np.random.Generator, s: int):
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float64) / (s - 1)
    imgs = []
    # 1: smooth colour gradients + mild noise
    a = np.stack([255 * xx, 255 * yy, 255 * (1 - xx) * yy], -1) + rng.normal(0, 6, (s, s, 3))
    imgs.append(a)
    # 2: radial blob + sinusoid, darker
    r = np.sqrt((xx - 0.4) ** 2 + (yy - 0.6) ** 2)
    b = np.stack([200 * np.exp(-4 * r), 120 + 60 * np.sin(6 * xx), 40 + 150 * r], -1)
    imgs.append(b + rng.normal(0, 10, (s, s, 3)))
    # 3: saturated corners (0 and 255 present) + strong noise
    c = np.stack([255 * (xx > 0.5), 255 * (yy > 0.5), 128 + 0 * xx], -1) + rng.normal(0, 25, (s, s, 3))
    imgs.append(c)
    return [np.clip(np.rint(i), 0, 255).astype(np.uint8) for i in imgs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "torch_fixture"))
    ap.add_argument("--face", default="/work/shared/data/faces/lfw/Aaron_Eckhart_0001.jpg")
    ap.add_argument("--seed", type=int, default=1234)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    cfg = RealNvpConfig(image_size=16, channels=3, num_scales=3, width=8, blocks=1)
    model = RealNvp(cfg)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, WnConv):
                m.v.normal_(0, 1)
                m.g.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
        for name, p in model.named_parameters():
            if name.endswith("net.output.g"):
                p.copy_(torch.empty_like(p).uniform_(0.1, 0.5) * torch.sign(torch.randn_like(p)))
            if name.endswith("s_scale"):
                p.uniform_(0.5, 1.5)
            if name.endswith("log_gamma"):
                p.normal_(0, 0.2)
            if name.endswith("norm.beta"):
                p.normal_(0, 0.2)
    # running stats: sane values taken from a training-mode pass over random pixels,
    # then perturbed
    model.train()
    for m in model.norms():
        m.momentum = 1.0
    with torch.no_grad():
        model(torch.randint(0, 256, (32, 3, 16, 16)).float(), torch.rand(32, 3, 16, 16))
        for m in model.norms():
            m.momentum = cfg.bn_momentum
            m.running_mean.add_(torch.randn_like(m.running_mean) * 0.1)
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.8, 1.25))
    model.eval()
    wpath = os.path.join(a.out, "weights.safetensors")
    save_weights(model, wpath, f16=True)  # F16 keeps the fixture small; expected uses these values

    imgs = synthetic_images(rng, 16)
    imgs.append(faces.load_image(a.face, 16))
    names = ["gradient.png", "blob.png", "corners.png", "face.png"]
    for n, im in zip(names, imgs):
        Image.fromarray(im, "RGB").save(os.path.join(a.out, n))
    # read back from the PNGs (what the Rust test will see)
    x = np.stack([np.asarray(Image.open(os.path.join(a.out, n)).convert("RGB")) for n in names])
    x = torch.from_numpy(x).permute(0, 3, 1, 2).double()

    m64 = load_weights(wpath, dtype=torch.float64)  # f32 weights, f64 arithmetic
    with torch.no_grad():
        bpd, per = m64(x, 0.5)
        zs, _, _ = m64.encode(x, 0.5)
        sumsq = sum(z.pow(2).flatten(1).sum(1) for z in zs)
        back = m64.decode(zs)
        roundtrip = bool(torch.equal(back, x))
        assert roundtrip, "inverse of forward latents does not give the pixels back"
        assert torch.allclose(per.sum(1), bpd)
        dec = m64.decode([0.7 * z[1:2] for z in zs])
        mt = copy.deepcopy(m64).train()
        bpd_train, per_train = mt(x, 0.5)

    exp = {
        "config": json.loads(cfg.to_json()),
        "weights": "weights.safetensors",
        "images": names,
        "noise": 0.5,
        "mode": "eval",
        "bits_per_dim": bpd.tolist(),
        "per_scale_bits_per_dim": per.tolist(),
        "latents_sum_sq": sumsq.tolist(),
        "latent_shapes": [list(s) for s in m64.latent_shapes()],
        "inverse_roundtrip": roundtrip,
        "latents_image0": [z[0].flatten().tolist() for z in zs],
        "decode_check": {"latents": "0.7 * latents of image 1",
                         "pixels": dec[0].flatten().to(torch.int64).tolist()},
        "train_mode_bits_per_dim": bpd_train.tolist(),
        "train_mode_per_scale_bits_per_dim": per_train.tolist(),
    }
    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1)
    # sanity: an f32 evaluation agrees to ~1e-5 bits/dim
    m32 = load_weights(wpath)
    with torch.no_grad():
        b32, _ = m32(x.float(), 0.5)
    print("bits/dim f64:", [round(v, 6) for v in bpd.tolist()],
          "max |f32 - f64|:", (b32.double() - bpd).abs().max().item())
    tot = sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out))
    print(f"fixture in {a.out}: {tot} bytes")


if __name__ == "__main__":
    main()
