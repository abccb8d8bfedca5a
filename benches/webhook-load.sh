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

python3 - "$OUT" "$RESULTS" "$DURATION" "$CONNECTIONS" <<'PY'
import json, pathlib, platform, re, subprocess, sys
out, results, duration, connections = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = [json.loads(l) for l in (out / "wrk.jsonl").read_text().splitlines() if l.strip()]
bad = [r for r in runs if r["wrk"]["bad"] or r["wrk"]["errors"]]
rust = {(r["pod"], r["mode"]): r["ns"] for r in map(json.loads, (out / "rust.jsonl").read_text().split())}
go = {m[0]: float(m[1]) for m in re.findall(r"BenchmarkLayers/(\S+?)-\d+\s+\d+\s+([\d.]+) ns/op", (out / "go.txt").read_text())}
ms = lambda us: f"{us / 1000:.2f}"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
lines = ["<!-- BEGIN generated: benches/webhook-load.sh -->", "",
         "### binauthz-webhook under load (generated by benches/webhook-load.sh)", "",
         f"{nproc} CPUs ({cpu}), {platform.system()} {platform.release()}; wrk and the server share them. "
         f"{(wrk.stdout or wrk.stderr).split(chr(10))[0].strip()} over HTTPS (TLS 1.3, keep-alive), "
         f"{connections} connections, 2 threads, {duration} s per row; the server logs an audit line per decision. "
         "`rate` is the target (`max`: as fast as it answers); `achieved` what wrk measured. "
         "Latencies in milliseconds.", "",
         "| engine cache | pod | rate | achieved req/s | p50 | p90 | p99 | p99.9 | max | bad |",
         "|---|---|---|---|---|---|---|---|---|---|"]
for r in runs:
    w = r["wrk"]
    lines.append(f"| {r['mode']} | {r['pod']} | {r['rate']} | {w['requests'] / w['seconds']:.0f} | {ms(w['p50_us'])} | "
                 f"{ms(w['p90_us'])} | {ms(w['p99_us'])} | {ms(w['p999_us'])} | {ms(w['max_us'])} | {w['bad'] + w['errors']} |")
lines += ["", "Where one review's time goes (mean, microseconds; each layer includes those above it):", "",
          "| layer | pod-1 warm | pod-1 cold | pod-8x5 warm | pod-8x5 cold |", "|---|---|---|---|---|"]
cases = [("pod-1", "warm"), ("pod-1", "cold"), ("pod-8x5", "warm"), ("pod-8x5", "cold")]
us = lambda v: "–" if v is None else f"{v / 1000:.1f}"
lines.append("| engine, Rust: `answer_review` (read the review and attestations, decide, write the answer) | "
             + " | ".join(us(rust.get(c)) for c in cases) + " |")
for layer, what in [("evaluate_json", "Go → C ABI `EvaluateJSON` of {images, attestations} (no review)"),
                    ("answer_review", "Go → C ABI `AnswerReview` (the review; the answer decoded up to the audit record)"),
                    ("handler", "Go `/validate` handler, no network (extract images, directory source, AnswerReview, audit line, metrics)")]:
    lines.append(f"| {what} | " + " | ".join(us(go.get(f"{layer}/{p}/{m}")) for p, m in cases) + " |")
https = {(r["pod"], r["mode"]): r["wrk"]["p50_us"] * 1000 for r in runs if r["rate"] in ("100", "1000") and
         (r["rate"] == "100" or not any(x["rate"] == "100" for x in runs))}
lines.append("| over HTTPS: wrk's p50 at the lowest fixed rate (TLS, HTTP, the kernel, wrk) | "
             + " | ".join(us(https.get(c)) for c in cases) + " |")
lines.append(f"| one cgo call that does nothing (`binauthz.Version`) | {us(go.get('cgo'))} | | | |")
lines += ["", "<!-- END generated: benches/webhook-load.sh -->"]
section = "\n".join(lines) + "\n"
print(section)
text = results.read_text() if results.exists() else ""
begin, end = lines[0], lines[-1]
rows = text.split("\n")
# Only a marker alone on its line counts: prose that mentions the markers is left alone.
if begin in rows and end in rows and rows.index(begin) < rows.index(end):
    i, j = rows.index(begin), rows.index(end)
    text = "\n".join(rows[:i]) + ("\n" if i else "") + section + "\n".join(rows[j + 1:])
else:
    text = text.rstrip("\n") + ("\n\n" if text else "") + section
results.write_text(text)
print(f"written to {results}")
if bad:
    sys.exit(f"{len(bad)} wrk runs had responses that were not allowing AdmissionReviews or errors: {bad}")
PY
