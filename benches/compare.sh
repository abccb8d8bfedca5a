#!/usr/bin/env bash
# binauthz measured on this machine, in one run: signature verification side by side — criterion
# verify/* (and verify_rustcrypto/* when the native backend is built), `openssl speed` and Go's
# standard library (benches/go), per algorithm, as µs per verify, verifies/s and ratios — then the
# engine end to end (criterion evaluate/*, compile/*, parse/*, with ratios against the verify
# figures), its memory (the `memory` bench), and optionally the WebAssembly engine in Node against
# the native one, and the price of each binding: the warm one-image decision through Rust (a
# parsed request, and JSON text in and out), the C ABI, Go and WebAssembly in Node, with where the
# time goes. Prints the tables and writes them, with a description of the machine, into
# benches/RESULTS.md between the markers "<!-- BEGIN generated: benches/compare.sh -->" and
# "<!-- END generated: benches/compare.sh -->" (a rerun replaces that section only; the rest of
# the file is hand-written).
#
#   bash benches/compare.sh
#
# Every measurement is of the same signatures: benches/verify-cases.json names the conformance
# cases (spec/conformance/cases) whose key, payload and signature both the Rust and the Go
# benchmarks read. `openssl speed` has its own keys and input (see the footnotes it writes).
#
# Environment:
#   QUICK=1   criterion --quick, `openssl speed -seconds 1`, `go test -benchtime 200ms`, fewer
#             Node runs: a smoke run in about a minute (plus the build); figures are rough.
#   WASM=0    skip the WebAssembly steps. They are skipped anyway, with a message, when node or the
#             Node package (binauthz-wasm/pkg, built by bash binauthz-wasm/build.sh) is missing.
#   GO_BINDING=0  skip the Go binding's row (it builds libbinauthz.a: cargo build --release -p
#             binauthz-ffi). Skipped anyway, with a message, when go is missing.
#   CARGO_TARGET_DIR  honoured; criterion's figures are read from $CARGO_TARGET_DIR/criterion.
#   RESULTS   the markdown file to write (default benches/RESULTS.md; a QUICK=1 smoke run in CI
#             would rather write elsewhere, e.g. RESULTS=$(mktemp)).
#
# Needs cargo, python3, and for their columns openssl, go (Debian's golang-go is enough: the Go
# module has no dependencies and is run with GOTOOLCHAIN=local GOPROXY=off) and node. On 2 cores:
# about 6 minutes after the release build (criterion 1 s warm-up + 3 s for each of 26 benchmarks,
# the memory report, openssl 3 s per algorithm and operation, Go 2 s per benchmark, Node). No
# figure is asserted: the script reports, it does not judge.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CRITERION=$TARGET/criterion
RESULTS=${RESULTS:-$ROOT/benches/RESULTS.md}
QUICK=${QUICK:-0}
WASM=${WASM:-1}
GO_BINDING=${GO_BINDING:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
touch "$WORK/start" # criterion figures older than this are not from this run
T0=$SECONDS
step() { echo; echo "=== $* (t+$((SECONDS - T0))s)"; }

if [[ $QUICK == 1 ]]; then
  CRITERION_ARGS=(--quick)
  OPENSSL_SECONDS=1
  GO_BENCHTIME=200ms
  WASM_RUNS=3 WASM_N=50 WASM_BROWSER_RUNS=1
  BINDING_BATCHES=100 BINDING_PER_BATCH=20 GO_BINDING_COUNT=1
else
  CRITERION_ARGS=(--warm-up-time 1 --measurement-time 3)
  OPENSSL_SECONDS=3
  GO_BENCHTIME=2s
  WASM_RUNS=7 WASM_N=200 WASM_BROWSER_RUNS=3
  BINDING_BATCHES=1000 BINDING_PER_BATCH=50 GO_BINDING_COUNT=3
fi

step "machine"
{
  echo "cpus=$(nproc)"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "uname=$(uname -srm)"
  echo "rustc=$(rustc -V)"
  echo "openssl=$(openssl version 2>/dev/null || echo none)"
  echo "go=$(go version 2>/dev/null || echo none)"
  echo "node=$(node --version 2>/dev/null || echo none)"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "quick=$QUICK"
  echo "criterion_args=${CRITERION_ARGS[*]}"
  echo "openssl_seconds=$OPENSSL_SECONDS"
  echo "go_benchtime=$GO_BENCHTIME"
  echo "go_binding_count=$GO_BINDING_COUNT"
} | tee "$WORK/machine.txt"

step "binauthz: cargo bench -p binauthz-benches --bench verify --bench evaluate --bench bindings -- ${CRITERION_ARGS[*]}"
cargo bench -p binauthz-benches --bench verify --bench evaluate --bench bindings -- "${CRITERION_ARGS[@]}"
step "binauthz: cargo bench -p binauthz-benches --bench memory"
cargo bench -p binauthz-benches --bench memory | tee "$WORK/memory.txt"

step "openssl speed -seconds $OPENSSL_SECONDS"
OPENSSL_ALGS=$(python3 -c 'import json,sys; print(" ".join(c["openssl"] for c in json.load(open(sys.argv[1]))["cases"]))' benches/verify-cases.json)
if command -v openssl >/dev/null; then
  # shellcheck disable=SC2086 # one argument per algorithm
  openssl speed -seconds "$OPENSSL_SECONDS" $OPENSSL_ALGS 2>/dev/null | tee "$WORK/openssl.txt"
else
  echo "openssl is not installed: its column stays empty"
fi

step "go test -bench . -benchtime $GO_BENCHTIME (benches/go)"
if command -v go >/dev/null; then
  (cd benches/go && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod \
    go test -count 1 -bench . -benchtime "$GO_BENCHTIME" .) | tee "$WORK/go.txt"
else
  echo "go is not installed (apt-get install -y golang-go): its column stays empty"
fi

# The Go binding's price: BenchmarkBinding in binauthz-ffi/go, linked with this tree's
# libbinauthz.a (the same release profile the criterion benchmarks use).
if [[ $GO_BINDING == 0 ]]; then
  echo "GO_BINDING=0: no Go binding row" | tee "$WORK/go-binding-skipped.txt"
elif ! command -v go >/dev/null; then
  echo "go is not installed: no Go binding row" | tee "$WORK/go-binding-skipped.txt"
else
  step "Go binding: cargo build --release -p binauthz-ffi, go test -bench BenchmarkBinding -count $GO_BINDING_COUNT (binauthz-ffi/go)"
  if cargo build --locked --release -p binauthz-ffi; then
    (cd binauthz-ffi/go && CGO_LDFLAGS="-L$TARGET/release" GOTOOLCHAIN=local GOPROXY=off \
      GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=1 \
      go test -count "$GO_BINDING_COUNT" -run '^$' -bench '^BenchmarkBinding$' -benchtime "$GO_BENCHTIME" .) |
      tee "$WORK/go-binding.txt"
  else
    echo "cargo build --release -p binauthz-ffi failed: no Go binding row" | tee "$WORK/go-binding-skipped.txt"
  fi
fi

WASM_PKG=$ROOT/binauthz-wasm/pkg
if [[ $WASM == 0 ]]; then
  echo "WASM=0: no WebAssembly step" | tee "$WORK/wasm-skipped.txt"
elif ! command -v node >/dev/null; then
  echo "node is not installed: no WebAssembly step" | tee "$WORK/wasm-skipped.txt"
elif [[ ! -f $WASM_PKG/binauthz_wasm.js ]]; then
  echo "binauthz-wasm/pkg is not built (bash binauthz-wasm/build.sh): no WebAssembly step" |
    tee "$WORK/wasm-skipped.txt"
else
  step "WebAssembly in Node: $WASM_RUNS fresh processes of node benches/wasm-verify.cjs $WASM_N"
  date -u -r "$WASM_PKG/binauthz_wasm_bg.wasm" '+%Y-%m-%d %H:%M UTC' >"$WORK/wasm-built.txt"
  for _ in $(seq "$WASM_RUNS"); do
    node benches/wasm-verify.cjs "$WASM_N" | tee -a "$WORK/wasm.jsonl"
  done
  step "WebAssembly with WebCrypto in Node: $WASM_RUNS fresh processes of node benches/wasm-async.cjs $WASM_N"
  for _ in $(seq "$WASM_RUNS"); do
    node benches/wasm-async.cjs "$WASM_N" | tee -a "$WORK/wasm-async.jsonl"
  done
  step "WebAssembly with WebCrypto in headless Chromium: $WASM_BROWSER_RUNS runs of node benches/wasm-browser.cjs"
  for _ in $(seq "$WASM_BROWSER_RUNS"); do
    # Status 2: no Chromium or no pkg-web, said once and skipped.
    status=0
    node benches/wasm-browser.cjs >>"$WORK/wasm-browser.jsonl" 2>"$WORK/wasm-browser.err" || status=$?
    if [[ $status == 2 ]]; then
      cat "$WORK/wasm-browser.err" | tee "$WORK/wasm-browser-skipped.txt"
      break
    elif [[ $status != 0 ]]; then
      cat "$WORK/wasm-browser.err" >&2
      exit "$status"
    fi
    tail -n 1 "$WORK/wasm-browser.jsonl"
  done
  step "WebAssembly binding: $WASM_RUNS fresh processes of node benches/wasm-binding.cjs $BINDING_BATCHES $BINDING_PER_BATCH"
  for _ in $(seq "$WASM_RUNS"); do
    node benches/wasm-binding.cjs "$BINDING_BATCHES" "$BINDING_PER_BATCH" | tee -a "$WORK/wasm-binding.jsonl"
  done
fi
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >>"$WORK/machine.txt"

step "report ($RESULTS)"
python3 - "$WORK" "$CRITERION" "$RESULTS" "$ROOT" <<'PY'
import json, os, re, statistics, sys

work, criterion, results, root = sys.argv[1:5]
start = os.path.getmtime(os.path.join(work, "start"))
cases = json.load(open(os.path.join(root, "benches", "verify-cases.json")))["cases"]
machine = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(work, "machine.txt")) if "=" in line)


