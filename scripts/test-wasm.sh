#!/usr/bin/env bash
# The WASM bindings, the Node package and the browser preview page (binauthz-wasm/README.md):
# installs what a fresh machine lacks (the wasm32 target, wasm-bindgen-cli of the version in
# Cargo.lock, Debian's chromium, the npm packages pinned in binauthz-wasm/package-lock.json),
# builds binauthz-wasm/pkg and pkg-web, checks the size budget, then runs `node --test` over
# every conformance case (through the Node package, and through the browser's engine, which is
# built without PGP), the API and error-path tests, the tsc type check, the README example and
# the preview page in headless Chromium.
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

step "tools"
rustup target add wasm32-unknown-unknown >/dev/null
WB=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB" ]]; then
  # --debug builds in about 2 minutes instead of 4, with byte-identical output. Not --locked:
  # the CLI's own lockfile names a dependency version the registry mirror lacks. Its own target
  # directory, so a CARGO_TARGET_DIR shared with the workspace is not disturbed.
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WB" --debug --force
fi
if ! command -v chromium >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((NODE_MAJOR < 20)); then
  echo "test-wasm.sh: needs Node.js 20 or newer (have: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi
# npm ci only when package-lock.json changed since the last install.
LOCK_SUM=$(sha256sum "$PKG/package-lock.json" | cut -c1-64)
if [[ "$(cat "$PKG/node_modules/.binauthz-lock" 2>/dev/null || true)" != "$LOCK_SUM" ]]; then
  (cd "$PKG" && npm ci --no-audit --no-fund)
  echo "$LOCK_SUM" >"$PKG/node_modules/.binauthz-lock"
fi
echo "wasm-bindgen $WB, $(chromium --version 2>/dev/null | head -1), node $(node --version)"

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

step "WASM suites passed"
