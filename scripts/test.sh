#!/usr/bin/env bash
# Installs whatever is missing, then runs every test: formatting, native tests, and the
# model tests in headless Chromium (WebGPU through SwiftShader, and the wasm CPU backend).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh test
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check

step "native tests"
cargo test --all-targets 2>&1 | tee /tmp/realnvp-native-tests.log
native=$(grep -Eo '^test result: ok\. [0-9]+ passed' /tmp/realnvp-native-tests.log | awk '{s+=$4} END {print s+0}')

step "wasm tests in headless Chromium (WebGPU + wasm CPU)"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=600
# Release: the same dependency build the page's trunk build uses (see Cargo.toml).
# chromedriver gives up on a renderer that is busy for 30 s (compiling the test wasm on a
# loaded machine can take that long); such a run is retried once, any other failure is final.
if ! cargo test --release --target wasm32-unknown-unknown --test wasm 2>&1 | tee /tmp/realnvp-wasm-tests.log; then
  grep -q "Timed out receiving message from renderer" /tmp/realnvp-wasm-tests.log || exit 1
  echo "chromedriver lost the busy renderer: running the wasm tests once more"
  cargo test --release --target wasm32-unknown-unknown --test wasm 2>&1 | tee /tmp/realnvp-wasm-tests.log
fi
wasm=$(grep -Eo '^test result: ok\. [0-9]+ passed' /tmp/realnvp-wasm-tests.log | awk '{s+=$4} END {print s+0}')
[ "$wasm" -ge 2 ] || { echo "the wasm tests did not run"; exit 1; }

step "summary"
echo "native tests passed: $native"
echo "wasm tests passed:   $wasm"
echo "$((native + wasm)) passed, 0 failed"
