#!/usr/bin/env bash
# The GPU training run in three device calls (docs/TRAINING_GPU.md). Run from the repo root.
#   stage bench : unpack data part 1, throughput check -> $WORK/bench.jsonl
#   stage train1: unpack data part 2, preprocess (16 procs), train until MAX_MIN, export f16
#   stage train2: resume, train until the plan is done (or MAX_MIN), BN recalibration, final
#                 eval, export f32 (2 parts) + f16, sample grids
# Env overrides (for the CPU rehearsal): WORK, OUT, DEVICE, MODEL_ARGS, PLAN_MIN, MAX_MIN,
# BENCH_ARGS, EXTRA.
set -uo pipefail
stage=$1
WORK=${WORK:-/tmp/rnvp}
OUT=${OUT:-$WORK/out}
DEVICE=${DEVICE:-cuda}
MODEL_ARGS=${MODEL_ARGS:-"--image-size 64 --num-scales 4 --width 64 --blocks 4"}
PLAN_MIN=${PLAN_MIN:-15.3}
MAX_MIN=${MAX_MIN:-8.9}
BENCH_ARGS=${BENCH_ARGS:-"--batches 64,128 --variants fp32,bf16,bf16-cl --seconds 3"}
EXTRA=${EXTRA:-}
export PYTHONUNBUFFERED=1
mkdir -p "$WORK/faces" "$WORK/run" "$OUT"
case $stage in
bench)
  tar xf .gpu/part1.tar -C "$WORK/faces" || exit 1
  nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm --format=csv 2>/dev/null
  python3 -c 'import torch; print(torch.__version__, torch.cuda.is_available())'
  python3 python/bench_torch.py --device "$DEVICE" $MODEL_ARGS $BENCH_ARGS | tee "$WORK/bench.jsonl"
  cp "$WORK/bench.jsonl" "$OUT/"
  # smoke test of the trainer's device paths (bf16, channels_last, finish) on part 1 only
  python3 python/train_torch.py --data "$WORK/faces" --cache "$WORK/cache_smoke" --out "$WORK/smoke" \
    --device "$DEVICE" $MODEL_ARGS --amp bf16 --channels-last --plan-minutes 0.2 --max-minutes 0.5 \
    --recal-batches 5 --eval-train-images 256 $EXTRA 2>&1 | tail -5
  ;;
train1)
  tar xf .gpu/part2.tar -C "$WORK/faces" || exit 1
  ls "$WORK/faces"
  python3 python/train_torch.py --data "$WORK/faces" --cache "$WORK/cache" --out "$WORK/run" \
    --device "$DEVICE" $MODEL_ARGS --auto-from "$WORK/bench.jsonl" \
    --plan-minutes "$PLAN_MIN" --max-minutes "$MAX_MIN" $EXTRA 2>&1 | tee "$OUT/train1.log"
  python3 python/export_weights.py --ckpt "$WORK/run/checkpoint.pt" --out "$OUT/faces64_f16.safetensors" --f16
  cp "$WORK/run/train_log.jsonl" "$OUT/" 2>/dev/null
  ;;
train2)
  python3 python/train_torch.py --data "$WORK/faces" --cache "$WORK/cache" --out "$WORK/run" \
    --device "$DEVICE" --resume --finish-at-deadline --max-minutes "$MAX_MIN" $EXTRA 2>&1 | tee "$OUT/train2.log"
  python3 python/export_weights.py --ckpt "$WORK/run/checkpoint.pt" --out "$OUT/faces64.safetensors" --max-part-mb 15
  python3 python/export_weights.py --ckpt "$WORK/run/checkpoint.pt" --out "$OUT/faces64_f16.safetensors" --f16
  cp "$WORK/run/train_log.jsonl" "$OUT/" 2>/dev/null
  for t in 0.7 1.0; do
    python3 python/sample_grid.py --device "$DEVICE" --ckpt "$WORK/run/checkpoint.pt" \
      --temperature $t --out "$OUT/samples_t$t.png"
  done
  ls -la "$OUT"
  ;;
*) echo "unknown stage $stage"; exit 2 ;;
esac
