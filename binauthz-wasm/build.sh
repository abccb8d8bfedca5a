#!/usr/bin/env bash
# Builds the Node package (pkg/: wasm-bindgen --target nodejs) and the browser package
# (pkg-web/: --target web, plus examples.js that pre-fills the preview page in www/) from release
# .wasm modules: for Node, cargo profile `wasm-node` (opt-level 3, LTO, panic=abort) and wasm-opt
# -O3, for speed; for the browser, profile `wasm` (opt-level s) and wasm-opt -Oz, for size.
# wasm-opt runs when npm's binaryen is installed (npm ci in this directory).
#
#   bash binauthz-wasm/build.sh
#
# Two modules: the full engine (cargo feature `pgp`, PGP keys and PGP-signed attestations) for
# Node, and the engine without PGP for browsers, which keeps the download within the 500 KB
# gzipped budget (PGP keys are then rejected with code `unsupported`). BINAUTHZ_WEB_PGP=1 puts
# the full engine in pkg-web/ too. The module without PGP is also bound for Node, in
# $CARGO_TARGET_DIR/binauthz-wasm/pkg-nopgp-node/, so the tests can run it.
#
# Needs: rustup target wasm32-unknown-unknown, and wasm-bindgen-cli of exactly the version of the
# wasm-bindgen crate in Cargo.lock (`bash scripts/setup.sh wasm` installs both). Honours
# CARGO_TARGET_DIR.
# BINAUTHZ_WASM_OPT=0 skips wasm-opt. Sizes go to $CARGO_TARGET_DIR/binauthz-wasm/size.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET/binauthz-wasm
cd "$ROOT"

want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null || true)
if [[ $have != "wasm-bindgen $want" ]]; then
  echo "build.sh: need wasm-bindgen $want (have: ${have:-none}); run:" >&2
  echo "  bash scripts/setup.sh wasm     (or: cargo install wasm-bindgen-cli --version $want --debug)" >&2
  exit 2
fi
mkdir -p "$WORK"
WASM_OPT=$HERE/node_modules/.bin/wasm-opt
SIZES=()
size() { echo "$(stat -c %s "$1") bytes, $(gzip -9c "$1" | wc -c) gzipped"; }

# build NAME TARGET_DIR PROFILE WASM_OPT_LEVEL [cargo flags...]: cargo, wasm-bindgen (both
# targets, into $WORK/NAME-*), wasm-opt (cached by content; about 30-60 s cold).
build() {
  local name=$1 target_dir=$2 profile=$3 level=$4
  shift 4
  CARGO_TARGET_DIR=$target_dir cargo build --locked --profile "$profile" --target wasm32-unknown-unknown -p binauthz-wasm "$@"
  local raw=$target_dir/wasm32-unknown-unknown/$profile/binauthz_wasm.wasm
  rm -rf "$WORK/$name-node" "$WORK/$name-web"
  wasm-bindgen --target nodejs --out-dir "$WORK/$name-node" "$raw"
  wasm-bindgen --target web --out-dir "$WORK/$name-web" "$raw"
  local bg=$WORK/$name-node/binauthz_wasm_bg.wasm
  cmp -s "$bg" "$WORK/$name-web/binauthz_wasm_bg.wasm" || { echo "build.sh: the nodejs and web modules differ" >&2; exit 1; }
  SIZES+=("$name: cargo $(size "$raw"); after wasm-bindgen $(size "$bg")")
  if [[ ${BINAUTHZ_WASM_OPT:-1} != 0 && -x $WASM_OPT ]]; then
    local key cached
    key=$(sha256sum "$bg" | cut -c1-16)$level
    cached=$WORK/opt-$name-$key.wasm
    if [[ ! -f $cached ]]; then
      rm -f "$WORK/opt-$name-"*.wasm
      "$WASM_OPT" "$level" "$bg" -o "$cached.tmp"
      mv "$cached.tmp" "$cached"
    fi
    cp "$cached" "$bg"
    cp "$cached" "$WORK/$name-web/binauthz_wasm_bg.wasm"
    SIZES+=("$name: after wasm-opt $level $(size "$bg")")
  fi
}

build full "$TARGET" wasm-node -O3
build nopgp "$WORK/nopgp-target" wasm -Oz --no-default-features
web=nopgp
[[ ${BINAUTHZ_WEB_PGP:-0} == 1 ]] && web=full

rm -rf "$HERE/pkg" "$HERE/pkg-web" "$WORK/pkg-nopgp-node"
cp -r "$WORK/full-node" "$HERE/pkg"
cp -r "$WORK/$web-web" "$HERE/pkg-web"
cp -r "$WORK/nopgp-node" "$WORK/pkg-nopgp-node"
node "$HERE/tools/examples.mjs" "$ROOT/spec/examples" >"$HERE/pkg-web/examples.js"

{
  printf '%s\n' "${SIZES[@]}"
  echo "shipped: pkg/ (Node, with PGP) $(size "$HERE/pkg/binauthz_wasm_bg.wasm"); pkg-web/ (browser, $([[ $web == full ]] && echo with || echo without) PGP) $(size "$HERE/pkg-web/binauthz_wasm_bg.wasm")"
} | tee "$WORK/size.txt"