def read(name):
    path = os.path.join(work, name)
    return open(path).read() if os.path.exists(path) else None


# Criterion's benchmarks by full id ("verify/ecdsa_p256" lives in verify/ecdsa_p256/, but
# bench_function("evaluate/x") in evaluate_x/): each new/benchmark.json names its id.
by_id = {}
for directory, _, files in os.walk(criterion):
    if os.path.basename(directory) == "new" and "benchmark.json" in files:
        try:
            by_id[json.load(open(os.path.join(directory, "benchmark.json")))["full_id"]] = directory
        except (OSError, ValueError, KeyError):
            pass


def criterion_us(bench_id):
    """Criterion's median point estimate in µs, and whether this run wrote it."""
    path = os.path.join(by_id.get(bench_id, "/nonexistent"), "estimates.json")
    if not os.path.exists(path):
        return None, False
    return json.load(open(path))["median"]["point_estimate"] / 1000, os.path.getmtime(path) >= start


def fresh_criterion_us(bench_id):
    us, fresh = criterion_us(bench_id)
    return us if fresh else None


def openssl_verifies_per_s(text):
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^rsa\s+(\d+)\s+bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)\s*$", line)
        if m:
            out["rsa" + m.group(1)] = float(m.group(3))
        m = re.match(r"^\s*\d+\s+bits\s+ecdsa\s+\(nistp(\d+)\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)\s*$", line)
        if m:
            out["ecdsap" + m.group(1)] = float(m.group(3))
    return out


