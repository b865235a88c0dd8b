#!/usr/bin/env bash
# Installs whatever is missing, builds the native CLI and shows the shipped model at work:
# a grid of sampled faces, a latent interpolation, and the scores of a few face photos.
# (The WebGPU page is the next milestone; until it lands the demo is the CLI.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh cli
export PATH="$HOME/.cargo/bin:$PATH"

out="${DEMO_OUT:-runs/demo}"
mkdir -p "$out"
cargo build --release --bin realnvp
bin=target/release/realnvp

$bin sample --n 64 --temperature 0.7 --seed 1 --out "$out/samples_t0.7.png"
$bin interpolate --corners seed:1 seed:2 seed:3 seed:4 --steps 8 --out "$out/interpolation.png"
faces=../shared/data/faces
if [ -d "$faces" ]; then
  echo "bits/dim of a few face photos:"
  $bin score $(find "$faces" -name '*.jpg' | sort | head -n 4)
fi
echo
echo "Open $out/samples_t0.7.png and $out/interpolation.png to see the faces."
