#!/usr/bin/env bash
# Installs what the demo and the tests need, skipping whatever is already there.
# Everything comes from the package registries (crates.io, npm, Debian): no other downloads.
# Usage: scripts/install-tools.sh [test|cli|page]
#   cli: Rust only; test: + wasm target, wasm-bindgen-cli, Chromium + chromedriver;
#   page (what scripts/test.sh and scripts/demo.sh use): + trunk, and wasm-opt (binaryen) and
#   playwright-core from npm (package-lock.json)
set -euo pipefail
what="${1:-test}"
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust stable with rustup first (https://rustup.rs)" >&2
  exit 1
fi
[ "$what" = cli ] && { log "tools ready"; exit 0; }

if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes on 2 cores, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing Debian's chromium and chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The page build (trunk, wasm-opt) and its browser driver: only for `page`.
if [ "$what" = page ]; then
  if ! command -v trunk >/dev/null; then
    log "building trunk $TRUNK_VERSION (about 8 minutes on 2 cores, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -x node_modules/.bin/tsc ]; then
    log "installing wasm-opt (binaryen), playwright-core and typescript from npm"
    npm ci --no-audit --no-fund >/dev/null
  fi
fi
log "tools ready"
