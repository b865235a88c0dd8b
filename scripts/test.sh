#!/usr/bin/env bash
# Installs whatever is missing, then runs every test: formatting, native tests, the model
# tests in headless Chromium (WebGPU through SwiftShader, and the wasm CPU backend), then
# builds the page with trunk and drives it end to end in headless Chromium (tests/e2e/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh page
# npm's wasm-opt (binaryen 132) ahead of any Debian binaryen (108 breaks release builds).
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check

step "native tests"
cargo test --all-targets 2>&1 | tee /tmp/realnvp-native-tests.log
native=$(grep -Eo '^test result: ok\. [0-9]+ passed' /tmp/realnvp-native-tests.log | awk '{s+=$4} END {print s+0}')

step "wasm tests in headless Chromium (WebGPU + wasm CPU)"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=600
# chromedriver gives up on a renderer that is busy for 30 s (compiling the test wasm on a
# loaded machine can take that long); such a run is retried once, any other failure is final.
if ! cargo test --release --target wasm32-unknown-unknown --test wasm 2>&1 | tee /tmp/realnvp-wasm-tests.log; then
  grep -q "Timed out receiving message from renderer" /tmp/realnvp-wasm-tests.log || exit 1
  echo "chromedriver lost the busy renderer: running the wasm tests once more"
  cargo test --release --target wasm32-unknown-unknown --test wasm 2>&1 | tee /tmp/realnvp-wasm-tests.log
fi
wasm=$(grep -Eo '^test result: ok\. [0-9]+ passed' /tmp/realnvp-wasm-tests.log | awk '{s+=$4} END {print s+0}')

step "page: trunk build --release (offline, wasm-opt from node_modules)"
trunk build --release --offline

step "page end to end in headless Chromium (served on 127.0.0.1; WebGPU, then ?backend=cpu)"
REALNVP_BIN=target/debug/realnvp node tests/e2e/page.test.mjs 2>&1 | tee /tmp/realnvp-e2e.log
e2e=$(grep -Eo '^e2e: [0-9]+ passed' /tmp/realnvp-e2e.log | awk '{print $2}')

step "summary"
echo "native tests passed: $native"
echo "wasm tests passed:   $wasm"
echo "page e2e passed:     $e2e (screenshots in runs/e2e/)"
echo "$((native + wasm + e2e)) passed, 0 failed"
