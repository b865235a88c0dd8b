"""Groups a `perf report --no-children --sort symbol --stdio` listing by op kind.

Used by scripts/profile-cpu.sh; prints a Markdown table (share of samples per kind) and the
top functions of each kind. The rules match burn-flex 0.22 and gemm function names; a
function that matches none is counted as "other" and listed, so a rule gap shows.

    python3 python/profile_groups.py runs/profile/report.txt
"""

import re
import sys
from collections import defaultdict

# (kind, regex on the demangled symbol), first match wins. Order matters: the gemm
# micro-kernels and packing live in the `gemm*` crates; burn-flex's conv code around them
# (NHWC conversion, im2col, writing the tile back) is data movement for the convolution.
RULES = [
    # winograd.rs: the per-frequency products (our AVX-512 kernel, or gemm where the CPU
    # lacks it), then the job body with the transforms inlined into it (one symbol per
    # instruction set: job_avx512, job_avx2, job) and the kernel transform at load.
    ("convolution: Winograd products (winograd.rs avx512::matmul)", r"winograd::avx512"),
    ("convolution: Winograd transforms, gather and scatter (winograd.rs jobs)",
     r"winograd::job"),
    ("kernel transform at load (Winograd::new)", r"Winograd::new"),
    ("convolution: gemm multiply-adds (micro-kernels, packing)", r"gemm"),
    # cpu_conv.rs's per-tile job (im2col, then the gemm call) is inlined into the closure
    # that run_jobs calls through `&F`.
    ("convolution: the model's own im2col (cpu_conv.rs)", r"cpu_conv|function::Fn<A> for &F>::call"),
    # burn-flex's conv3d: NHWC copy and weight reorder in conv3d_f32 itself; im2col and the
    # scatter back to NCHW in the per-tile closure (inlined into rayon's for_each when rayon
    # is on).
    ("convolution: burn-flex layout work (NHWC copy, im2col, scatter to NCHW)",
     r"conv3d|im2col|ForEachConsumer"),
    ("zeroing new buffers (memset)", r"memset"),
    ("random numbers (weight init at load, latents)", r"SeededRng|__cos|__sin|log_fma|^log@|WnConv::new"),
    ("element-wise ops (add, mul, exp, tanh, relu, ...)",
     r"binary|unary|activation|macerator|zip|scalar|expm1|tanh|exp|sigmoid"),
    ("copies (cat, narrow, permute, contiguous)",
     r"cat|slice|narrow|permute|contiguous|copy|memmove|memcpy|expand|strided"),
    ("reductions (sum, mean)", r"reduce|sum_|mean"),
    ("weight file decode", r"load_model|f16_to_f32|safetensors"),
    ("allocation (malloc, free)", r"malloc|free|alloc"),
    ("kernel (page faults, scheduling)", r"^\[k\]"),
]

# "  32.62%  [.] symbol   -": share, user/kernel marker, symbol, then perf's IPC column.
LINE = re.compile(r"^\s*([0-9.]+)%\s+\[(.)\]\s+(.*?)(?:\s+-)?\s*$")


def main(path: str) -> None:
    totals = defaultdict(float)
    tops = defaultdict(list)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            share, where, symbol = float(m.group(1)), m.group(2), m.group(3).strip()
            text = "[k] " + symbol if where == "k" else symbol
            kind = "other"
            for name, pattern in RULES:
                if re.search(pattern, text, re.IGNORECASE):
                    kind = name
                    break
            totals[kind] += share
            tops[kind].append((share, symbol))
    print("| op kind | share of CPU samples |")
    print("| --- | ---: |")
    for kind, share in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {share:.1f}% |")
    print()
    for kind, entries in sorted(tops.items(), key=lambda kv: -totals[kv[0]]):
        print(f"{kind}:")
        for share, symbol in sorted(entries, reverse=True)[:6]:
            print(f"  {share:5.1f}%  {symbol[:140]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/profile/report.txt")
