#!/usr/bin/env bash
# Installs whatever is missing, builds the page (trunk, release, offline, wasm-opt) and
# serves it on 127.0.0.1; open the printed URL in a browser with WebGPU (Chrome, Edge,
# recent Firefox or Safari). Without WebGPU the page runs on its CPU fallback.
#   scripts/demo.sh          build and serve the page (PORT=8080 by default)
#   scripts/demo.sh cli      the command-line tool instead: a face grid and an interpolation
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-page}" = cli ]; then
  scripts/install-tools.sh cli
  export PATH="$HOME/.cargo/bin:$PATH"
  out="${DEMO_OUT:-runs/demo}"
  mkdir -p "$out"
  cargo build --release --bin realnvp
  bin=target/release/realnvp
  $bin sample --n 64 --temperature 0.7 --seed 1 --out "$out/samples_t0.7.png"
  $bin interpolate --corners seed:1 seed:2 seed:3 seed:4 --steps 8 --out "$out/interpolation.png"
  echo "Open $out/samples_t0.7.png and $out/interpolation.png to see the faces."
  exit 0
fi

scripts/install-tools.sh page
# npm's wasm-opt (binaryen 132) must come before Debian's binaryen 108, which breaks the build.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release --offline
port="${PORT:-8080}"
echo
echo "The page is built in dist/. Open http://127.0.0.1:$port/ (add ?backend=cpu to force the CPU fallback)."
exec node scripts/serve.mjs dist "$port"
