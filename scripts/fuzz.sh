#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (nightly toolchain) and prints one line per
# target: executions, libFuzzer's edge coverage (cov) and features (ft), corpus size. Fails on
# the first crash, leak, timeout or out-of-memory, printing the reproducer's path.
#   bash scripts/fuzz.sh 15                      the smoke run in scripts/test-all.sh
#   bash scripts/fuzz.sh 600                     the long run (10 minutes per target)
#   bash scripts/fuzz.sh 600 engine verify_pkix  only these targets
# New inputs are kept in fuzz/corpus/<target> (not committed); every target is seeded from
# spec/ (conformance cases, examples, keys). The report goes to target/fuzz-report.md.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_TARGET=${1:-15}
shift || true
rustup toolchain list | grep -q '^nightly' || { echo "fuzz.sh: needs a nightly toolchain" >&2; exit 2; }
[[ ${BINAUTHZ_SETUP_DONE:-} == 1 ]] || bash "$ROOT/scripts/setup.sh" fuzz
cd "$ROOT/fuzz"
cargo +nightly fuzz build -O
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi
mkdir -p "$ROOT/target"
REPORT="$ROOT/target/fuzz-report.md"
{
  echo "| target | seconds | executions | cov (edges) | ft (features) | corpus | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} >"$REPORT"
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  log="$ROOT/target/fuzz-$t.log"
  # A target with a libFuzzer dictionary of its own gets it (yaml_deep: fuzz/yaml.dict).
  extra=()
  if [[ $t == yaml_deep ]]; then
    extra=(-dict="$ROOT/fuzz/yaml.dict")
  fi
  if ! cargo +nightly fuzz run -O "$t" "corpus/$t" ../spec/conformance/cases ../spec/conformance/platform/cases ../spec/examples \
      ../spec/conformance/keys -- -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 \
      -timeout=30 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz target $t failed: see $log and fuzz/artifacts/$t/"
    exit 1
  fi
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  last=$(grep -E '#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  corpus=$(find "corpus/$t" -type f | wc -l)
  echo "| $t | $SECONDS_PER_TARGET | $runs | $cov | $ft | $corpus | 0 |" >>"$REPORT"
  echo "$t: $runs executions, cov $cov, ft $ft, corpus $corpus, no crash"
done
echo
cat "$REPORT"
