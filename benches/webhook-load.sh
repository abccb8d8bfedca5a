#!/usr/bin/env bash
# binauthz-webhook under load, over HTTPS on loopback, and where a review's time goes:
#   bash benches/webhook-load.sh                 (about 4 minutes after the builds, on 2 cores)
#   QUICK=1 bash benches/webhook-load.sh         (a smoke run: 2 s per point, fewer rates)
#
# 1. Writes the load test's files (`webhook-files`, benches/scenarios.rs): a policy with five
#    attestors (attestor 0 alone in namespace `one`), their attestations in a directory, and two
#    AdmissionReviews: a 1-image pod (one signature) and an 8-image x 5-attestor pod (forty).
# 2. Builds binauthz-webhook as the Dockerfile does (scripts/build-webhook.sh) and starts it with
#    an openssl certificate and --attestations-dir, once warm (the engine's verification cache on)
#    and once cold (--cache-entries 0: every review verifies every signature), audit lines on.
# 3. Sends each review with wrk (Debian's wrk 4.1, keep-alive connections, benches/webhook/post.lua)
#    at fixed rates and as fast as it answers, and records throughput and p50/p90/p99/p99.9.
#    wrk 4.1 has no fixed-rate mode (wrk2 has): each of the connections waits CONNECTIONS/RATE
#    between requests, so the achieved rate is a little under the target; it is reported.
#    Every response must be an AdmissionReview that allows: any other fails the script.
# 4. Where the time goes: the engine's own answer in Rust (`webhook-files --measure`), then Go's
#    layers over the same files (BenchmarkLayers in binauthz-ffi/go/cmd/binauthz-webhook: cgo,
#    the C ABI's JSON, AnswerReview, the /validate handler), then HTTPS (wrk's p50 at 100/s).
# 5. Writes the tables into RESULTS (default benches/RESULTS.md) between
#    "<!-- BEGIN generated: benches/webhook-load.sh -->" and its END marker, each alone on a line
#    (appended when absent); the rest of the file is left as it is.
#
# wrk and the server share the machine's cores: the figures are what one machine does running
# both. No figure is asserted; the script reports, it does not judge.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[[ -n "${BINAUTHZ_SETUP_DONE:-}" ]] || bash scripts/setup.sh ffi webhook
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET/webhook-load
RESULTS=${RESULTS:-$ROOT/benches/RESULTS.md}
QUICK=${QUICK:-0}
CONNECTIONS=${CONNECTIONS:-10}
if ((QUICK)); then DURATION=2 RATES="1000 max" ITERATIONS=50 BENCHTIME=100ms; else
  DURATION=10 RATES="100 500 1000 2000 max" ITERATIONS=500 BENCHTIME=1s; fi
rm -rf "$OUT"
mkdir -p "$OUT"
FILES=$OUT/files

echo "== files, the static binauthz-webhook, a certificate"
cargo build --locked --release -q -p binauthz-benches --bin webhook-files
"$TARGET/release/webhook-files" "$FILES"
bash scripts/build-webhook.sh "$OUT/binauthz-webhook" 2> >(grep -v -e 'statically linked applications requires' \
  -e 'in function `std::' -e '^# example.invalid/' >&2)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$FILES/tls.key" -out "$FILES/tls.crt" 2>/dev/null

SERVER_PID=
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" || true; fi
  SERVER_PID=
}
trap stop_server EXIT
# start_server MODE CACHE_ENTRIES: starts it, waits until ready, sets URL.
start_server() {
  "$OUT/binauthz-webhook" --listen 127.0.0.1:0 --tls-cert "$FILES/tls.crt" --tls-key "$FILES/tls.key" \
    --policy "$FILES/policy.json" --attestors "$FILES/attestors.json" --attestations-dir "$FILES/attestations" \
    --cache-entries "$2" >"$OUT/$1-audit.log" 2>"$OUT/$1-server.log" &
  SERVER_PID=$!
  local address=
  for _ in $(seq 200); do
    address=$(grep -o '"address":"[^"]*"' "$OUT/$1-server.log" | head -1 | cut -d'"' -f4 || true)
    [[ -n "$address" ]] && curl -sf --cacert "$FILES/tls.crt" "https://$address/readyz" >/dev/null && break
    sleep 0.1
  done
  [[ -n "$address" ]] || { cat "$OUT/$1-server.log"; echo "binauthz-webhook did not start"; exit 1; }
  URL=https://$address/validate
}

echo "== wrk over HTTPS (${DURATION}s per point, $CONNECTIONS connections, 2 wrk threads)"
: >"$OUT/wrk.jsonl"
for mode in warm cold; do
  entries=10000; [[ $mode == cold ]] && entries=0
  start_server "$mode" "$entries"
  for pod in pod-1 pod-8x5; do
    export BODY=$FILES/$pod.json CONNECTIONS
    # A short run first: the warm engine caches the signature checks, and both warm up.
    RATE=0 wrk -t2 -c"$CONNECTIONS" -d1s -s benches/webhook/post.lua "$URL" >/dev/null
    for rate in $RATES; do
      r=$rate; [[ $rate == max ]] && r=0
      line=$(RATE=$r wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s benches/webhook/post.lua "$URL" | tail -1)
      echo "{\"mode\":\"$mode\",\"pod\":\"$pod\",\"rate\":\"$rate\",\"wrk\":$line}" | tee -a "$OUT/wrk.jsonl"
    done
  done
  stop_server
done

echo "== the engine alone, in Rust (api::json::answer_review, $ITERATIONS times each)"
"$TARGET/release/webhook-files" --measure "$ITERATIONS" | tee "$OUT/rust.jsonl"
echo "== Go's layers (BenchmarkLayers, -benchtime $BENCHTIME)"
(
  cd binauthz-ffi/go
  export GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=1 CGO_LDFLAGS="-L$TARGET/release"
  BINAUTHZ_WEBHOOK_FILES=$FILES go test -count=1 -run '^$' -bench Layers -benchtime "$BENCHTIME" ./cmd/binauthz-webhook
) | tee "$OUT/go.txt"

python3 benches/webhook/report.py "$OUT" "$RESULTS" "$DURATION" "$CONNECTIONS"
