"""Write the project's weight file (.safetensors, docs/ARCHITECTURE.md section 10).

  python3 python/export_weights.py --ckpt runs/gpu/checkpoint.pt --out faces64.safetensors [--f16]
  python3 python/export_weights.py --ckpt ... --out w.safetensors --max-part-mb 15
      (f32 too big to bring back in one file: writes w.part0.safetensors, w.part1.safetensors,
       each a valid safetensors file holding a subset of the tensors, same metadata)
  python3 python/export_weights.py --merge w.part0.safetensors w.part1.safetensors --out w.safetensors
  python3 python/export_weights.py --check w.safetensors    (loads it, prints config + stats)
The shipped int8 file is made from the f16 one by the Rust CLI, which measures its stats again:
  target/release/realnvp convert --weights faces64-f16.safetensors --precision int8 --out faces64.safetensors

Metadata: format = "realnvp-web", format_version = "1", config = config JSON, and stats (JSON)
when the checkpoint holds final validation statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from realnvp_torch import FORMAT, FORMAT_VERSION, RealNvp, RealNvpConfig, load_weights  # noqa: E402


def stats_from_state(st: dict):
    fin = st.get("final")
    if not fin:
        return None
    keys = ["val_bpd", "val_per_scale", "val_bpd_quantiles", "val_images", "train_bpd",
            "val_bpd_before_recal", "train_bpd_before_recal", "step", "epoch", "train_s"]
    return {k: fin[k] for k in keys if k in fin}


def tensors_meta_from_ckpt(path: str, f16: bool):
    ck = torch.load(path, map_location="cpu", weights_only=False)
    cfg = RealNvpConfig(**ck["config"])
    model = RealNvp(cfg)
    model.load_state_dict(ck["model"])
    dt = torch.float16 if f16 else torch.float32
    tensors = {k: v.detach().to(dt).contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "config": cfg.to_json()}
    stats = stats_from_state(ck.get("state", {}))
    if stats is not None:
        meta["stats"] = json.dumps(stats, separators=(",", ":"))
    return tensors, meta


def write(tensors, meta, out: str, max_part_mb: float = 0.0):
    from safetensors.torch import save_file

    total = sum(t.numel() * t.element_size() for t in tensors.values())
    if not max_part_mb or total <= max_part_mb * 2**20:
        tmp = out + ".tmp"
        save_file(tensors, tmp, metadata=meta)
        os.replace(tmp, out)
        return [out]
    parts, cur, size = [], {}, 0
    for k, t in tensors.items():
        nb = t.numel() * t.element_size()
        if cur and size + nb > max_part_mb * 2**20:
            parts.append(cur)
            cur, size = {}, 0
        cur[k] = t
        size += nb
    parts.append(cur)
    stem = out[: -len(".safetensors")] if out.endswith(".safetensors") else out
    paths = []
    for i, p in enumerate(parts):
        path = f"{stem}.part{i}.safetensors"
        save_file(p, path, metadata=dict(meta, part=f"{i}/{len(parts)}"))
        paths.append(path)
    return paths


def merge(paths, out):
    from safetensors import safe_open

    tensors, meta = {}, None
    for p in paths:
        with safe_open(p, framework="pt") as f:
            m = dict(f.metadata() or {})
            m.pop("part", None)
            meta = meta or m
            for k in f.keys():
                tensors[k] = f.get_tensor(k)
    return write(tensors, meta, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt")
    ap.add_argument("--out")
    ap.add_argument("--f16", action="store_true")
    ap.add_argument("--max-part-mb", type=float, default=0.0)
    ap.add_argument("--merge", nargs="+")
    ap.add_argument("--check")
    a = ap.parse_args()
    if a.check:
        from safetensors import safe_open

        m = load_weights(a.check)
        with safe_open(a.check, framework="pt") as f:
            meta = f.metadata()
        print(json.dumps({"file": a.check, "tensors": len(m.state_dict()),
                          "params": sum(p.numel() for p in m.parameters()),
                          "config": json.loads(meta["config"]),
                          "stats": json.loads(meta["stats"]) if "stats" in meta else None}))
        return
    if a.merge:
        print("\n".join(merge(a.merge, a.out)))
        return
    tensors, meta = tensors_meta_from_ckpt(a.ckpt, a.f16)
    print("\n".join(write(tensors, meta, a.out, a.max_part_mb)))


if __name__ == "__main__":
    main()
