"""CPU throughput of the shipped model on ONNX Runtime and PyTorch, optionally beside burn
(`realnvp bench`) in the same run: the two tasks of `realnvp bench`, batch 16, 64x64.

    .venv/bin/python python/export_onnx.py            # once: runs/onnx/{score,sample}.onnx
    .venv/bin/python python/bench_onnx.py --threads 2 --seconds 20 --realnvp target/release/realnvp
    .venv/bin/python python/bench_onnx.py --threads 1 --impls onnxruntime   # ORT alone, 1 thread

Tasks: forward = score (bits/dim of 16 images, noise 0.5), inverse = sample (16 faces from
latents at temperature 0.7). Images/s = batch / median per-iteration time, after --warmup
untimed iterations, over at least --min-iters and --seconds of iterations per task.
One JSON line per (implementation, task) on stdout, then a Markdown table on stderr.

- onnxruntime: score.onnx / sample.onnx (weight norm folded), CPU execution provider,
  intra_op_num_threads = --threads, inter_op_num_threads = 1, sequential execution.
- torch: the PyTorch twin with the same weights, weight norm folded the same way, no_grad,
  torch.set_num_threads(--threads).
- realnvp (with --realnvp PATH): `realnvp bench` on the same architecture and batch, with
  RAYON_NUM_THREADS = --threads (and --threads where the CLI has it). It times its training
  step first (no way to skip it), and uses a seeded random model rather than the shipped
  weights (same shapes, same work); its inverse includes drawing the latents (~1 ms).

Inputs as in src/train/bench.rs: pixels floor(256 u) from SeededRng(0), latents of seed 3.
Needs onnxruntime, numpy and (for torch) torch; all optional, not used by CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import Callable, Dict, List

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from seeded_latents import SeededRng, latent_shapes, sample_latents  # noqa: E402

ARCH = {"image_size": 64, "channels": 3, "num_scales": 4, "width": 64, "blocks": 4}


def timed(fn: Callable[[], object], warmup: int, seconds: float, min_iters: int):
    """(median seconds per call, calls timed), as `timed` in src/train/bench.rs."""
    for _ in range(warmup):
        fn()
    times: List[float] = []
    end = time.perf_counter() + seconds
    while len(times) < min_iters or time.perf_counter() < end:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2], len(times)


def bench_inputs(batch: int):
    s = ARCH["image_size"]
    pixels = np.floor(SeededRng(0).uniforms_f64(batch * 3 * s * s).astype(np.float32) * 256.0)
    shapes = latent_shapes(s, ARCH["channels"], ARCH["num_scales"])
    return pixels.reshape(batch, 3, s, s), sample_latents(shapes, batch, 0.7, seed=3)


def bench_onnxruntime(a, pixels, latents) -> List[Dict]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = a.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    providers = ["CPUExecutionProvider"]
    score = ort.InferenceSession(os.path.join(a.onnx, "score.onnx"), options, providers=providers)
    sample = ort.InferenceSession(os.path.join(a.onnx, "sample.onnx"), options, providers=providers)
    feeds = {f"z{i}": z for i, z in enumerate(latents)}
    tasks = {"forward": lambda: score.run(None, {"pixels": pixels}),
             "inverse": lambda: sample.run(None, feeds)}
    return run_tasks(a, "onnxruntime", ort.__version__, tasks)


def bench_torch(a, pixels, latents) -> List[Dict]:
    import torch

    from export_onnx import load_folded

    torch.set_num_threads(a.threads)
    model = load_folded(a.weights)
    x = torch.from_numpy(pixels)
    zs = [torch.from_numpy(z) for z in latents]

    def forward():
        with torch.no_grad():
            model(x, 0.5)

    def inverse():
        with torch.no_grad():
            model.decode(zs)

    return run_tasks(a, "torch", torch.__version__, {"forward": forward, "inverse": inverse})


def run_tasks(a, impl: str, version: str, tasks: Dict[str, Callable]) -> List[Dict]:
    out = []
    for task in a.tasks:
        median, iters = timed(tasks[task], a.warmup, a.seconds, a.min_iters)
        out.append(emit({"impl": impl, "version": version, "task": task, "batch": a.batch,
                         "threads": a.threads, "img_s": a.batch / median, "median_s": median,
                         "iters": iters, "weights": "shipped, weight norm folded"}))
    return out


def bench_realnvp(a, spec: str) -> List[Dict]:
    """One `realnvp bench` run; `spec` is the CLI's path, then any extra bench flags."""
    binary, *extra = spec.split()
    help_text = subprocess.run([binary, "bench", "--help"], capture_output=True,
                               text=True).stdout
    cmd = [binary, "bench", "--batch", str(a.batch), "--warmup", str(a.warmup),
           # its scoring and sampling get half of --seconds each
           "--seconds", str(2 * a.seconds)]
    for key in ("image_size", "num_scales", "width", "blocks"):
        cmd += [f"--{key.replace('_', '-')}", str(ARCH[key])]
    if "--inference-only" in help_text:
        cmd += ["--inference-only"]  # its training steps take minutes on a CPU
    cmd += extra
    if "--threads" in help_text:
        cmd += ["--threads", str(a.threads)]
    else:
        print("this realnvp bench has no --threads: only RAYON_NUM_THREADS sets its threads",
              file=sys.stderr)
    env = dict(os.environ, RAYON_NUM_THREADS=str(a.threads))
    print("running: " + " ".join(cmd), file=sys.stderr, flush=True)
    line = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env,
                          cwd=ROOT).stdout.strip().splitlines()[-1]
    raw = json.loads(line)
    out = []
    for task in a.tasks:
        img_s = raw[f"{task}_img_s"]
        out.append(emit({"impl": "realnvp", "variant": spec, "version": raw.get("backend", "burn"), "task": task,
                         # threads: what the CLI reports (older builds: the core count)
                         "batch": a.batch, "threads": raw.get("threads", a.threads),
                         "threads_requested": a.threads, "img_s": img_s, "median_s": a.batch / img_s,
                         "weights": "seeded random init" + (", folded" if raw.get("folded") else ""),
                         "raw": raw}))
    return out


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def emit(record: Dict) -> Dict:
    record["cpu"] = cpu_name()
    record["cores"] = os.cpu_count()
    print(json.dumps(record), flush=True)
    return record


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10.0, help="timed seconds per task")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--min-iters", type=int, default=3)
    ap.add_argument("--impls", default="onnxruntime,torch", help="onnxruntime,torch")
    ap.add_argument("--tasks", default="forward,inverse")
    ap.add_argument("--realnvp", action="append", default=[],
                    help="also run `realnvp bench`: the CLI's path, then any extra bench flags "
                         "(e.g. 'target/release/realnvp --conv im2col'); repeat for several")
    ap.add_argument("--onnx", default=os.path.join(ROOT, "runs", "onnx"))
    ap.add_argument("--weights", default=os.path.join(ROOT, "model-weights", "faces64.safetensors"))
    a = ap.parse_args()
    a.tasks = [t for t in a.tasks.split(",") if t]
    pixels, latents = bench_inputs(a.batch)
    results = []
    benches = {"onnxruntime": bench_onnxruntime, "torch": bench_torch}
    for impl in [i for i in a.impls.split(",") if i]:
        results += benches[impl](a, pixels, latents)
    for spec in a.realnvp:
        results += bench_realnvp(a, spec)
    print_table(results)
    return 0


def print_table(results: List[Dict]) -> None:
    rows = {}
    for r in results:
        name = r.get("variant", r["version"])
        rows.setdefault((r["impl"], name, r["threads"]), {})[r["task"]] = r["img_s"]
    # Ratios against onnxruntime at the same thread count, measured in this run.
    ort = {k[2]: v for k, v in rows.items() if k[0] == "onnxruntime"}
    print("\n| implementation | threads | score (forward) img/s | sample (inverse) img/s "
          "| score / ORT | sample / ORT |", file=sys.stderr)
    print("| --- | ---: | ---: | ---: | ---: | ---: |", file=sys.stderr)
    for (impl, name, threads), tasks in rows.items():
        cells = [f"{tasks[t]:.2f}" if t in tasks else "–" for t in ("forward", "inverse")]
        base = ort.get(threads, {})
        ratios = [f"{tasks[t] / base[t]:.2f}x" if t in tasks and t in base else "–"
                  for t in ("forward", "inverse")]
        print(f"| {impl} {name} | {threads} | {cells[0]} | {cells[1]} | {ratios[0]} | {ratios[1]} |",
              file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
