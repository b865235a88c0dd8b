"""Train the PyTorch twin of realnvp-web on a face folder.

Adam, linear warm-up then cosine decay. The schedule is a function of the planned total
training time (--plan-minutes, seconds spent in training steps, saved in the checkpoint) or of
a planned number of steps (--total-steps), so a run stopped by --max-minutes and continued
with --resume follows the same curve. Gradient-norm clipping, L2 on the weight-norm g
parameters, random horizontal flips, uniform dequantisation noise. Validation bits/dim with
u = 0.5 in eval mode (running BN stats) each epoch. When the plan is done: BN recalibration
(averaged batch statistics over --recal-batches training batches, no-grad train mode), final
evaluation in full fp32, checkpoint.

Example (CPU smoke test):
  python3 python/train_torch.py --data /tmp/faces_small --out runs/cpu --image-size 16 \
      --num-scales 2 --width 16 --blocks 1 --batch 16 --plan-minutes 2 --max-minutes 1
  python3 python/train_torch.py --out runs/cpu --resume --max-minutes 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faces  # noqa: E402
from realnvp_torch import RealNvp, RealNvpConfig, ResNet, count_params, set_speed  # noqa: E402

T0 = time.time()


def log(msg: str) -> None:
    print(f"[{time.time() - T0:7.1f}s] {msg}", flush=True)


def parse(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", help="face folder (walked recursively)")
    ap.add_argument("--cache", default=".cache/faces")
    ap.add_argument("--out", required=True, help="run folder: checkpoint.pt, train_log.jsonl")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--num-scales", type=int, default=4)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--lr-min-frac", type=float, default=0.0, help="cosine floor, fraction of lr")
    ap.add_argument("--plan-minutes", type=float, default=None, help="schedule length (train time)")
    ap.add_argument("--total-steps", type=int, default=None, help="schedule length (steps)")
    ap.add_argument("--max-minutes", type=float, default=9.0, help="stop this process after")
    ap.add_argument("--clip", type=float, default=100.0)
    ap.add_argument("--l2-g", type=float, default=5e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--amp", choices=["none", "bf16"], default="none")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--auto-from", default=None, help="bench JSONL: pick amp/channels_last/batch")
    ap.add_argument("--ckpt-every", type=float, default=60.0, help="seconds")
    ap.add_argument("--recal-batches", type=int, default=300)
    ap.add_argument("--eval-train-images", type=int, default=4096)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--finish-now", action="store_true", help="skip training, recalibrate + eval")
    ap.add_argument("--finish-at-deadline", action="store_true",
                    help="also recalibrate + final eval when --max-minutes stops the plan early")
    return ap.parse_args(argv)


def lr_at(step: int, train_s: float, st: dict) -> float:
    warm = min(1.0, (step + 1) / max(1, st["warmup"]))
    if st.get("plan_seconds"):
        prog = train_s / st["plan_seconds"]
    else:
        prog = step / max(1, st["total_steps"])
    prog = min(max(prog, 0.0), 1.0)
    f = st["lr_min_frac"] + (1 - st["lr_min_frac"]) * 0.5 * (1 + math.cos(math.pi * prog))
    return st["lr"] * warm * f


def plan_done(step: int, train_s: float, st: dict) -> bool:
    if st.get("plan_seconds"):
        return train_s >= st["plan_seconds"]
    return step >= st["total_steps"]


@torch.no_grad()
def evaluate(model, data_u8, device, batch=256, limit=None, exact=True, per_image=None):
    """Mean eval-mode bits/dim (u = 0.5) and mean per-scale bits/dim over data_u8 [N,3,H,W]."""
    was = model.training
    model.eval()
    amp_prev = ResNet.amp_bf16
    tf = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    if exact:
        set_speed(False, ResNet.channels_last)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    n = data_u8.shape[0] if limit is None else min(limit, data_u8.shape[0])
    tot, per_tot, cnt = 0.0, None, 0
    for i in range(0, n, batch):
        x = data_u8[i : i + batch].to(device, non_blocking=True).float()
        bpd, per = model(x, 0.5)
        tot += bpd.double().sum().item()
        if per_image is not None:
            per_image.extend(bpd.double().cpu().tolist())
        p = per.double().sum(0).cpu()
        per_tot = p if per_tot is None else per_tot + p
        cnt += x.shape[0]
    if exact:
        set_speed(amp_prev, ResNet.channels_last)
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf
    model.train(was)
    return tot / max(cnt, 1), (per_tot / max(cnt, 1)).tolist()


def get_batch(data, idx, gen_dev):
    x = data[idx].float()
    flip = torch.rand(x.shape[0], device=x.device, generator=gen_dev) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    u = torch.rand(x.shape, device=x.device, generator=gen_dev)
    return x, u


@torch.no_grad()
def recalibrate_bn(model, data, n_batches, batch, gen_cpu, gen_dev):
    """Set every flow BN's running stats to the average batch mean / batch variance over
    n_batches random training batches (no-grad train mode; each layer sees upstream layers
    normalised with batch statistics, exactly as in training)."""
    norms = model.norms()
    for nm in norms:
        nm.collect = []
    model.train()
    n = data.shape[0]
    for _ in range(n_batches):
        idx = torch.randint(0, n, (batch,), generator=gen_cpu).to(data.device)
        x, u = get_batch(data, idx, gen_dev)
        model(x, u)
    for nm in norms:
        means = torch.stack([m for m, _ in nm.collect]).double()
        vars_ = torch.stack([v for _, v in nm.collect]).double()
        nm.running_mean.copy_(means.mean(0).to(nm.running_mean.dtype))
        nm.running_var.copy_(vars_.mean(0).to(nm.running_var.dtype))
        nm.collect = None


def save_ckpt(path, model, opt, state, gen_cpu, gen_dev):
    ck = {
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "state": state,
        "config": model.cfg.__dict__,
        "gen_cpu": gen_cpu.get_state(),
        "gen_dev": gen_dev.get_state(),
        "torch_rng": torch.get_rng_state(),
    }
    tmp = path + ".tmp"
    torch.save(ck, tmp)
    os.replace(tmp, path)


def main(argv=None):
    a = parse(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    os.makedirs(a.out, exist_ok=True)
    ck_path = os.path.join(a.out, "checkpoint.pt")
    log_path = os.path.join(a.out, "train_log.jsonl")
    deadline = T0 + a.max_minutes * 60.0

    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True

    ck = None
    if a.resume:
        ck = torch.load(ck_path, map_location="cpu", weights_only=False)
        st = ck["state"]
        log(f"resume from {ck_path}: step {st['step']} epoch {st['epoch']} "
            f"train_s {st['train_s']:.1f}")
    else:
        speed = {"amp": a.amp, "channels_last": a.channels_last, "batch": a.batch}
        if a.auto_from and os.path.exists(a.auto_from):
            speed.update(pick_speed(a.auto_from, a))
        if a.plan_minutes is None and a.total_steps is None:
            raise SystemExit("give --plan-minutes or --total-steps")
        st = {
            "data": os.path.abspath(a.data),
            "cache": a.cache,
            "cfg": RealNvpConfig(a.image_size, 3, a.num_scales, a.width, a.blocks).__dict__,
            "batch": speed["batch"], "amp": speed["amp"], "channels_last": speed["channels_last"],
            "lr": a.lr, "warmup": a.warmup, "lr_min_frac": a.lr_min_frac,
            "plan_seconds": a.plan_minutes * 60.0 if a.plan_minutes else None,
            "total_steps": a.total_steps, "clip": a.clip, "l2_g": a.l2_g, "seed": a.seed,
            "step": 0, "epoch": 0, "pos": 0, "perm": None, "train_s": 0.0, "images": 0,
            "finished": False, "wall_s": 0.0,
        }
    cfg = RealNvpConfig(**st["cfg"])
    set_speed(st["amp"] == "bf16" and dev.type == "cuda", st["channels_last"])
    torch.manual_seed(st["seed"])

    # data (on the device as u8, NCHW)
    data_root = a.data or st["data"]
    tr, va, trn, van = faces.build_cache(data_root, cfg.image_size, a.cache, a.workers)
    log(f"data: {len(trn)} train, {len(van)} val images ({data_root})")
    train = torch.from_numpy(tr).permute(0, 3, 1, 2).contiguous().to(dev)
    val = torch.from_numpy(va).permute(0, 3, 1, 2).contiguous()
    if dev.type == "cuda":
        val = val.to(dev)
    n = train.shape[0]
    B = st["batch"]
    steps_per_epoch = n // B

    model = RealNvp(cfg).to(dev)
    if st["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
    g_params = model.wn_g_params()
    g_ids = {id(p) for p in g_params}
    others = [p for p in model.parameters() if id(p) not in g_ids]
    opt = torch.optim.Adam([{"params": g_params}, {"params": others}], lr=a.lr)
    gen_cpu = torch.Generator().manual_seed(st["seed"])
    gen_dev = torch.Generator(device=dev).manual_seed(st["seed"] + 1)
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        gen_cpu.set_state(ck["gen_cpu"])
        gen_dev.set_state(ck["gen_dev"])
        torch.set_rng_state(ck["torch_rng"])
        del ck
    log(f"model {cfg.to_json()} params {count_params(model):,} batch {B} amp {st['amp']} "
        f"channels_last {st['channels_last']} device {dev}")

    def checkpoint():
        save_ckpt(ck_path, model, opt, st, gen_cpu, gen_dev)

    def write_log(rec):
        with open(log_path, "a") as f:
            f.write(json.dumps(rec) + "\n")

    model.train()
    last_ck = time.time()
    ep_loss = torch.zeros((), device=dev, dtype=torch.float64)
    ep_steps, ep_t0, ep_train_s0, ep_img0 = 0, time.time(), st["train_s"], st["images"]
    stop_reason = None
    wall0 = time.time() - st["wall_s"]
    while not a.finish_now:
        if plan_done(st["step"], st["train_s"], st):
            stop_reason = "plan done"
            break
        if time.time() > deadline:
            stop_reason = "time budget"
            break
        if st["perm"] is None or st["pos"] + B > n:
            st["perm"] = torch.randperm(n, generator=gen_cpu)
            st["pos"] = 0
        t_step = time.time()
        idx = st["perm"][st["pos"] : st["pos"] + B].to(dev, non_blocking=True)
        x, u = get_batch(train, idx, gen_dev)
        lr = lr_at(st["step"], st["train_s"], st)
        for grp in opt.param_groups:
            grp["lr"] = lr
        bpd, _ = model(x, u)
        loss = bpd.mean()
        if st["l2_g"] > 0:
            loss = loss + st["l2_g"] * sum((p * p).sum() for p in g_params)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), st["clip"])
        opt.step()
        ep_loss += bpd.detach().mean().double()
        ep_steps += 1
        st["step"] += 1
        st["pos"] += B
        st["images"] += B
        if st["step"] % 100 == 0:
            lv = loss.item()
            if not math.isfinite(lv):
                raise SystemExit(f"non-finite loss at step {st['step']}")
        st["train_s"] += time.time() - t_step
        epoch_end = st["pos"] + B > n
        if epoch_end:
            st["epoch"] += 1
            tr_bpd = (ep_loss / max(ep_steps, 1)).item()
            ep_train_s = st["train_s"] - ep_train_s0
            v_bpd, v_per = evaluate(model, val, dev)
            rec = {"epoch": st["epoch"], "step": st["step"], "train_bpd": tr_bpd,
                   "val_bpd": v_bpd, "val_per_scale": v_per, "lr": lr,
                   "grad_norm": float(gnorm), "images_per_s": (st["images"] - ep_img0) / max(ep_train_s, 1e-9),
                   "train_s": st["train_s"], "wall_s": time.time() - wall0}
            write_log(rec)
            log(f"epoch {st['epoch']} step {st['step']} train {tr_bpd:.4f} val {v_bpd:.4f} "
                f"lr {lr:.2e} {rec['images_per_s']:.0f} img/s train_s {st['train_s']:.0f}")
            ep_loss.zero_()
            ep_steps, ep_train_s0, ep_img0 = 0, st["train_s"], st["images"]
        if time.time() - last_ck > a.ckpt_every:
            st["wall_s"] = time.time() - wall0
            checkpoint()
            last_ck = time.time()
    st["wall_s"] = time.time() - wall0
    if stop_reason:
        log(f"stop: {stop_reason} at step {st['step']} (train_s {st['train_s']:.1f})")
    done = a.finish_now or stop_reason == "plan done" or (
        a.finish_at_deadline and stop_reason == "time budget")
    if done and not st["finished"]:
        checkpoint()  # pre-recalibration state
        t = time.time()
        res = {"event": "final", "step": st["step"], "epoch": st["epoch"], "train_s": st["train_s"]}
        res["val_bpd_before_recal"], res["val_per_scale_before_recal"] = evaluate(model, val, dev)
        res["train_bpd_before_recal"], _ = evaluate(model, train, dev, limit=a.eval_train_images)
        recalibrate_bn(model, train, a.recal_batches, B, gen_cpu, gen_dev)
        vals = []
        res["val_bpd"], res["val_per_scale"] = evaluate(model, val, dev, per_image=vals)
        qs = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]
        res["val_bpd_quantiles"] = {str(q): float(np.quantile(vals, q)) for q in qs}
        res["val_images"] = len(vals)
        res["train_bpd"], _ = evaluate(model, train, dev, limit=a.eval_train_images)
        res["recal_batches"] = a.recal_batches
        res["recal_s"] = time.time() - t
        res["wall_s"] = st["wall_s"]
        st["finished"] = True
        st["final"] = res
        write_log(res)
        log("final: " + json.dumps(res))
    checkpoint()
    log(f"checkpoint written: {ck_path}")


def pick_speed(path: str, a) -> dict:
    """From bench_torch.py JSON lines: per batch, plain fp32 (TF32) unless a variant (bf16
    autocast, channels_last) trains >= 8% faster; then the smallest batch unless a larger one
    is >= 30% faster."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                if "train_img_s" in r and "error" not in r:
                    rows.append(r)
    if not rows:
        return {}
    best = {}
    for b in sorted({r["batch"] for r in rows}):
        rs = [r for r in rows if r["batch"] == b]
        base = [r for r in rs if r["amp"] == "none" and not r["channels_last"]]
        pick = max(base or rs, key=lambda r: r["train_img_s"])
        faster = [r for r in rs if r["train_img_s"] >= 1.08 * pick["train_img_s"]]
        best[b] = max(faster, key=lambda r: r["train_img_s"]) if faster else pick
    bs = sorted(best)
    pick = best[bs[0]]
    for b in bs[1:]:
        if best[b]["train_img_s"] >= 1.3 * pick["train_img_s"]:
            pick = best[b]
    log(f"auto speed from {path}: batch {pick['batch']} amp {pick['amp']} "
        f"channels_last {pick['channels_last']} ({pick['train_img_s']:.0f} img/s)")
    return {"batch": pick["batch"], "amp": pick["amp"], "channels_last": pick["channels_last"]}


if __name__ == "__main__":
    main()
