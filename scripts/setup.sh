#!/usr/bin/env bash
# Installs what the test scripts need and a fresh machine lacks; installs nothing else and runs no
# test. Each step is skipped, and says so, when what it installs is already there, so a second
# run takes a second or two.
#
#   bash scripts/setup.sh             everything scripts/test-all.sh needs
#   bash scripts/setup.sh wasm ffi    only these parts
#
# Parts (the script that needs each):
#   base  Debian's openssl, gnupg, python3 and gcc         (test-all.sh: conformance vectors)
#   ffi   Debian's gcc, libc6-dev, valgrind, pkg-config, python3, openssl and golang-go;
#         cbindgen 0.29.4                                   (test-ffi.sh)
#   wasm  the wasm32-unknown-unknown target, wasm-bindgen-cli of the version in Cargo.lock,
#         Debian's chromium, and the npm packages of binauthz-wasm/package-lock.json; checks
#         for Node.js 20 or newer                           (test-wasm.sh, binauthz-wasm/build.sh)
#   webhook  Debian's wrk, curl, openssl and python3-yaml  (test-deploy.sh, benches/webhook-load.sh)
#   fuzz  cargo-fuzz 0.13.2, with a nightly toolchain only  (fuzz.sh)
#   miri  the nightly toolchain's miri and rust-src         (miri.sh)
# Without a nightly toolchain (none can be installed on some machines), fuzz and miri are
# skipped, and test-all.sh skips their suites.
#
# Debian packages need root (apt-get). Cargo installs build in a directory of their own, not in
# CARGO_TARGET_DIR.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never CARGO_NET_RETRY=5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# The pinned versions (wasm-bindgen-cli's is the wasm-bindgen crate's in Cargo.lock).
CARGO_FUZZ_VERSION=0.13.2
CBINDGEN_VERSION=0.29.4
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
NODE_MIN_MAJOR=20

ALL_PARTS=(base ffi webhook wasm fuzz miri)
PARTS=("$@")
((${#PARTS[@]})) || PARTS=("${ALL_PARTS[@]}")
for part in "${PARTS[@]}"; do
  [[ " ${ALL_PARTS[*]} " == *" $part "* ]] || {
    echo "setup.sh: unknown part '$part' (parts: ${ALL_PARTS[*]})" >&2
    exit 2
  }
done
want() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

T0=$SECONDS
installed=0 skipped=0
did() { installed=$((installed + 1)); echo "setup: installed $*"; }
skip() { skipped=$((skipped + 1)); echo "setup: skipped $*"; }
have_nightly() { rustup toolchain list 2>/dev/null | grep -q '^nightly'; }

# ---- Debian packages: every missing one of the wanted parts in one apt-get run ----
# need COMMAND PACKAGE...: the packages to install when COMMAND is not on the PATH.
missing=() present=()
need() {
  local cmd=$1; shift
  if command -v "$cmd" >/dev/null; then
    [[ " ${present[*]} " == *" $cmd "* ]] || present+=("$cmd")
  else
    local p
    for p in "$@"; do [[ " ${missing[*]} " == *" $p "* ]] || missing+=("$p"); done
  fi
}
if want base; then
  need openssl openssl; need gpg gnupg; need python3 python3; need cc gcc
fi
if want ffi; then
  need cc gcc libc6-dev; need valgrind valgrind; need pkg-config pkg-config
  need python3 python3; need openssl openssl; need go golang-go
fi
if want webhook; then
  need wrk wrk; need curl curl; need openssl openssl
  if python3 -c 'import yaml' 2>/dev/null; then present+=(python3-yaml); else missing+=(python3-yaml); fi
fi
if want wasm; then
  need chromium chromium
fi
((${#present[@]} == 0)) || skip "Debian packages: ${present[*]} already on the PATH"
if ((${#missing[@]})); then
  echo "setup: installing Debian packages ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  did "Debian packages ${missing[*]}"
fi

# cargo_install CRATE VERSION COMMAND [cargo install flags...]: installs CRATE at VERSION unless
# `COMMAND --version` already prints that version.
cargo_install() {
  local crate=$1 version=$2 cmd=$3; shift 3
  local have
  have=$($cmd --version 2>/dev/null || true)
  if [[ $have == *" $version" ]]; then
    skip "$crate $version already installed"
    return
  fi
  echo "setup: installing $crate $version (have: ${have:-none})"
  env -u CARGO_TARGET_DIR cargo install "$crate" --version "$version" "$@"
  did "$crate $version"
}

# ---- ffi: cbindgen, which generates and checks binauthz-ffi/include/binauthz.h ----
if want ffi; then
  cargo_install cbindgen "$CBINDGEN_VERSION" cbindgen --locked
fi

# ---- wasm: the target, wasm-bindgen-cli, Node.js and the npm packages ----
if want wasm; then
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    skip "rustup target wasm32-unknown-unknown already installed"
  else
    rustup target add wasm32-unknown-unknown
    did "rustup target wasm32-unknown-unknown"
  fi
  # --debug builds in about 2 minutes instead of 4, with byte-identical output. Not --locked: the
  # CLI's own lockfile names a dependency version the registry mirror lacks. --force replaces
  # another version.
  cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION" "wasm-bindgen" --debug --force
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if ((node_major < NODE_MIN_MAJOR)); then
    echo "setup.sh: the WASM tests need Node.js $NODE_MIN_MAJOR or newer (have: $(node --version 2>/dev/null || echo none))" >&2
    exit 2
  fi
  # npm ci only when package-lock.json changed since the last install.
  lock_sum=$(sha256sum binauthz-wasm/package-lock.json | cut -c1-64)
  if [[ "$(cat binauthz-wasm/node_modules/.binauthz-lock 2>/dev/null || true)" == "$lock_sum" ]]; then
    skip "npm packages of binauthz-wasm/package-lock.json already installed"
  else
    (cd binauthz-wasm && npm ci --no-audit --no-fund)
    echo "$lock_sum" >binauthz-wasm/node_modules/.binauthz-lock
    did "npm packages of binauthz-wasm/package-lock.json"
  fi
fi

# ---- fuzz and miri: only with a nightly toolchain ----
if want fuzz; then
  if have_nightly; then
    cargo_install cargo-fuzz "$CARGO_FUZZ_VERSION" "cargo fuzz" --locked
  else
    skip "cargo-fuzz: no nightly toolchain (fuzz.sh needs one)"
  fi
fi
if want miri; then
  if ! have_nightly; then
    skip "miri: no nightly toolchain (miri.sh needs one)"
  elif rustup +nightly component list --installed 2>/dev/null | grep -q '^miri'; then
    skip "nightly components miri and rust-src already installed"
  else
    rustup +nightly component add miri rust-src
    did "nightly components miri and rust-src"
  fi
fi

echo "setup: ${PARTS[*]}: $installed installed, $skipped skipped (present) in $((SECONDS - T0))s"
