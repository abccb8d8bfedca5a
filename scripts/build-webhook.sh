#!/usr/bin/env bash
# Builds binauthz-webhook as one static executable (the release C library linked in, glibc linked
# statically, Go's own DNS resolver and user lookup), as the Dockerfile does for its distroless
# image:   bash scripts/build-webhook.sh OUT   (default target/binauthz-webhook)
# Needs cargo and Go (Debian's golang-go 1.19 is enough: the module uses only the standard library).
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/target/binauthz-webhook}")
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cd "$ROOT"
cargo build --locked --release -p binauthz-ffi
export GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=1
export CGO_LDFLAGS="-L$TARGET/release"
cd binauthz-ffi/go
# netgo/osusergo: no glibc NSS at run time, which a static glibc cannot load (and distroless has none).
go build -trimpath -tags netgo,osusergo \
  -ldflags "-s -w -linkmode external -extldflags -static" \
  -o "$OUT" ./cmd/binauthz-webhook
echo "built $OUT ($(du -h "$OUT" | cut -f1))"
