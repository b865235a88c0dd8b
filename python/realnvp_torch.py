"""PyTorch twin of the realnvp-web Real NVP model (docs/ARCHITECTURE.md).

The module tree mirrors section 10 of the contract, so `state_dict()` keys are exactly the
tensor names of the weight file:

    scales.{i}.checker.{j}.coupling.s_scale
    scales.{i}.checker.{j}.coupling.net.input.{v,g,bias}
    scales.{i}.checker.{j}.coupling.net.blocks.{k}.conv1.{v,g,bias}
    scales.{i}.checker.{j}.coupling.net.blocks.{k}.conv2.{v,g,bias}
    scales.{i}.checker.{j}.coupling.net.output.{v,g,bias}
    scales.{i}.checker.{j}.norm.{log_gamma,beta,running_mean,running_var}
    scales.{i}.channel.{j}....   (absent in the last scale)

Works in float32 and float64 (`model.double()`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

LN2 = math.log(2.0)
LN256 = math.log(256.0)


@dataclass
class RealNvpConfig:
    image_size: int = 64
    channels: int = 3
    num_scales: int = 4
    width: int = 64
    blocks: int = 4
    logit_alpha: float = 0.05
    bn_eps: float = 1e-4
    bn_momentum: float = 0.05

    def validate(self) -> None:
        if self.num_scales < 1:
            raise ValueError("num_scales must be >= 1")
        f = 2 ** (self.num_scales - 1)
        if self.image_size % f != 0:
            raise ValueError(f"image_size {self.image_size} not divisible by {f}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @staticmethod
    def from_dict(d: dict) -> "RealNvpConfig":
        fields = RealNvpConfig.__dataclass_fields__
        return RealNvpConfig(**{k: v for k, v in d.items() if k in fields})

    @property
    def dims(self) -> int:
        return self.channels * self.image_size * self.image_size


# ----------------------------------------------------------------------------- squeeze


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """[B, C, H, W] -> [B, 4C, H/2, W/2]; out channel (dy*2+dx)*C + c = in (c, 2i+dy, 2j+dx)."""
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // 2, 2, w // 2, 2)
    x = x.permute(0, 3, 5, 1, 2, 4)
    return x.reshape(b, 4 * c, h // 2, w // 2)


def unsqueeze(x: torch.Tensor) -> torch.Tensor:
    b, c4, h, w = x.shape
    c = c4 // 4
    x = x.reshape(b, 2, 2, c, h, w)
    x = x.permute(0, 3, 4, 1, 5, 2)
    return x.reshape(b, c, 2 * h, 2 * w)


def checkerboard(h: int, w: int, parity: int, dtype, device) -> torch.Tensor:
    """[1, 1, H, W], 1 where (h + w + parity) % 2 == 0 (conditioning sites)."""
    ii = torch.arange(h, device=device).view(h, 1)
    jj = torch.arange(w, device=device).view(1, w)
    return ((ii + jj + parity) % 2 == 0).to(dtype).view(1, 1, h, w)


# ----------------------------------------------------------------------------- layers


class WnConv(nn.Module):
    """Weight-normalised 3x3 conv, stride 1, zero padding 1."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.v = nn.Parameter(torch.randn(cout, cin, 3, 3) * 0.05)
        self.g = nn.Parameter(torch.ones(cout))
        self.bias = nn.Parameter(torch.zeros(cout))

    def weight(self) -> torch.Tensor:
        norm = self.v.pow(2).sum(dim=(1, 2, 3), keepdim=True).sqrt()
        return self.g.view(-1, 1, 1, 1) * self.v / norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight(), self.bias, stride=1, padding=1)


class ResBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1 = WnConv(width, width)
        self.conv2 = WnConv(width, width)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.conv2(F.relu(self.conv1(F.relu(h))))


