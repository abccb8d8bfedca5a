#!/usr/bin/env bash
# The WASM bindings, the Node package and the browser preview page (binauthz-wasm/README.md):
# installs what a fresh machine lacks through `scripts/setup.sh wasm` (the wasm32 target,
# wasm-bindgen-cli of the version in Cargo.lock, Debian's chromium, the npm packages pinned in
# binauthz-wasm/package-lock.json), builds binauthz-wasm/pkg and pkg-web, checks the size budget,
# then runs `node --test` over every conformance case and every platform-policy case (through the
# Node package, and through the browser's engine, which is built without PGP), the API and
# error-path tests, the tsc type check, the README example and the preview page in headless
# Chromium; and checks that the platform runner fails on mutated cases and on an empty directory.
#
#   bash scripts/test-wasm.sh
#
# Honours CARGO_TARGET_DIR (default: target/). Screenshots and generated type fixtures go to
# target/binauthz-wasm/. On 2 cores: about 6 minutes on a fresh machine (wasm-bindgen-cli 1.5,
# chromium 0.8, the two cold wasm builds with wasm-opt 3.3, the tests 0.2), about 20 seconds when
# everything is installed and built.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never CARGO_NET_RETRY=5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
T0=$SECONDS
step() { echo; echo "=== $* (t+$((SECONDS - T0))s)"; }
PKG=$ROOT/binauthz-wasm
export BINAUTHZ_WASM_ARTIFACTS=$ROOT/target/binauthz-wasm
WASM_BUDGET_GZ=512000 # 500 KiB gzipped

step "tools: scripts/setup.sh wasm"
[[ ${BINAUTHZ_SETUP_DONE:-} == 1 ]] || bash scripts/setup.sh wasm
echo "$(wasm-bindgen --version), $(chromium --version 2>/dev/null | head -1), node $(node --version)"

step "build binauthz-wasm/pkg (Node, with PGP) and pkg-web (browser, without PGP)"
bash "$PKG/build.sh"
export BINAUTHZ_WASM_NOPGP_PKG=${CARGO_TARGET_DIR:-$ROOT/target}/binauthz-wasm/pkg-nopgp-node
# The budget is the browser's download; Node reads its (larger, PGP-capable) module from disk.
WEB_GZ=$(gzip -9c "$PKG/pkg-web/binauthz_wasm_bg.wasm" | wc -c)
if ((WEB_GZ > WASM_BUDGET_GZ)); then
  echo "size: the browser's .wasm is $WEB_GZ bytes gzipped, over the budget of $WASM_BUDGET_GZ" >&2
  exit 1
fi
echo "size: the browser's .wasm is $WEB_GZ bytes gzipped, within the budget of $WASM_BUDGET_GZ"

step "node --test (conformance, API, errors, TypeScript, README example, page in headless Chromium)"
cd "$PKG"
node --test tests/*.test.cjs
# The platform-policy runner (tests/platform.test.cjs) must notice wrong expectations and refuse a
# directory without cases, as the C and Go runners must (scripts/test-ffi.sh): three mutated cases
# (a response, CV events, an error's path) fail in both engines, and an empty directory fails.
# BINAUTHZ_PLATFORM_CASES (read by tests/helpers.cjs) runs them on another directory.
PLATFORM_WORK=${CARGO_TARGET_DIR:-$ROOT/target}/binauthz-wasm/platform-runner
rm -rf "$PLATFORM_WORK" && mkdir -p "$PLATFORM_WORK/empty"
cp -r "${BINAUTHZ_PLATFORM_CASES:-$ROOT/spec/conformance/platform/cases}" "$PLATFORM_WORK/mutated"
node - "$PLATFORM_WORK/mutated" <<'JS'
const fs = require("node:fs");
const path = require("node:path");
const dir = process.argv[2];
const done = new Set();
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const c = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
  if (c.response && !done.has("response")) {
    c.response.verdict = "MUTATED";
    done.add("response");
  } else if (c.cvEvents && !done.has("cvEvents")) {
    c.cvEvents.push({ configErrorEvent: { description: "MUTATED" } });
    done.add("cvEvents");
  } else if (c.expectError && !done.has("error")) {
    c.expectError.path = "mutated";
    done.add("error");
  } else {
    continue;
  }
  fs.writeFileSync(path.join(dir, file), JSON.stringify(c));
}
if (done.size !== 3) throw new Error(`mutated ${done.size} platform cases, not 3`);
JS
engines=$([[ -d $BINAUTHZ_WASM_NOPGP_PKG ]] && echo 2 || echo 1)
if BINAUTHZ_PLATFORM_CASES="$PLATFORM_WORK/mutated" node --test --test-reporter=tap tests/platform.test.cjs \
    >"$PLATFORM_WORK/mutated.log" 2>&1 ||
  [[ $(grep -c '^not ok [0-9]* - platform conformance ' "$PLATFORM_WORK/mutated.log") != $((3 * engines)) ]]; then
  grep '^not ok' "$PLATFORM_WORK/mutated.log"; echo "the Node platform runner did not catch the three mutated cases"; exit 1
fi
echo "Node platform runner on 3 mutated cases: $((3 * engines)) failures ($engines engines)"
if BINAUTHZ_PLATFORM_CASES="$PLATFORM_WORK/empty" node --test tests/platform.test.cjs >"$PLATFORM_WORK/empty.log" 2>&1 ||
  ! grep -q "no platform conformance cases" "$PLATFORM_WORK/empty.log"; then
  cat "$PLATFORM_WORK/empty.log"; echo "the Node platform runner passed without cases"; exit 1
fi
# The binding benchmark of benches/compare.sh, a few calls: its checks (the decision admits the
# image from the cache) run; its figures are not looked at.
node "$ROOT/benches/wasm-binding.cjs" 2 2 >/dev/null
# Likewise benches/compare.sh's evaluateAsync measurements in Node and in headless Chromium: each
# exits 1 unless every decision admits the image and WebCrypto, not the fallback, verified it.
node "$ROOT/benches/wasm-async.cjs" 3 >/dev/null
node "$ROOT/benches/wasm-browser.cjs" 20 >/dev/null

step "WASM suites passed"