def go_us(text):
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^BenchmarkVerify/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
        if m:
            out[m.group(1)] = float(m.group(2)) / 1000
    return out


def cell(us):
    if us is None:
        return "n/a"
    return f"{us:,.1f} µs ({1e6 / us:,.0f}/s)"


def ratio(ours, theirs):
    return "n/a" if ours is None or theirs is None else f"{ours / theirs:,.2f}×"


ossl = openssl_verifies_per_s(read("openssl.txt"))
go = go_us(read("go.txt"))
native_ids = any(fresh_criterion_us(f"verify_rustcrypto/{c['id']}") is not None for c in cases)
columns = [("binauthz `verify/*`" + (" (default backend: native)" if native_ids else ""), "verify")]
if native_ids:
    columns.append(("binauthz `verify_rustcrypto/*`", "verify_rustcrypto"))
missing = [f"verify/{c['id']}" for c in cases if fresh_criterion_us(f"verify/{c['id']}") is None]
if missing:
    sys.exit(f"compare.sh: criterion wrote no estimate in this run for {', '.join(missing)} (under {criterion})")

header = ["algorithm"] + [name for name, _ in columns] + ["OpenSSL¹", "Go²"]
short = {"verify": "binauthz", "verify_rustcrypto": "RustCrypto"}
for _, group in columns:
    header += [f"{short[group]} ÷ OpenSSL", f"{short[group]} ÷ Go"]
rows = []
for c in cases:
    ours = {group: fresh_criterion_us(f"{group}/{c['id']}") for _, group in columns}
    o = 1e6 / ossl[c["openssl"]] if c["openssl"] in ossl else None
    g = go.get(c["id"])
    row = [f"`{c['id']}`"] + [cell(ours[group]) for _, group in columns] + [cell(o), cell(g)]
    for _, group in columns:
        row += [ratio(ours[group], o), ratio(ours[group], g)]
    rows.append(row)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


verify_table = table(header, rows)
criterion_how = "`" + machine["criterion_args"] + "`"


def load1(text):
    try:
        return float(text.split()[0])
    except (IndexError, ValueError):
        return 0.0


