#!/usr/bin/env bash
# The C ABI and Go suites of binauthz-ffi (binauthz-ffi/README.md, "Tests"). Installs what a fresh
# machine lacks through `scripts/setup.sh ffi` (gcc, valgrind, pkg-config, python3/openssl, Go from
# the distribution, cbindgen 0.29.4), then: header drift check, release builds, the C suite
# natively / under valgrind / under ASan+UBSan / against the shipped libraries / on fresh vectors,
# the exported symbols, the Go package (vet, race tests, fresh vectors), and the README examples.
#   bash scripts/test-ffi.sh         (honours CARGO_TARGET_DIR; default ./target)
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0 CARGO_NET_RETRY=5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TARGET=$CARGO_TARGET_DIR
OUT=$TARGET/ffi-test
FFI=$ROOT/binauthz-ffi
CASES=$ROOT/spec/conformance/cases
# BINAUTHZ_PLATFORM_CASES runs the platform-policy runners (C, Go) on another directory.
PLATFORM_CASES=${BINAUTHZ_PLATFORM_CASES:-$ROOT/spec/conformance/platform/cases}
VERSION=$(awk -F'"' '/^version/ {print $2; exit}' Cargo.toml)
T0=$SECONDS
step() { echo; echo "=== $* (t+$((SECONDS - T0))s)"; }
mkdir -p "$OUT"

# ---- tools: scripts/setup.sh ffi (test-all.sh has run all of setup.sh already) ----
step "tools"
[[ ${BINAUTHZ_SETUP_DONE:-} == 1 ]] || bash scripts/setup.sh ffi
echo "$(cc --version | head -1); $(valgrind --version); $(go version); $(cbindgen --version)"

# ---- 1. the checked-in header is what cbindgen generates ----
step "header: binauthz-ffi/include/binauthz.h matches $(cbindgen --version)"
if ! cbindgen --config "$FFI/cbindgen.toml" --verify --output "$FFI/include/binauthz.h" "$FFI/src/lib.rs"; then
  cbindgen --config "$FFI/cbindgen.toml" --output "$OUT/binauthz.h" "$FFI/src/lib.rs"
  diff -u "$FFI/include/binauthz.h" "$OUT/binauthz.h" || true
  echo "the header drifted from src/lib.rs; regenerate it:"
  echo "  cbindgen --config binauthz-ffi/cbindgen.toml --output binauthz-ffi/include/binauthz.h binauthz-ffi/src/lib.rs"
  exit 1
fi

# ---- 2. libraries: the test build (with the panic hook), then the shipped one ----
step "cargo build --release -p binauthz-ffi (test-panic build, then the shipped build)"
cargo build --locked --release -p binauthz-ffi --features test-panic
cp "$TARGET/release/libbinauthz.a" "$OUT/libbinauthz_test.a"
cargo build --locked --release -p binauthz-ffi
LIB=$TARGET/release

step "exported symbols: exactly the header's functions, no test hook in the shipped library"
grep -oE '^[a-z].* \**(binauthz_[a-z_]+)\(' "$FFI/include/binauthz.h" | grep -oE 'binauthz_[a-z_]+' |
  grep -v '^binauthz_test_' | sort >"$OUT/header.syms"
# readelf, not nm: binutils' nm gives up on objects that carry LLVM bitcode.
exported() { readelf -W "$@" 2>/dev/null | awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" {print $8}' |
  grep '^binauthz_' | sort -u; }
exported --dyn-syms "$LIB/libbinauthz.so" >"$OUT/so.syms"
exported --syms "$LIB/libbinauthz.a" >"$OUT/a.syms"
exported --syms "$OUT/libbinauthz_test.a" >"$OUT/test.syms"
diff -u "$OUT/header.syms" "$OUT/so.syms"
diff -u "$OUT/header.syms" "$OUT/a.syms"
grep -qx binauthz_test_panic "$OUT/test.syms" || { echo "the test build lacks binauthz_test_panic"; exit 1; }
echo "$(wc -l <"$OUT/so.syms") functions: $(tr '\n' ' ' <"$OUT/so.syms")"

# ---- 3. the C suite ----
CFLAGS=(-std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Wpedantic -Werror -g -I"$FFI/include")
SRC=("$FFI/tests/c/test_ffi.c" "$FFI/tests/c/hostile.c" "$FFI/tests/c/hostile_review.c" "$FFI/tests/c/json.c"
  "$FFI/tests/c/platform.c")
LIBS=(-lpthread -ldl -lm)
# Rust prints the panic of the panic-guard test to stderr; keep it short.
export RUST_BACKTRACE=0

step "C: every conformance case (and platform-policy case), error paths, 8 threads, panic guard"
cc "${CFLAGS[@]}" -O1 -DBINAUTHZ_TEST_PANIC "${SRC[@]}" "$OUT/libbinauthz_test.a" "${LIBS[@]}" -o "$OUT/test_ffi"
"$OUT/test_ffi" "$CASES" "$VERSION" "$PLATFORM_CASES"

