#!/usr/bin/env bash
# Installs what the demo and the tests need, skipping whatever is already there.
# Everything comes from the package registries (crates.io, npm, Debian): no other downloads.
# Usage: scripts/install-tools.sh [test|cli|page]
#   cli: Rust only; test: + wasm target, wasm-bindgen-cli, Chromium + chromedriver;
#   page (what scripts/test.sh and scripts/demo.sh use): + trunk, Firefox ESR, WebKitGTK's
#   WebKitWebDriver and MiniBrowser with Xvfb for its display, and wasm-opt (binaryen),
#   playwright-core and puppeteer-core from npm (package-lock.json; puppeteer-core downloads no
#   browser: the tests drive Debian's).
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

# Debian packages, each installed only if its command is missing.
apt_install() {
  log "installing Debian's $*"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  [ -n "${APT_UPDATED:-}" ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt_install chromium chromium-driver
fi

# The page build (trunk, wasm-opt) and its browser driver: only for `page`.
if [ "$what" = page ]; then
  if ! command -v trunk >/dev/null; then
    log "building trunk $TRUNK_VERSION (about 8 minutes on 2 cores, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  # The end-to-end tests in Firefox ESR and WebKitGTK (tests/e2e/firefox.test.mjs, webkit.test.mjs),
  # as Debian ships them; MiniBrowser needs an X display, Xvfb's.
  command -v firefox-esr >/dev/null || apt_install firefox-esr
  if ! command -v WebKitWebDriver >/dev/null || ! command -v xvfb-run >/dev/null; then
    apt_install webkit2gtk-driver xvfb xauth
  fi
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/puppeteer-core ] \
    || [ ! -x node_modules/.bin/tsc ]; then
    log "installing wasm-opt (binaryen), playwright-core, puppeteer-core and typescript from npm"
    npm ci --no-audit --no-fund >/dev/null
  fi
fi
log "tools ready"
