#!/usr/bin/env bash
# Installs whatever is missing, then runs every test: formatting, native tests, the model
# tests in headless Chromium (WebGPU through SwiftShader, and the wasm CPU backend), and the
# page end to end (trunk release build served on 127.0.0.1): in headless Chromium driven by
# playwright-core, in headless Firefox ESR driven by puppeteer-core over WebDriver BiDi, and in
# WebKitGTK's MiniBrowser under Xvfb driven over WebDriver classic (README, "Browsers").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh page
# npm's wasm-opt (binaryen 132) must come before Debian's binaryen 108, which breaks the build.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check

step "the page's JavaScript: type check (tsc) and unit tests (node --test tests/js/)"
node_modules/.bin/tsc --noEmit -p .
node --test --test-reporter=spec --test-reporter=tap --test-reporter-destination=stdout \
  --test-reporter-destination=/tmp/realnvp-js-tests.tap tests/js/
js=$(awk '/^# pass /{print $3}' /tmp/realnvp-js-tests.tap)
[ "${js:-0}" -ge 10 ] || { echo "the JS unit tests did not run"; exit 1; }

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
[ "$wasm" -ge 3 ] || { echo "the wasm tests did not run"; exit 1; }

step "the page: trunk build --release (offline, wasm-opt -Oz), as scripts/demo.sh builds it"
trunk build --release --offline

step "the page end to end in headless Chromium (WebGPU on SwiftShader, then ?backend=cpu; first and second visits)"
# target/debug/realnvp (built by the native tests) gives the scores the page must match.
# node's test runner: the spec report on the screen, TAP (its "# pass N" line counted) in a file.
# One file at a time: two browsers at once would share the two cores.
REALNVP_BIN=target/debug/realnvp node --test --test-concurrency=1 --test-reporter=spec --test-reporter=tap \
  --test-reporter-destination=stdout --test-reporter-destination=/tmp/realnvp-e2e.tap \
  tests/e2e/page.test.mjs tests/e2e/first-visit.test.mjs 2>&1 | tee /tmp/realnvp-e2e.log
e2e=$(awk '/^# pass /{print $3}' /tmp/realnvp-e2e.tap)
[ "${e2e:-0}" -ge 10 ] || { echo "the end-to-end checks did not run"; exit 1; }

step "the page end to end in headless Firefox ESR (puppeteer-core, WebDriver BiDi; the CPU backend)"
REALNVP_BIN=target/debug/realnvp node --test --test-reporter=spec --test-reporter=tap \
  --test-reporter-destination=stdout --test-reporter-destination=/tmp/realnvp-e2e-firefox.tap \
  tests/e2e/firefox.test.mjs 2>&1 | tee /tmp/realnvp-e2e-firefox.log
firefox=$(awk '/^# pass /{print $3}' /tmp/realnvp-e2e-firefox.tap)
[ "${firefox:-0}" -ge 10 ] || { echo "the Firefox end-to-end checks did not run"; exit 1; }

step "the page end to end in WebKitGTK (MiniBrowser under Xvfb, WebDriver classic; the CPU backend)"
REALNVP_BIN=target/debug/realnvp xvfb-run -a node --test --test-reporter=spec --test-reporter=tap \
  --test-reporter-destination=stdout --test-reporter-destination=/tmp/realnvp-e2e-webkit.tap \
  tests/e2e/webkit.test.mjs 2>&1 | tee /tmp/realnvp-e2e-webkit.log
webkit=$(awk '/^# pass /{print $3}' /tmp/realnvp-e2e-webkit.tap)
[ "${webkit:-0}" -ge 7 ] || { echo "the WebKit end-to-end checks did not run"; exit 1; }

step "summary"
echo "JS unit tests passed:   $js (and tsc --noEmit)"
echo "native tests passed:    $native"
echo "wasm tests passed:      $wasm"
echo "page e2e checks passed: $e2e (Chromium)"
echo "                        $firefox (Firefox ESR)"
echo "                        $webkit (WebKitGTK)"
echo "$((js + native + wasm + e2e + firefox + webkit)) passed, 0 failed"