step "C under valgrind (memcheck: leaks and invalid accesses are errors)"
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --log-file="$OUT/valgrind.log" "$OUT/test_ffi" "$CASES" "$VERSION" "$PLATFORM_CASES"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|All heap blocks' "$OUT/valgrind.log" | sed 's/^==[0-9]*== //'

step "C under AddressSanitizer + UndefinedBehaviorSanitizer"
cc "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  -DBINAUTHZ_TEST_PANIC "${SRC[@]}" "$OUT/libbinauthz_test.a" "${LIBS[@]}" -o "$OUT/test_ffi_asan"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$OUT/test_ffi_asan" "$CASES" "$VERSION" "$PLATFORM_CASES"

step "C against the shipped static and shared libraries"
cc "${CFLAGS[@]}" -O2 "${SRC[@]}" "$LIB/libbinauthz.a" "${LIBS[@]}" -o "$OUT/test_ffi_static"
cc "${CFLAGS[@]}" -O2 "${SRC[@]}" -L"$LIB" -lbinauthz -Wl,-rpath,"$LIB" -o "$OUT/test_ffi_shared"
[[ "$(ldd "$OUT/test_ffi_shared")" == *"$LIB/libbinauthz.so"* ]] || { echo "not linked to $LIB/libbinauthz.so"; exit 1; }
"$OUT/test_ffi_static" "$CASES" "$VERSION" "$PLATFORM_CASES" | tail -1
"$OUT/test_ffi_shared" "$CASES" "$VERSION" "$PLATFORM_CASES" | tail -1
if command -v c++ >/dev/null; then
  echo '#include "binauthz.h"' | c++ -x c++ -Wall -Werror -fsyntax-only -I"$FFI/include" - && echo "header compiles as C++"
fi

step "C and Go on freshly generated conformance vectors (new keys and signatures)"
rm -rf "$OUT/conformance-fresh"
python3 spec/conformance/generate.py --out "$OUT/conformance-fresh" >/dev/null
"$OUT/test_ffi_static" "$OUT/conformance-fresh/cases" "$VERSION" "$PLATFORM_CASES" | tail -1

# The runners must notice a wrong expectation: two mutated cases must fail, in C and in Go; and
# three mutated platform cases (a response, CV events, an error's path).
rm -rf "$OUT/conformance-mutated" && cp -r "$CASES" "$OUT/conformance-mutated"
rm -rf "$OUT/platform-mutated" && cp -r "$PLATFORM_CASES" "$OUT/platform-mutated"
python3 - "$OUT/conformance-mutated" "$OUT/platform-mutated" <<'PY'
import json, pathlib, sys
done = set()
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    case = json.loads(path.read_text())
    if "expect" in case and "decision" not in done:
        case["expect"]["images"][0]["verdict"] = "MUTATED"; done.add("decision")
    elif "expectError" in case and "error" not in done:
        case["expectError"]["code"] = "mutated"; done.add("error")
    else:
        continue
    path.write_text(json.dumps(case))
for path in sorted(pathlib.Path(sys.argv[2]).glob("*.json")):
    case = json.loads(path.read_text())
    if "response" in case and "response" not in done:
        case["response"]["verdict"] = "MUTATED"; done.add("response")
    elif "cvEvents" in case and "cvEvents" not in done:
        case["cvEvents"].append({"configErrorEvent": {"description": "MUTATED"}}); done.add("cvEvents")
    elif "expectError" in case and "platform error" not in done:
        case["expectError"]["path"] = "mutated"; done.add("platform error")
    else:
        continue
    path.write_text(json.dumps(case))
PY
if "$OUT/test_ffi_static" "$OUT/conformance-mutated" "$VERSION" "$OUT/platform-mutated" >"$OUT/mutated-c.log" 2>&1 ||
  ! grep -q "^conformance: [0-9]* cases, 2 failed" "$OUT/mutated-c.log" ||
  ! grep -q "^platform conformance: [0-9]* cases, 3 failed" "$OUT/mutated-c.log"; then
  cat "$OUT/mutated-c.log"; echo "the C runner did not catch the two mutated cases and the three mutated platform cases"; exit 1
fi
echo "C runner on 2 mutated cases: $(grep '^conformance:' "$OUT/mutated-c.log")"
echo "C runner on 3 mutated platform cases: $(grep '^platform conformance:' "$OUT/mutated-c.log")"
# Nor may an empty platform directory pass.
mkdir -p "$OUT/platform-empty"
if "$OUT/test_ffi_static" "$CASES" "$VERSION" "$OUT/platform-empty" >"$OUT/empty-c.log" 2>&1 ||
  ! grep -q "no platform conformance cases" "$OUT/empty-c.log"; then
  cat "$OUT/empty-c.log"; echo "the C runner passed without platform cases"; exit 1
fi