loaded = max(load1(machine.get("load_before", "")), load1(machine.get("load_after", ""))) > float(machine["cpus"])
lines = [
    "<!-- BEGIN generated: benches/compare.sh -->",
    "## Signature verification: binauthz, OpenSSL and Go",
    "",
    "_Generated by `bash benches/compare.sh` on " + machine["date"] + "; a rerun replaces this section._",
    "",
    f"Machine: {machine['cpus']} CPUs, {machine['cpu']}, {machine['uname']}; {machine['rustc']}; "
    f"{machine['openssl']}; {machine['go']}; Node {machine['node']}. "
    f"Load average (1, 5, 15 min) before / after: {machine['load_before']} / {machine.get('load_after', 'unknown')}"
    + (" — **above the CPU count: other work competed for the CPUs during this run**, so every "
       "figure is slower than on an idle machine" if loaded else "")
    + ". The machine is small and may be shared with other builds, so take single figures as "
    "±20 % and compare columns of one run, not runs.",
    "",
    "Time per verification of one valid signature (the verifications per second in brackets), "
    "over the key, payload and signature of the conformance case named in "
    "`benches/verify-cases.json`. A ratio is **binauthz's time ÷ the other's time: below 1× "
    "binauthz is faster, above 1× it is slower** (lower is better for binauthz).",
    "",
    verify_table,
    "",
    f"binauthz: criterion's median ({criterion_how}) of one `PkixKey::verify` (hash the payload, "
    "decode the signature, verify), key parsed beforehand."
    + (" `verify/*` is the engine's default backend (native, AWS-LC via aws-lc-rs); "
       "`verify_rustcrypto/*` is `verify_with(Backend::RustCrypto, ..)`, the pure-Rust path "
       "(and the one WebAssembly uses)." if native_ids else ""),
    "",
    f"¹ `openssl speed -seconds {machine['openssl_seconds']} "
    + " ".join(c["openssl"] for c in cases) + "`, its verify/s. It uses its own keys and "
    "input and does not do what a binauthz verification does: it hashes nothing (it verifies a "
    "fixed 20-byte digest for ECDSA, a 36-byte block for RSA), and its RSA figure is the raw "
    "public-key operation with a PKCS#1 v1.5 type-1 padding check, with no DigestInfo and no "
    "PSS, so `rsa_pss_2048` is compared with plain `rsa2048`. Read it as the floor of what the "
    "arithmetic costs on this machine.",
    "",
    f"² `go test -bench . -benchtime {machine['go_benchtime']}` in "
    "`benches/go` (standard library only: `ecdsa.VerifyASN1`, `rsa.VerifyPSS` with "
    "`PSSSaltLengthEqualsHash`, `rsa.VerifyPKCS1v15`), ns/op; each operation hashes the payload "
    "and verifies, over the same bytes as binauthz.",
    "",
]


def us_cell(us):
    return "n/a" if us is None else (f"{us * 1000:,.0f} ns" if us < 10 else f"{us:,.1f} µs")


