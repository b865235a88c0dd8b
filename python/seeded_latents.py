"""The Rust sampler's latents in numpy, bit for bit (src/rng.rs, `sample_latents` in
src/model/mod.rs), so that ONNX Runtime can be fed the latents behind `realnvp sample`.

SplitMix64 gives u64 draws; `uniform` keeps their top 53 bits; Box-Muller (in f64) turns two
uniforms into two normals, cast to f32, then multiplied by the temperature in f32. One
generator is consumed scale by scale in `latent_shapes` order, all n images of a scale
before the next scale.

Only numpy is needed. Used by python/export_onnx.py (--check) and python/bench_onnx.py.
"""

from __future__ import annotations

import math
from typing import List, Sequence, Tuple

import numpy as np

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)


class SeededRng:
    """SplitMix64 as in src/rng.rs, vectorised: draw k is a pure function of seed + k*gamma."""

    def __init__(self, seed: int):
        self.seed = np.uint64(seed)
        self.drawn = 0  # u64 values consumed so far

    def next_u64(self, count: int) -> np.ndarray:
        k = np.arange(self.drawn + 1, self.drawn + count + 1, dtype=np.uint64)
        self.drawn += count
        with np.errstate(over="ignore"):  # wrapping arithmetic, as Rust's wrapping_*
            z = self.seed + k * GOLDEN_GAMMA
            z = (z ^ (z >> np.uint64(30))) * MIX1
            z = (z ^ (z >> np.uint64(27))) * MIX2
        return z ^ (z >> np.uint64(31))

    def uniforms_f64(self, count: int) -> np.ndarray:
        return (self.next_u64(count) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def normals(self, n: int) -> np.ndarray:
        """`n` standard normals as f32; consumes 2*ceil(n/2) draws, like the Rust loop."""
        pairs = (n + 1) // 2
        u = self.uniforms_f64(2 * pairs)
        u1 = 1.0 - u[0::2]  # (0, 1]: keeps ln finite
        u2 = u[1::2]
        r = np.sqrt(-2.0 * np.log(u1))
        theta = 2.0 * math.pi * u2
        out = np.empty(2 * pairs, dtype=np.float32)
        out[0::2] = (r * np.cos(theta)).astype(np.float32)
        out[1::2] = (r * np.sin(theta)).astype(np.float32)
        return out[:n]


def latent_shapes(image_size: int, channels: int, num_scales: int) -> List[Tuple[int, int, int]]:
    """Per-scale latent shapes [C, H, W] (RealNvpConfig::latent_shapes)."""
    c, s, out = channels, image_size, []
    for i in range(num_scales):
        if i < num_scales - 1:
            out.append((2 * c, s // 2, s // 2))
            c, s = 2 * c, s // 2
        else:
            out.append((c, s, s))
    return out


def sample_latents(shapes: Sequence[Tuple[int, int, int]], n: int, temperature: float,
                   seed: int) -> List[np.ndarray]:
    """The latents `realnvp sample --n n --temperature t --seed s` decodes, [n, C, H, W] each."""
    rng = SeededRng(seed)
    t = np.float32(temperature)
    return [(rng.normals(n * c * h * w) * t).reshape(n, c, h, w) for c, h, w in shapes]