# ---- 4. Go ----
export GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=1
export CGO_LDFLAGS="-L$LIB"
(
  cd "$FFI/go"
  BINAUTHZ_CONFORMANCE_CASES="$OUT/conformance-fresh/cases" go test -count=1 -run Conformance .
  if BINAUTHZ_CONFORMANCE_CASES="$OUT/conformance-mutated" go test -count=1 -run Conformance . \
      >"$OUT/mutated-go.log" 2>&1 || ! grep -q "[0-9]* passed, 2 failed" "$OUT/mutated-go.log"; then
    cat "$OUT/mutated-go.log"; echo "the Go runner did not catch the two mutated cases"; exit 1
  fi
  echo "Go runner on 2 mutated cases: $(grep -o '[0-9]* passed, 2 failed' "$OUT/mutated-go.log")"
  if BINAUTHZ_PLATFORM_CASES="$OUT/platform-mutated" go test -count=1 -run PlatformConformance . \
      >"$OUT/platform-mutated-go.log" 2>&1 || ! grep -q "platform: [0-9]* passed, 3 failed" "$OUT/platform-mutated-go.log"; then
    cat "$OUT/platform-mutated-go.log"; echo "the Go runner did not catch the three mutated platform cases"; exit 1
  fi
  echo "Go runner on 3 mutated platform cases: $(grep -o 'platform: [0-9]* passed, 3 failed' "$OUT/platform-mutated-go.log")"
  if BINAUTHZ_PLATFORM_CASES="$OUT/platform-empty" go test -count=1 -run PlatformConformance . \
      >"$OUT/platform-empty-go.log" 2>&1 || ! grep -q "no platform conformance cases" "$OUT/platform-empty-go.log"; then
    cat "$OUT/platform-empty-go.log"; echo "the Go runner passed without platform cases"; exit 1
  fi
  step "Go: gofmt, go vet, go test -race"
  unformatted=$(gofmt -l .)
  [[ -z "$unformatted" ]] || { echo "gofmt -l: $unformatted"; exit 1; }
  go vet ./...
  go test -count=1 -race ./...
  # The binding benchmark of benches/compare.sh, one iteration each: its setup checks the decision
  # admits the image from the cache; no timing is looked at.
  go test -count=1 -run '^$' -bench '^BenchmarkBinding$' -benchtime 1x . >/dev/null
)

# ---- 5. the README examples, extracted from binauthz-ffi/README.md ----
step "README examples: compile and run them as written"
extract() { awk -v marker="<!-- example: $1 -->" '
  $0 == marker {found = 1; next}
  found && /^```/ {if (inside) exit; inside = 1; next}
  inside {print}' "$FFI/README.md"; }
mkdir -p "$OUT/example-c" "$OUT/example-go" "$OUT/pkgconfig"
extract c >"$OUT/example-c/example.c"
extract go >"$OUT/example-go/main.go"
[[ -s "$OUT/example-c/example.c" && -s "$OUT/example-go/main.go" ]] || { echo "README examples not found"; exit 1; }
echo "C example: $(wc -l <"$OUT/example-c/example.c") lines; Go example: $(wc -l <"$OUT/example-go/main.go") lines"
sed -e "s|@PREFIX@|$TARGET|; s|@LIBDIR@|$LIB|; s|@INCLUDEDIR@|$FFI/include|; s|@VERSION@|$VERSION|" \
  "$FFI/binauthz.pc.in" >"$OUT/pkgconfig/binauthz.pc"
export PKG_CONFIG_PATH="$OUT/pkgconfig"
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -Wall -Wextra -Werror "$OUT/example-c/example.c" $(pkg-config --cflags --libs binauthz) -Wl,-rpath,"$LIB" \
  -o "$OUT/example-c/example"
cc -Wall -Wextra -Werror -I"$FFI/include" "$OUT/example-c/example.c" "$LIB/libbinauthz.a" "${LIBS[@]}" \
  -o "$OUT/example-c/example-static"
for binary in example example-static; do
  printed=$("$OUT/example-c/$binary")
  [[ "$printed" == 'ok: {"allowed":false,'* && "$printed" == *'Denied by always_deny admission rule'* ]] ||
    { echo "C example printed: $printed"; exit 1; }
done
echo "C example: ${printed:0:120}..."
(
  cd "$OUT/example-go"
  cat >go.mod <<EOF
module example

go 1.19

require example.invalid/binauthz/binauthz-ffi/go v0.0.0

replace example.invalid/binauthz/binauthz-ffi/go => $FFI/go
EOF
  [[ -z "$(gofmt -l main.go)" ]] || { echo "the Go example is not gofmt-clean"; gofmt -d main.go; exit 1; }
  go vet . && go build -o example .
  { echo "policy:"; sed 's/^/  /' "$ROOT/spec/examples/policy.yaml"
    echo "attestors:"; sed 's/^/  /' "$ROOT/spec/examples/attestors.yaml"; } >config.yaml
  printed=$(./example config.yaml us-docker.pkg.dev/acme/base-images/migrate:1.2)
  [[ "$printed" == "true 1 image admitted" ]] || { echo "Go example printed: $printed"; exit 1; }
  printed=$(./example config.yaml us-docker.pkg.dev/acme/payments/api:v1.4.2)
  [[ "$printed" == "false Image us-docker.pkg.dev/acme/payments/api:v1.4.2 denied"* ]] ||
    { echo "Go example printed: $printed"; exit 1; }
  echo "Go example: $printed"
)

step "C ABI and Go suites passed"