def memory_figures(text):
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^(memory/\S+): (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


ev = {i: fresh_criterion_us(i) for i in [
    "evaluate/cold_1img_1att_p256", "evaluate/warm_1img_1att_p256",
    "evaluate/pod_8img_5att_cold", "evaluate/pod_8img_5att_warm",
    "evaluate/allowlist_10", "evaluate/allowlist_10000",
    "evaluate/attestor_keys_10", "evaluate/attestor_keys_1000",
    "compile/policy_1000_rules", "parse/policy_yaml", "parse/occurrences_100"]}
ossl_p256 = 1e6 / ossl["ecdsap256"] if "ecdsap256" in ossl else None
go_p256 = go.get("ecdsa_p256")
verify_p256 = fresh_criterion_us("verify/ecdsa_p256")
cold, warm = ev["evaluate/cold_1img_1att_p256"], ev["evaluate/warm_1img_1att_p256"]
pod_cold, pod_warm = ev["evaluate/pod_8img_5att_cold"], ev["evaluate/pod_8img_5att_warm"]
al10, al10k = ev["evaluate/allowlist_10"], ev["evaluate/allowlist_10000"]
keys10, keys1k = ev["evaluate/attestor_keys_10"], ev["evaluate/attestor_keys_1000"]


engine_rows = [
    ["`evaluate/cold_1img_1att_p256`", us_cell(cold),
     f"{ratio(cold, ossl_p256)} OpenSSL's P-256 verify, {ratio(cold, go_p256)} Go's, {ratio(cold, verify_p256)} our bare `verify/ecdsa_p256` (goal ≤ 1.0× OpenSSL)"],
    ["`evaluate/warm_1img_1att_p256`", us_cell(warm),
     f"cold ÷ warm = {ratio(cold, warm)} (goal: warm ≤ 1 µs)"],
    ["`evaluate/pod_8img_5att_cold`", us_cell(pod_cold),
     f"40 verifications: {us_cell(None if pod_cold is None else pod_cold / 40)} each; {ratio(pod_cold, 40 * go_p256 if go_p256 else None)} of 40 Go verifies"],
    ["`evaluate/pod_8img_5att_warm`", us_cell(pod_warm), f"cold ÷ warm = {ratio(pod_cold, pod_warm)}"],
    ["`evaluate/allowlist_10`", us_cell(al10), "two images: one allowlisted by the last pattern, one by the last namespace rule"],
    ["`evaluate/allowlist_10000`", us_cell(al10k), f"10,000 ÷ 10 patterns and rules = {ratio(al10k, al10)} (goal: flat)"],
    ["`evaluate/attestor_keys_10`", us_cell(keys10), "warm, one attestor with 10 keys, signed by the last"],
    ["`evaluate/attestor_keys_1000`", us_cell(keys1k), f"1,000 ÷ 10 keys = {ratio(keys1k, keys10)} (goal: flat)"],
    ["`compile/policy_1000_rules`", us_cell(ev["compile/policy_1000_rules"]), "parse and compile 1,000 cluster rules and 200 attestors (200 P-256 keys)"],
    ["`parse/policy_yaml`", us_cell(ev["parse/policy_yaml"]), "spec/examples/policy.yaml"],
    ["`parse/occurrences_100`", us_cell(ev["parse/occurrences_100"]), "100 gcloud occurrences as JSON"],
]


def natural(text):
    """Sort key that orders `threads_2` before `threads_16`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def plan_note(bench_id, us):
    """What a plan-path or parallel row is compared with (spec §7.3; issue 19's goals)."""
    cold, pod = ev.get("evaluate/cold_1img_1att_p256"), ev.get("evaluate/pod_8img_5att_cold")
    if bench_id == "evaluate_plan/cold_1img_1att_p256":
        return f"plan, verify here, decide ÷ `evaluate/cold_1img_1att_p256` = {ratio(us, cold)}"
    if bench_id == "evaluate_plan/pod_8img_5att_cold":
        return f"plan, verify here, decide ÷ `evaluate/pod_8img_5att_cold` = {ratio(us, pod)}"
    if bench_id == "evaluate_plan/plan_only_pod_8img_5att":
        share = f"{100 * us / pod:.1f}%" if pod else "n/a"
        return f"the planning pass alone: {share} of `evaluate/pod_8img_5att_cold`"
    if bench_id.startswith("evaluate_parallel/pod_8img_5att_cold_"):
        threads = int(re.search(r"(\d+)threads$", bench_id).group(1))
        single = fresh_criterion_us("verify/ecdsa_p256")
        cores = min(threads, int(machine.get("cpus", "1") or 1))
        ideal = 40 * single / cores if single else None
        return (
            f"{ratio(pod, us)} faster than `evaluate/pod_8img_5att_cold`; "
            f"÷ (40 × `verify/ecdsa_p256` ÷ {cores} cores = {us_cell(ideal) if ideal else 'n/a'}) "
            f"= {ratio(us, ideal)} (goal ≤ 1.2×)"
        )
    return "benches/benches/evaluate.rs"


# Benchmarks of plan-based and parallel evaluation (benches/benches/evaluate.rs): whatever ids
# under these prefixes criterion wrote in this run, listed after the other evaluate/* rows.
extra_rows = []
for prefix in ("evaluate_plan/", "evaluate_parallel/"):
    for bench_id in sorted((i for i in by_id if i.startswith(prefix)), key=natural):
        us = fresh_criterion_us(bench_id)
        if us is not None:
            extra_rows.append([f"`{bench_id}`", us_cell(us), plan_note(bench_id, us)])
at = next((k for k, row in enumerate(engine_rows) if row[0].startswith("`compile/")), len(engine_rows))
engine_rows[at:at] = extra_rows
mem = memory_figures(read("memory.txt"))
lines += [
    "### Decisions: the engine end to end",
    "",
    f"Criterion medians ({criterion_how}) from this run, of `Engine::evaluate` on a parsed request "
    "(benches/benches/evaluate.rs; scenarios in benches/scenarios.rs: deterministic P-256 keys, "
    "genuine signatures over gcloud's payload, every decision checked to admit before timing). "
    "*Cold* has the verification cache off, so every signature is verified; *warm* has every "
    "conclusion cached (spec §7.1).",
    "",
    table(["benchmark", "median", "ratios"], engine_rows),
    "",
    "Memory (`cargo bench -p binauthz-benches --bench memory`, resident-set growth read from "
    "/proc/self/statm, so allocator slack is included):",
    "",
] + ([f"- `{k}`: {v}" for k, v in sorted(mem.items())] or ["- no memory figures in this run"]) + [""]



# ---- The price of each binding (issue 19): one warm decision, through each binding. ----
def go_binding_us(text):
    """BenchmarkBinding's sub-benchmarks in µs: the median of the -count runs of each."""
    runs = {}
    for line in (text or "").splitlines():
        m = re.match(r"^BenchmarkBinding/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
        if m:
            runs.setdefault(m.group(1), []).append(float(m.group(2)) / 1000)
    return {name: statistics.median(v) for name, v in runs.items()}


S = "warm_1img_1att_p256"
gob = go_binding_us(read("go-binding.txt"))
wb_runs = [json.loads(l) for l in (read("wasm-binding.jsonl") or "").splitlines() if l.strip()]


def wb(key):
    """A wasm-binding.cjs figure in µs: the median across its Node processes."""
    return statistics.median(r[key] for r in wb_runs) / 1000 if wb_runs and key in wb_runs[0] else None


def diff(a, b):
    return None if a is None or b is None else a - b


def plus(us, base):
    d = diff(us, base)
    return "n/a" if d is None else f"{'+' if d >= 0 else '−'}{abs(d):,.2f} µs ({ratio(us, base)})"


def fine(us):
    """µs with two decimals: the pieces are small."""
    return "n/a" if us is None else f"{us:,.2f} µs"


rust_parsed, rust_json = warm, fresh_criterion_us("json/" + S)
ffi_us, go_us_total, wasm_us = fresh_criterion_us("ffi/" + S), gob.get(S), wb("evaluate_ns")
GOAL = 5.0


def goal(us):
    d = diff(us, rust_json)
    return "n/a" if d is None else ("met" if d <= GOAL else "**not met**")


price_rows = [
    ["Rust: `Engine::evaluate` on a parsed `Request`", f"`evaluate/{S}`", fine(rust_parsed), "—", "—", "—"],
    ["Rust: JSON text in, JSON text out (`api::json::evaluate`, what the bindings call)", f"`json/{S}`",
     fine(rust_json), plus(rust_json, rust_parsed), "—", "—"],
]
absent = []
for name, bench_id, us, missing in [
    ("C ABI: `binauthz_engine_evaluate` + `binauthz_string_free`", f"`ffi/{S}`", ffi_us,
     "criterion wrote no `ffi/" + S + "` in this run"),
    ("Go: `Engine.Evaluate` (encoding/json both ways, cgo)", f"`go/{S}`", go_us_total,
     (read("go-binding-skipped.txt") or "no Go binding figures in this run").strip()),
    ("WebAssembly in Node: `engine.evaluate(text)` → object", f"`wasm/{S}`", wasm_us,
     (read("wasm-skipped.txt") or "no WebAssembly binding figures in this run").strip()),
]:
    if us is None:
        absent.append(f"{name.split(':')[0]}: {missing}.")
        continue
    price_rows.append([name, bench_id, fine(us), plus(us, rust_parsed), plus(us, rust_json), goal(us)])

parse_us = fresh_criterion_us("json/parse_request_1img_1att_p256")
write_us = fresh_criterion_us("json/serialize_decision_1img_1att_p256")
parts = [parse_us, rust_parsed, write_us]
sizes = ""
if wb_runs:
    sizes = f" ({wb_runs[0]['request_bytes']:,} bytes of request, {wb_runs[0]['decision_bytes']:,} of decision)"
where = [
    ["Rust", "parse the request text into a `Request`", "`json/parse_request_1img_1att_p256`", fine(parse_us)],
    ["Rust", "… of which the JSON syntax alone, for reference (serde_json into a `Value`)",
     "`json/parse_value_1img_1att_p256`", fine(fresh_criterion_us("json/parse_value_1img_1att_p256"))],
    ["Rust", "decide (the conclusion from the cache)", f"`evaluate/{S}`", fine(rust_parsed)],
    ["Rust", "write the decision as JSON text", "`json/serialize_decision_1img_1att_p256`", fine(write_us)],
    ["Rust", "the three, timed apart / together", f"sum / `json/{S}`",
     ("n/a" if None in parts else f"{sum(parts):,.2f}") + f" / {fine(rust_json)}"],
]
if ffi_us is not None:
    where.append(["C ABI", "the entry point around it: panic guard, UTF-8 check, the decision copied "
                  "into the string handed out, and its free", f"`ffi/{S}` − `json/{S}`", fine(diff(ffi_us, rust_json))])
if gob:
    ej = gob.get("evaluate_json_1img_1att_p256")
    go_parts = [ej, gob.get("marshal_request_1img_1att_p256"), gob.get("unmarshal_decision_1img_1att_p256")]
    where += [
        ["Go", "one cgo call that does nothing (`Version`)", "`go/cgo_call`", fine(gob.get("cgo_call"))],
        ["Go", "`EvaluateJSON`: the C ABI's work, cgo, the engine's lock, the decision copied into Go "
         f"(`C.GoBytes`); {plus(ej, ffi_us)} over `ffi/{S}`", "`go/evaluate_json_1img_1att_p256`", fine(ej)],
        ["Go", "encode the `Request` (encoding/json)", "`go/marshal_request_1img_1att_p256`", fine(go_parts[1])],
        ["Go", "decode the `Decision` (encoding/json)", "`go/unmarshal_decision_1img_1att_p256`", fine(go_parts[2])],
        ["Go", "`EvaluateJSON` + encode + decode, timed apart / together", f"sum / `go/{S}`",
         ("n/a" if None in go_parts else f"{sum(go_parts):,.2f}") + f" / {fine(go_us_total)}"],
    ]
if wb_runs:
    glue = [wb("copy_in_ns"), wb("copy_out_ns"), wb("json_parse_ns")]
    inside = None if wasm_us is None or None in glue else wasm_us - sum(glue)
    where += [
        ["WebAssembly", "copy the request string into the module's memory (the glue's loop)", "`copy_in_ns`", fine(glue[0])],
        ["WebAssembly", "copy the decision text out (`TextDecoder`)", "`copy_out_ns`", fine(glue[1])],
        ["WebAssembly", "`JSON.parse` of the decision into the object returned", "`json_parse_ns`", fine(glue[2])],
        ["WebAssembly", "one call into the module returning a short string (`version()`)", "`call_ns`", fine(wb("call_ns"))],
        ["WebAssembly", "the rest: the core's `api::json::evaluate` compiled to WebAssembly, and the calls "
         f"in between (÷ the same code natively, `json/{S}`: {ratio(inside, rust_json)})",
         f"`wasm/{S}` − the three copies and the parse", fine(inside)],
    ]

lines += [
    "### The price of each binding",
    "",
    "The warm one-image decision of `evaluate/" + S + "` (one image, one attestor, one P-256 "
    "attestation, the verification cache holding the conclusion) through each binding, over the "
    "same bytes (benches/fixtures/" + S + ", checked equal to benches/scenarios.rs's by "
    "benches/tests/bindings.rs), every decision checked to admit before timing. Rust, C: criterion "
    f"medians ({criterion_how}, benches/benches/evaluate.rs and benches/benches/bindings.rs)."
    + (f" Go: `go test -bench BenchmarkBinding -benchtime {machine['go_benchtime']} -count "
       f"{machine.get('go_binding_count', '1')}` in binauthz-ffi/go, the median of the counts' ns/op."
       if gob else "")
    + (f" WebAssembly: `node benches/wasm-binding.cjs {wb_runs[0]['batches']} {wb_runs[0]['per_batch']}` "
       f"in {len(wb_runs)} fresh Node {wb_runs[0]['node']} processes (per process the median over "
       "batches of calls on one warm engine, after as many untimed calls; the median across "
       f"processes: per-process figures from {min(r['evaluate_ns'] for r in wb_runs) / 1000:,.2f} to "
       f"{max(r['evaluate_ns'] for r in wb_runs) / 1000:,.2f} µs), package `{wb_runs[0]['package']}`."
       if wb_runs else "")
    + " Overhead = the binding's time − Rust's (its ratio in brackets). "
    f"Goal (issue 19): each binding adds at most {GOAL:g} µs over Rust's JSON path.",
    "",
    table(["binding", "id", "median", "over Rust, parsed request", "over Rust, JSON in and out",
           f"goal ≤ {GOAL:g} µs"], price_rows),
    "",
] + ([f"Not measured in this run: {' '.join(absent)}", ""] if absent else []) + [
    "Where the time goes" + sizes + ": each piece measured alone (the ids above, or the named "
    "figure of wasm-binding.cjs), differences of two measured figures marked with −. Pieces timed "
    "apart need not add up exactly to the whole: caches are warmer in a loop of one piece.",
    "",
    table(["binding", "piece", "measured as", "time"], where),
    "",
]

wasm = read("wasm.jsonl")
skipped = read("wasm-skipped.txt")
lines += ["### WebAssembly in Node: cold verify against native", ""]
if wasm:
    runs = [json.loads(l) for l in wasm.splitlines() if l.strip()]
    med = lambda key: statistics.median(r[key] for r in runs)
    cold, fresh = med("cold_us"), med("fresh_median_us")
    # What the WebAssembly figures are compared with: the native evaluation of the same case
    # when criterion has it, and the native verification alone, with each backend.
    refs = []
    earlier = " (**from an earlier run**, not this one)"
    eval_us, eval_fresh = criterion_us("evaluate/cold_1img_1att_p256")
    if eval_us is not None:
        refs.append((
            "`evaluate/cold_1img_1att_p256`: the same work natively (one image, one P-256 "
            "attestation, verification cache off, so every evaluation verifies)"
            + ("" if eval_fresh else earlier),
            eval_us,
        ))
    refs.append(("`verify/ecdsa_p256`: the verification alone, native default backend", fresh_criterion_us("verify/ecdsa_p256")))
    rc = fresh_criterion_us("verify_rustcrypto/ecdsa_p256")
    if rc is not None:
        refs.append(("`verify_rustcrypto/ecdsa_p256`: the verification alone, native RustCrypto (the code WebAssembly runs)", rc))
    built = (read("wasm-built.txt") or "").strip()
    r0 = runs[0]
    lines += [
        f"`node benches/wasm-verify.cjs {r0['n']}` in {len(runs)} fresh Node {r0['node']} "
        f"processes (medians across them), package `{r0['package']}` (built {built}), case "
        f"`{r0['case']}` (the key, payload and signature of `verify/ecdsa_p256`). "
        "Goal (issue #8): WebAssembly ≤ 3× native.",
        "",
        table(["WebAssembly in Node", "time"], [
            ["load the package (read, compile and instantiate the .wasm)", f"{med('load_us'):,.1f} µs"],
            ["first `new Engine(config)`", f"{med('compile_us'):,.1f} µs"],
            ["first `evaluate` in the process (**cold**)", f"{cold:,.1f} µs"],
            [f"`new Engine(config)`, median of the next {r0['n']}", f"{med('compile_median_us'):,.1f} µs"],
            [f"`evaluate` on a fresh engine, median of {r0['n']} (**warm code, no engine state**); "
             f"per-process medians from {min(r['fresh_median_us'] for r in runs):,.1f} to "
             f"{max(r['fresh_median_us'] for r in runs):,.1f} µs", f"{fresh:,.1f} µs"],
        ]),
        "",
        table(["native reference (criterion median, this machine)", "native", "cold ÷ native", "fresh engine ÷ native"], [
            [what, f"{us:,.1f} µs", f"{cold / us:,.1f}×", f"{fresh / us:,.1f}×"] for what, us in refs if us is not None
        ]),
        "",
        "Ratios are WebAssembly time ÷ native time (lower is better for WebAssembly). "
        "`evaluate` is timed alone, on an engine built just before it, with the request as JSON "
        "text: it also parses the request, matches the image, builds the decision and converts it "
        "to a JS object, work that the `verify/*` references do not include"
        + (", so ratios against them overstate the WebAssembly overhead" if eval_us is None
           else "; `evaluate/cold_1img_1att_p256` does the same work natively, but takes the "
           "request parsed")
        + ". The cold figure is mostly V8 compiling the module's functions on first use.",
        "",
    ]
else:
    lines += [(skipped or "No WebAssembly figures.").strip(), ""]

# ---- evaluateAsync: the plan verified by the host's WebCrypto (spec §7.3, issue 19) ----
lines += ["### WebAssembly with WebCrypto: `evaluateAsync` in Node and Chromium", ""]
node_runs = [json.loads(l) for l in (read("wasm-async.jsonl") or "").splitlines() if l.strip()]
chrome_runs = [json.loads(l) for l in (read("wasm-browser.jsonl") or "").splitlines() if l.strip()]
if node_runs or chrome_runs:
    native = fresh_criterion_us("evaluate/cold_1img_1att_p256")

    def async_cell(runs, key):
        if not runs or any(key not in r for r in runs):
            return "n/a"
        us = statistics.median(r[key] for r in runs)
        return f"{us_cell(us)} ({ratio(us, native)})"

    rows = [
        ["`evaluate` on a fresh engine (the in-module verifier)", "evaluate_median_us"],
        ["`await evaluateAsync` on a fresh engine (**cold**: the key is imported first)", "async_cold_median_us"],
        ["`await evaluateAsync`, key imported, cache off (**warm engine, cold signature**)", "async_warm_median_us"],
        ["`await evaluateAsync`, the cache answers (WebCrypto not asked)", "async_cached_median_us"],
    ]
    described = []
    if node_runs:
        described.append(f"`node benches/wasm-async.cjs {node_runs[0]['n']}` in {len(node_runs)} fresh Node "
                         f"{node_runs[0]['node']} processes")
    if chrome_runs:
        c0 = chrome_runs[0]
        isolated = {True: "yes", False: "no"}.get(c0.get("cross_origin_isolated"), "n/a")
        described.append(f"`node benches/wasm-browser.cjs` {len(chrome_runs)} times in headless "
                         f"Chromium {c0.get('chromium', '')} on pkg-web (cross-origin isolated: "
                         f"{isolated})")
    lines += [
        "One image, one P-256 attestation (the case of `verify/ecdsa_p256`), medians across runs: "
        + "; ".join(described) + ". In brackets, ÷ the native default `evaluate/cold_1img_1att_p256` "
        f"of this run ({us_cell(native)}); issue 19's goal for an async decision is ≤ 1.5×.",
        "",
        table(["one-image P-256 decision", "Node", "Chromium"],
              [[what, async_cell(node_runs, key), async_cell(chrome_runs, key)] for what, key in rows]),
        "",
    ]
    browser_skipped = read("wasm-browser-skipped.txt")
    if browser_skipped:
        lines += [f"Chromium: {browser_skipped.strip()}", ""]
else:
    lines += [(skipped or "No evaluateAsync figures.").strip(), ""]
lines.append("<!-- END generated: benches/compare.sh -->")
section = "\n".join(lines) + "\n"

if os.path.exists(results):
    text = open(results).read()
else:
    text = "# Benchmark results\n\n"
# Only a marker alone on its line counts: prose that quotes a marker (the page's introduction
# does) once made a rerun replace everything from the prose on, and a stale copy of the
# hand-written sections stayed behind.
rows = text.split("\n")
begin_marker = "<!-- BEGIN generated: benches/compare.sh -->"
end_marker = "<!-- END generated: benches/compare.sh -->"
if begin_marker in rows and end_marker in rows and rows.index(begin_marker) < rows.index(end_marker):
    i, j = rows.index(begin_marker), rows.index(end_marker)
    rest = "\n".join(rows[j + 1:]).lstrip("\n")
    text = "\n".join(rows[:i]) + ("\n" if i else "") + section + ("\n" + rest if rest else "")
else:
    text = text.rstrip("\n") + "\n\n" + section
with open(results + ".tmp", "w") as f:
    f.write(text)
os.replace(results + ".tmp", results)
print(section)
PY
step "done"
