#!/usr/bin/env bash
# Where one CPU sampling pass spends its time, per op kind: perf samples (cpu-clock, so it
# works in VMs without hardware counters) of `realnvp sample --n FACES` with the shipped
# model on one thread, grouped by the function each sample landed in
# (python/profile_groups.py). The command includes loading the model (a few percent).
#
#   scripts/profile-cpu.sh [binary=target/release/realnvp] [faces=16] [threads=1]
#
# Needs `perf` (Debian: linux-perf). Release binaries keep their symbols (not stripped).
# Output: runs/profile/<binary name>.txt (perf's listing) and the table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/release/realnvp}"
faces="${2:-16}"
threads="${3:-1}"
out=runs/profile
mkdir -p "$out"
name="$(basename "$binary")"
RAYON_NUM_THREADS="$threads" perf record -q -e cpu-clock -F 2000 -o "$out/$name.data" -- \
  "$binary" sample --n "$faces" --temperature 0.7 --seed 1 --out "$out/$name.png" >&2
perf report -i "$out/$name.data" --no-children --sort symbol --stdio --percent-limit 0 \
  2>/dev/null > "$out/$name.txt"
python3 python/profile_groups.py "$out/$name.txt"