class ResNet(nn.Module):
    # Speed knobs set by the trainer (not part of the contract): bf16 autocast of the convs and
    # channels_last layout inside the net. Both are off by default (exact fp32/fp64 math).
    amp_bf16: bool = False
    channels_last: bool = False

    def __init__(self, cin: int, cout: int, width: int, blocks: int):
        super().__init__()
        self.input = WnConv(cin, width)
        self.blocks = nn.ModuleList([ResBlock(width) for _ in range(blocks)])
        self.output = WnConv(width, cout)
        # init: every coupling starts as the identity
        with torch.no_grad():
            self.output.g.zero_()
            self.output.bias.zero_()

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        h = self.input(x)
        for blk in self.blocks:
            h = blk(h)
        return self.output(F.relu(h))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if ResNet.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        if ResNet.amp_bf16 and x.is_cuda:
            with torch.autocast("cuda", dtype=torch.bfloat16):
                out = self._run(x)
            out = out.float()
        else:
            out = self._run(x)
        return out.contiguous()


class Coupling(nn.Module):
    def __init__(self, kind: str, parity: int, channels: int, width: int, blocks: int):
        super().__init__()
        assert kind in ("checker", "channel")
        self.kind = kind
        self.parity = parity
        self.c = channels
        if kind == "checker":
            self.net = ResNet(channels + 1, 2 * channels, width, blocks)
            self.s_scale = nn.Parameter(torch.ones(channels))
        else:
            assert channels % 2 == 0
            self.net = ResNet(channels // 2, channels, width, blocks)
            self.s_scale = nn.Parameter(torch.ones(channels // 2))

    def _halves(self, x: torch.Tensor):
        h = self.c // 2
        a, b = x[:, :h], x[:, h:]
        # parity 0: condition on A, transform B; parity 1: condition on B, transform A
        return (a, b) if self.parity == 0 else (b, a)

    def _join(self, cond: torch.Tensor, trans: torch.Tensor) -> torch.Tensor:
        return torch.cat([cond, trans], 1) if self.parity == 0 else torch.cat([trans, cond], 1)

    def _st_checker(self, xb: torch.Tensor, b: torch.Tensor):
        bb = b.expand(xb.shape[0], 1, xb.shape[2], xb.shape[3])
        out = self.net(torch.cat([xb, bb], dim=1))
        s_raw, t = out[:, : self.c], out[:, self.c :]
        s = self.s_scale.view(1, -1, 1, 1) * torch.tanh(s_raw) * (1 - b)
        t = t * (1 - b)
        return s, t

    def _st_channel(self, xc: torch.Tensor):
        out = self.net(xc)
        h = self.c // 2
        s_raw, t = out[:, :h], out[:, h:]
        s = self.s_scale.view(1, -1, 1, 1) * torch.tanh(s_raw)
        return s, t

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.kind == "checker":
            b = checkerboard(x.shape[2], x.shape[3], self.parity, x.dtype, x.device)
            s, t = self._st_checker(x * b, b)
            y = x * torch.exp(s) + t
            return y, s.flatten(1).sum(1)
        xc, xt = self._halves(x)
        s, t = self._st_channel(xc)
        yt = xt * torch.exp(s) + t
        return self._join(xc, yt), s.flatten(1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        if self.kind == "checker":
            b = checkerboard(y.shape[2], y.shape[3], self.parity, y.dtype, y.device)
            s, t = self._st_checker(y * b, b)
            return (y - t) * torch.exp(-s)
        yc, yt = self._halves(y)
        s, t = self._st_channel(yc)
        return self._join(yc, (yt - t) * torch.exp(-s))


class FlowBatchNorm(nn.Module):
    def __init__(self, channels: int, eps: float, momentum: float):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.log_gamma = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))
        # BN recalibration: when set to a list, training-mode batches append their stats
        # here instead of updating the running averages.
        self.collect: Optional[list] = None

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.training:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            with torch.no_grad():
                if self.collect is not None:
                    self.collect.append((mean.detach().clone(), var.detach().clone()))
                else:
                    m = self.momentum
                    self.running_mean.mul_(1 - m).add_(m * mean.detach())
                    self.running_var.mul_(1 - m).add_(m * var.detach())
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = torch.rsqrt(var + self.eps)
        y = (x - mean.view(1, -1, 1, 1)) * (inv_std * torch.exp(self.log_gamma)).view(1, -1, 1, 1)
        y = y + self.beta.view(1, -1, 1, 1)
        ld = x.shape[2] * x.shape[3] * (self.log_gamma - 0.5 * torch.log(var + self.eps)).sum()
        return y, ld.expand(x.shape[0])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        mean, var = self.running_mean, self.running_var
        std = torch.sqrt(var + self.eps)
        x = (y - self.beta.view(1, -1, 1, 1)) * torch.exp(-self.log_gamma).view(1, -1, 1, 1)
        return x * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


class Step(nn.Module):
    def __init__(self, kind: str, parity: int, channels: int, cfg: RealNvpConfig):
        super().__init__()
        self.coupling = Coupling(kind, parity, channels, cfg.width, cfg.blocks)
        self.norm = FlowBatchNorm(channels, cfg.bn_eps, cfg.bn_momentum)

    def forward(self, x):
        x, ld1 = self.coupling(x)
        x, ld2 = self.norm(x)
        return x, ld1 + ld2

    def inverse(self, y):
        return self.coupling.inverse(self.norm.inverse(y))


class Scale(nn.Module):
    def __init__(self, channels: int, last: bool, cfg: RealNvpConfig):
        super().__init__()
        self.last = last
        parities = [0, 1, 0, 1] if last else [0, 1, 0]
        self.checker = nn.ModuleList([Step("checker", p, channels, cfg) for p in parities])
        if not last:
            self.channel = nn.ModuleList([Step("channel", p, 4 * channels, cfg) for p in [0, 1, 0]])

    def forward(self, x):
        """Returns (h_next or None, z, logdet [B])."""
        ld = x.new_zeros(x.shape[0])
        for st in self.checker:
            x, l = st(x)
            ld = ld + l
        if self.last:
            return None, x, ld
        x = squeeze(x)
        for st in self.channel:
            x, l = st(x)
            ld = ld + l
        c = x.shape[1] // 2
        return x[:, :c], x[:, c:], ld

    def inverse(self, h: Optional[torch.Tensor], z: torch.Tensor) -> torch.Tensor:
        if self.last:
            x = z
            for st in reversed(self.checker):
                x = st.inverse(x)
            return x
        x = torch.cat([h, z], dim=1)
        for st in reversed(self.channel):
            x = st.inverse(x)
        x = unsqueeze(x)
        for st in reversed(self.checker):
            x = st.inverse(x)
        return x


def log_normal(z: torch.Tensor) -> torch.Tensor:
    """sum over non-batch dims of log N(z; 0, 1)."""
    return (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).flatten(1).sum(1)


class RealNvp(nn.Module):
    def __init__(self, cfg: RealNvpConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        scales = []
        c = cfg.channels
        for i in range(cfg.num_scales):
            last = i == cfg.num_scales - 1
            scales.append(Scale(c, last, cfg))
            c = 2 * c
        self.scales = nn.ModuleList(scales)

    # -- shapes
    def latent_shapes(self) -> List[Tuple[int, int, int]]:
        c, s = self.cfg.channels, self.cfg.image_size
        out = []
        for i in range(self.cfg.num_scales):
            if i < self.cfg.num_scales - 1:
                out.append((2 * c, s // 2, s // 2))
                c, s = 2 * c, s // 2
            else:
                out.append((c, s, s))
        return out

    # -- preprocessing
    def preprocess(self, x: torch.Tensor, u) -> Tuple[torch.Tensor, torch.Tensor]:
        a = self.cfg.logit_alpha
        xp = (x + u) / 256.0
        y = a + (1 - 2 * a) * xp
        z0 = torch.log(y) - torch.log1p(-y)
        ld = (math.log(1 - 2 * a) - torch.log(y) - torch.log1p(-y)).flatten(1).sum(1)
        return z0, ld

    def postprocess(self, z0: torch.Tensor) -> torch.Tensor:
        a = self.cfg.logit_alpha
        y = torch.sigmoid(z0)
        xp = (y - a) / (1 - 2 * a)
        return torch.clamp(torch.floor(256.0 * xp), 0, 255)

    # -- flow
    def encode(self, x: torch.Tensor, u):
        """x: pixels as floats [B, C, H, W] in 0..255, u: noise (tensor like x, or float).

        Returns (latents list, per-scale flow logdets list of [B], preprocess logdet [B]).
        """
        h, ld_pre = self.preprocess(x, u)
        zs, lds = [], []
        for sc in self.scales:
            h, z, ld = sc(h)
            zs.append(z)
            lds.append(ld)
        return zs, lds, ld_pre

    def forward(self, x: torch.Tensor, u) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns (bits/dim [B], per-scale bits/dim [B, num_scales]); sums to the total."""
        zs, lds, ld_pre = self.encode(x, u)
        d = float(self.cfg.dims)
        denom = d * LN2
        per = []
        for i, (z, ld) in enumerate(zip(zs, lds)):
            p = -(log_normal(z) + ld) / denom
            if i == 0:
                p = p + (-ld_pre + d * LN256) / denom
            per.append(p)
        per = torch.stack(per, dim=1)
        return per.sum(1), per

    def decode(self, zs: List[torch.Tensor]) -> torch.Tensor:
        """Latents -> pixels (floats in 0..255). Uses running BN stats."""
        h = None
        for i in reversed(range(len(self.scales))):
            h = self.scales[i].inverse(h, zs[i])
        return self.postprocess(h)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, generator: Optional[torch.Generator] = None,
               device=None, dtype=None) -> torch.Tensor:
        p = next(self.parameters())
        device = device or p.device
        dtype = dtype or p.dtype
        zs = [torch.randn((n,) + s, generator=generator, device=device, dtype=dtype) * temperature
              for s in self.latent_shapes()]
        return self.decode(zs)

    inverse = decode

    def wn_g_params(self) -> List[nn.Parameter]:
        return [m.g for m in self.modules() if isinstance(m, WnConv)]

    def norms(self) -> List[FlowBatchNorm]:
        return [m for m in self.modules() if isinstance(m, FlowBatchNorm)]


def set_speed(amp_bf16: bool = False, channels_last: bool = False) -> None:
    ResNet.amp_bf16 = amp_bf16
    ResNet.channels_last = channels_last


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- weight file

FORMAT = "realnvp-web"
FORMAT_VERSION = "1"


def save_weights(model: RealNvp, path: str, f16: bool = False, stats: Optional[dict] = None) -> None:
    from safetensors.torch import save_file

    dt = torch.float16 if f16 else torch.float32
    tensors = {k: v.detach().to("cpu", dt).contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "config": model.cfg.to_json()}
    if stats is not None:
        meta["stats"] = json.dumps(stats, separators=(",", ":"))
    save_file(tensors, path, metadata=meta)


ENCODING_INT8_V = "int8-v"


def load_weights(path: str, dtype=torch.float32, device="cpu") -> RealNvp:
    """A weight file (docs/ARCHITECTURE.md section 10): F32/F16 tensors, or with
    "encoding": "int8-v" the weight-norm directions `.v` as I8. Those are cast to float as
    they are: the file stores no scale because g * v / ||v|| cancels it."""
    from safetensors import safe_open

    with safe_open(path, framework="pt", device="cpu") as f:
        meta = f.metadata() or {}
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} weight file (format={meta.get('format')!r})")
        cfg = RealNvpConfig.from_dict(json.loads(meta["config"]))
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    encoding = meta.get("encoding")
    if encoding not in (None, ENCODING_INT8_V):
        raise ValueError(f"{path}: encoding {encoding!r} is not one this reader knows")
    for k, t in tensors.items():
        direction = k.endswith(".v")
        if t.dtype == torch.int8 and not direction:
            raise ValueError(f"{path}: tensor {k} is I8, but only weight-norm directions (.v) may be")
        if direction and (t.dtype == torch.int8) != (encoding == ENCODING_INT8_V):
            raise ValueError(f"{path}: tensor {k} is {t.dtype}, the header's encoding is {encoding!r}")
        if not direction and t.dtype not in (torch.float32, torch.float16):
            raise ValueError(f"{path}: tensor {k} has dtype {t.dtype}")
    model = RealNvp(cfg)
    sd = model.state_dict()
    missing = set(sd) - set(tensors)
    extra = set(tensors) - set(sd)
    if missing or extra:
        raise ValueError(f"{path}: missing {sorted(missing)[:5]}, unexpected {sorted(extra)[:5]}")
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()})
    return model.to(device=device, dtype=dtype).eval()
