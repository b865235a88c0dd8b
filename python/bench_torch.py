"""Throughput of the PyTorch twin: training, forward (scoring) and inverse (sampling) images/s.

  python3 python/bench_torch.py --device cpu --threads 2 --batches 16 --variants fp32
  python3 python/bench_torch.py --device cuda --batches 64,128 --variants fp32,bf16,bf16-cl

Each (variant, batch) prints one JSON line. Variants: fp32 (on CUDA: TF32 convolutions),
bf16 (bf16 autocast inside the s/t ResNets only), suffix -cl: channels_last inside the ResNets.
Times are after warm-up (cudnn.benchmark autotuning included in the warm-up), synchronised,
median of per-iteration rates over --seconds of repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from realnvp_torch import RealNvp, RealNvpConfig, count_params, set_speed  # noqa: E402


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, dev, warmup, seconds, min_iters):
    for _ in range(warmup):
        fn()
    sync(dev)
    times = []
    t_end = time.time() + seconds
    while len(times) < min_iters or time.time() < t_end:
        t = time.time()
        fn()
        sync(dev)
        times.append(time.time() - t)
    times.sort()
    return times[len(times) // 2], len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--num-scales", type=int, default=4)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--batches", default="64")
    ap.add_argument("--variants", default="fp32")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--min-iters", type=int, default=3)
    ap.add_argument("--skip", default="", help="comma list of train,forward,inverse to skip")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    cfg = RealNvpConfig(a.image_size, 3, a.num_scales, a.width, a.blocks)
    skip = set(s for s in a.skip.split(",") if s)
    for variant in a.variants.split(","):
        amp = variant.startswith("bf16")
        cl = variant.endswith("-cl")
        for batch in [int(b) for b in a.batches.split(",")]:
            torch.manual_seed(0)
            set_speed(amp and dev.type == "cuda", cl)
            model = RealNvp(cfg).to(dev)
            if cl:
                model = model.to(memory_format=torch.channels_last)
            with torch.no_grad():  # non-identity couplings
                for m in model.modules():
                    if hasattr(m, "output") and hasattr(m.output, "g"):
                        m.output.g.normal_(0, 0.05)
            gps = model.wn_g_params()
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            x = torch.randint(0, 256, (batch, 3, a.image_size, a.image_size), device=dev).float()

            def train_step():
                model.train()
                u = torch.rand_like(x)
                bpd, _ = model(x, u)
                loss = bpd.mean() + 5e-5 * sum((p * p).sum() for p in gps)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 100.0)
                opt.step()

            @torch.no_grad()
            def fwd():
                model.eval()
                model(x, 0.5)

            @torch.no_grad()
            def inv():
                model.eval()
                model.sample(batch, 0.7)

            rec = {"device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
                   "threads": torch.get_num_threads(), "torch": torch.__version__,
                   "config": json.loads(cfg.to_json()), "params": count_params(model),
                   "batch": batch, "variant": variant, "amp": "bf16" if amp else "none",
                   "channels_last": cl}
            try:
                if "train" not in skip:
                    t, n = timed(train_step, dev, a.warmup, a.seconds, a.min_iters)
                    rec["train_img_s"] = batch / t
                    rec["train_iters"] = n
                if "forward" not in skip:
                    t, n = timed(fwd, dev, a.warmup, a.seconds / 2, a.min_iters)
                    rec["forward_img_s"] = batch / t
                if "inverse" not in skip:
                    t, n = timed(inv, dev, a.warmup, a.seconds / 2, a.min_iters)
                    rec["inverse_img_s"] = batch / t
                if dev.type == "cuda":
                    rec["max_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
                    torch.cuda.reset_peak_memory_stats()
            except Exception as e:  # report and go on with the next variant
                rec["error"] = repr(e)[:300]
            print(json.dumps(rec), flush=True)
            del model, opt
            if dev.type == "cuda":
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
