#!/usr/bin/env bash
# The one test command (README): installs what a fresh machine lacks (scripts/setup.sh), then runs
# every suite.
#   bash scripts/test-all.sh            everything (about 35 minutes from a fresh clone on 2 cores, about 5 GB of disk)
#   FUZZ_SECONDS=60 bash scripts/test-all.sh   longer fuzz smoke per target (default 15)
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0 CARGO_NET_RETRY=5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
T0=$SECONDS
# Each step also prints the disk space left: a full disk shows up as a linker "Bus error".
free_kib() { df -Pk "$ROOT" | awk 'NR == 2 { print $4 }'; }
step() { echo; echo "=== $* (t+$((SECONDS - T0))s, $(awk -v k="$(free_kib)" 'BEGIN { printf "%.1f GiB free", k / 1048576 }'))"; }
# The fuzz and miri steps build into their own directories and need none of the earlier builds;
# on a machine short of disk (under 8 GiB free) those builds are removed first rather than risk
# a full disk. A roomy machine keeps them for the next run.
make_room() {
  if (($(free_kib) < 8 * 1048576)); then
    echo "under 8 GiB free: removing the earlier builds (target/debug, target/release, target/wasm*, target/ffi-test)"
    rm -rf target/debug target/release target/wasm32-unknown-unknown target/wasm-node target/wasm \
      target/ffi-test
  fi
}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}

# ---- tools: scripts/setup.sh installs what is missing (each step a no-op when present) ----
step "tools: scripts/setup.sh"
bash scripts/setup.sh
# The sub-scripts below need not check again.
export BINAUTHZ_SETUP_DONE=1
HAVE_NIGHTLY=0
if rustup toolchain list | grep -q '^nightly'; then HAVE_NIGHTLY=1; fi

# ---- Rust: format, lints, unit/integration/property/conformance tests ----
step "cargo fmt --check"
cargo fmt --all --check
(cd fuzz && cargo fmt --check)
step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test (unit, integration, property, conformance, doc)"
cargo test --workspace --locked
step "cargo doc: every intra-doc link resolves (docs on every public item are a lint above)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

# ---- spec/schema/: generated from the Rust types (binauthz-core feature `schema`, off above) ----
step "JSON Schemas: spec/schema/ is generated, every conformance case fits it (feature schema)"
cargo clippy --locked -p binauthz-core --all-targets --features schema -- -D warnings
cargo test --locked -p binauthz-core --features schema --test schema

# ---- conformance vectors regenerated with fresh keys must give the same decisions ----
step "conformance with freshly generated vectors"
rm -rf target/conformance-fresh
python3 spec/conformance/generate.py --out target/conformance-fresh
BINAUTHZ_CONFORMANCE_CASES="$ROOT/target/conformance-fresh/cases" \
  cargo test --locked -p binauthz-core --test conformance

# ---- the CLI on the shipped examples (the README's main command) ----
step "CLI on spec/examples"
cargo build --locked -p binauthz-cli
bash scripts/cli-examples.sh target/debug/binauthz

# ---- C ABI + Go (binauthz-ffi) and WASM + Node + Chromium (binauthz-wasm) ----
step "C ABI and Go: scripts/test-ffi.sh"
bash scripts/test-ffi.sh
step "binauthz-webhook as shipped: scripts/test-deploy.sh (static build, deploy/ manifests run as written)"
bash scripts/test-deploy.sh
step "WASM, Node and the browser preview: scripts/test-wasm.sh"
bash scripts/test-wasm.sh

# ---- benchmarks: a quick pass that measures and reports, asserting no timing ----
step "benchmarks, quick: cargo bench -p binauthz-benches -- --quick"
cargo bench --locked -p binauthz-benches --bench verify --bench evaluate --bench bindings --bench memory \
  --bench hostile --bench platform -- --quick --warm-up-time 1

step "binauthz-webhook under load, quick: QUICK=1 benches/webhook-load.sh (wrk over HTTPS; results in target/)"
QUICK=1 RESULTS="${CARGO_TARGET_DIR:-$ROOT/target}/webhook-load-results.md" bash benches/webhook-load.sh

# ---- fuzz smoke, and miri over the core's non-crypto unit tests ----
if ((HAVE_NIGHTLY)); then
  make_room
  step "fuzz smoke (${FUZZ_SECONDS}s per target): scripts/fuzz.sh"
  bash scripts/fuzz.sh "$FUZZ_SECONDS"
  step "miri: scripts/miri.sh"
  bash scripts/miri.sh
else
  echo "nightly toolchain not installed: fuzz smoke and miri skipped"
fi

step "all suites passed"
