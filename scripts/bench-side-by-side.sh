#!/usr/bin/env bash
# burn (this repo) beside ONNX Runtime and PyTorch on the same model, same machine, same run:
# natively (`realnvp bench` vs onnxruntime vs PyTorch at 1 and at all threads), then in the
# browser (the page's CPU backend on 1 and on all workers vs ONNX Runtime Web's wasm backend
# on 1 and on all threads, same Chromium). Results: runs/bench/side-by-side-*.{jsonl,md}.
#
#   scripts/bench-side-by-side.sh            # after `cargo build --release` and `trunk build --release`
#   BASELINE=/path/to/older/realnvp scripts/bench-side-by-side.sh   # adds that build's rows
#
# Needs the optional Python side (.venv with torch, onnx, onnxruntime: see
# python/export_onnx.py) and runs/onnx from `python/export_onnx.py --check`.
# Run it on an idle machine: anything else running makes the numbers worthless.
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/bench
mkdir -p "$out"
py=.venv/bin/python
[ -x "$py" ] || py=python3
seconds="${BENCH_SECONDS:-5}"
cores="$(nproc)"
new=target/release/realnvp
for threads in 1 "$cores"; do
  # burn's own conv2d unfolded and folded, then the model's kernels: im2col (before issue 23),
  # Winograd F(2x2, 3x3) and F(4x4, 3x3); the last is the CLI's default.
  variants=(--realnvp "$new --unfolded --conv burn" --realnvp "$new --conv burn"
    --realnvp "$new --conv im2col" --realnvp "$new --conv winograd2" --realnvp "$new --conv winograd4")
  # An older build without rayon runs on one thread whatever it is told.
  if [ -n "${BASELINE:-}" ] && [ "$threads" = 1 ]; then variants=(--realnvp "$BASELINE" "${variants[@]}"); fi
  "$py" python/bench_onnx.py --threads "$threads" --seconds "$seconds" "${variants[@]}" \
    > "$out/side-by-side-native-t$threads.jsonl" 2> "$out/side-by-side-native-t$threads.md"
  cat "$out/side-by-side-native-t$threads.md"
done
node scripts/bench-page.mjs --backends cpu --cpu-workers "1,$cores" --cpu-runs 3 --score-runs 3 \
  --ort --ort-runs 3 --ort-threads "1,all" | tee "$out/side-by-side-page.md"
