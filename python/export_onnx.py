"""Export the shipped Real NVP as two ONNX graphs, for ONNX Runtime (native and web).

    .venv/bin/python python/export_onnx.py                 # writes runs/onnx/{score,sample}.onnx
    .venv/bin/python python/export_onnx.py --check         # ... then python/check_onnx.py

The weights (model-weights/faces64.safetensors) go through the PyTorch twin
(python/realnvp_torch.py) in evaluation mode (flow batch norm on its running statistics), with
every weight-normalised kernel folded into a plain conv weight (w = g * v / ||v||), so the
graphs hold ordinary Conv nodes. The shipped file stores the directions v as int8 (no scale:
the weight norm cancels it; python/realnvp_torch.py load_weights casts them), so the folded
graphs are f32 either way; --weights model-weights/faces64-f16.safetensors exports the f16
reference it was converted from (check with the same --weights: both sides read one file).

- score.onnx:  input `pixels` float32 [B, 3, 64, 64] (0..255) -> output `bits_per_dim` [B],
  the noise fixed at 0.5 (docs/ARCHITECTURE.md section 1), like `realnvp score`.
- sample.onnx: inputs `z0`..`z{S-1}` float32 [B, C_i, H_i, W_i] (the config's latent shapes,
  already multiplied by the temperature) -> output `pixels` float32 [B, 3, 64, 64], the twin's
  decode + postprocess (floor, clamp to 0..255), like `realnvp sample`.

B is a dynamic axis in both. runs/ is git-ignored: never commit the .onnx files (~28 MB each).
Needs torch, onnx and onnxruntime (optional: not used by CI or scripts/test.sh):
    python3 -m venv .venv && .venv/bin/pip install torch onnx onnxruntime safetensors numpy pillow
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import warnings

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import realnvp_torch  # noqa: E402
from realnvp_torch import RealNvp, WnConv, load_weights  # noqa: E402

DEFAULT_WEIGHTS = os.path.join(HERE, "..", "model-weights", "faces64.safetensors")
DEFAULT_OUT = os.path.join(HERE, "..", "runs", "onnx")


class FoldedConv(nn.Module):
    """A WnConv with its kernel computed once: the exporter then sees a constant Conv weight
    instead of the norm/divide/multiply chain on every call."""

    def __init__(self, conv: WnConv):
        super().__init__()
        with torch.no_grad():
            self.register_buffer("weight", conv.weight().detach().clone())
            self.register_buffer("bias", conv.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, stride=1, padding=1)


def fold_weight_norm(module: nn.Module) -> nn.Module:
    """Replaces every WnConv below `module` by a FoldedConv, in place."""
    for name, child in list(module.named_children()):
        if isinstance(child, WnConv):
            setattr(module, name, FoldedConv(child))
        else:
            fold_weight_norm(child)
    return module


class ScoreGraph(nn.Module):
    def __init__(self, model: RealNvp):
        super().__init__()
        self.model = model

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        bits_per_dim, _ = self.model(pixels, 0.5)
        return bits_per_dim


class SampleGraph(nn.Module):
    def __init__(self, model: RealNvp):
        super().__init__()
        self.model = model

    def forward(self, *latents: torch.Tensor) -> torch.Tensor:
        return self.model.decode(list(latents))


def load_folded(weights: str) -> RealNvp:
    """The shipped model, float32, evaluation mode, weight norm folded."""
    model = load_weights(weights).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return fold_weight_norm(model)


@contextlib.contextmanager
def constant_masks():
    """Every checkerboard mask becomes one cached tensor. Made by a run before tracing (see
    export), they are constants to the tracer, so the graphs do not rebuild them from
    Range/Mod/Equal nodes on every run."""
    original = realnvp_torch.checkerboard
    cached = functools.lru_cache(maxsize=None)(original)
    # The tracer hands sizes over as 0-dim tensors (to record dynamic shapes): H and W are
    # static here, so key the cache by their int values.
    realnvp_torch.checkerboard = lambda h, w, *rest: cached(int(h), int(w), *rest)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
            yield
    finally:
        realnvp_torch.checkerboard = original


def export(model: RealNvp, out_dir: str, opset: int) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    cfg = model.cfg
    batch = 2  # > 1, so a broadcast over the batch that only works for 1 cannot hide
    pixels = torch.randint(0, 256, (batch, cfg.channels, cfg.image_size, cfg.image_size)).float()
    latents = tuple(torch.randn((batch,) + s) * 0.7 for s in model.latent_shapes())
    names = [f"z{i}" for i in range(len(latents))]
    paths = {"score": os.path.join(out_dir, "score.onnx"),
             "sample": os.path.join(out_dir, "sample.onnx")}
    with torch.no_grad(), constant_masks():
        model(pixels, 0.5)  # fills the mask cache outside the traces
        # The classic (TorchScript) exporter, as the issue asked first: fast (~10 s a graph) and
        # fine at opset 17. (The dynamo exporter, torch.onnx.export(dynamo=True) with onnxscript,
        # also exported the score graph here, at opset 18, in ~60 s.)
        torch.onnx.export(ScoreGraph(model).eval(), (pixels,), paths["score"], dynamo=False,
                          opset_version=opset, input_names=["pixels"],
                          output_names=["bits_per_dim"],
                          dynamic_axes={"pixels": {0: "batch"}, "bits_per_dim": {0: "batch"}})
        torch.onnx.export(SampleGraph(model).eval(), latents, paths["sample"], dynamo=False,
                          opset_version=opset, input_names=names, output_names=["pixels"],
                          dynamic_axes={**{n: {0: "batch"} for n in names},
                                        "pixels": {0: "batch"}})
    fix_sample_output_shape(paths["sample"], cfg.channels, cfg.image_size)
    for path in paths.values():
        onnx.checker.check_model(path)
    return paths


def fix_sample_output_shape(path: str, channels: int, size: int) -> None:
    """The tracer leaves the sample output as [batch, 3, ?, ?] (the unsqueeze reshapes hide
    H and W): write the static dims back, for tools that read the graph's signature."""
    graph = onnx.load(path)
    dims = graph.graph.output[0].type.tensor_type.shape.dim
    for dim, value in zip(dims[1:], (channels, size, size)):
        dim.Clear()
        dim.dim_value = value
    onnx.save(graph, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", default=DEFAULT_WEIGHTS)
    ap.add_argument("--out", default=DEFAULT_OUT, help="folder for score.onnx and sample.onnx")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--check", action="store_true",
                    help="then compare both graphs with the Rust CLI (python/check_onnx.py)")
    ap.add_argument("--realnvp", default=None, help="the CLI for --check (default: target/release, "
                    "then target/debug)")
    a = ap.parse_args()
    model = load_folded(a.weights)
    paths = export(model, a.out, a.opset)
    for kind, path in paths.items():
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path) / 1e6:.1f} MB, {kind} graph, "
              f"opset {a.opset}, torch {torch.__version__})")
    if not a.check:
        return 0
    import check_onnx

    return check_onnx.run(a.out, a.weights, a.realnvp)


if __name__ == "__main__":
    sys.exit(main())
