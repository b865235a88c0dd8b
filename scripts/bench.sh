#!/usr/bin/env bash
# CPU throughput of the burn model beside the PyTorch twin, same configs, same run.
# Results: one JSON line per (implementation, config) in runs/bench/cpu.jsonl.
# Needs torch in python3 (`pip install torch`); the burn side needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=runs/bench
mkdir -p "$out"
cargo build --release --bin realnvp
seconds="${BENCH_SECONDS:-20}"
: > "$out/cpu.jsonl"
# image_size num_scales width blocks batch
for cfg in "32 3 32 2 64" "64 4 64 4 16"; do
  set -- $cfg
  echo "config: ${1}x${1}, scales $2, width $3, blocks $4, batch $5" >&2
  target/release/realnvp bench --image-size "$1" --num-scales "$2" --width "$3" --blocks "$4" \
    --batch "$5" --seconds "$seconds" | tee -a "$out/cpu.jsonl"
  if python3 -c 'import torch' 2>/dev/null; then
    python3 python/bench_torch.py --device cpu --threads "$(nproc)" --image-size "$1" --num-scales "$2" \
      --width "$3" --blocks "$4" --batches "$5" --seconds "$seconds" --variants fp32 | tee -a "$out/cpu.jsonl"
  else
    echo "torch is not installed: skipping the PyTorch side" >&2
  fi
done
