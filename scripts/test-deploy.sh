#!/usr/bin/env bash
# binauthz-webhook as it is shipped: builds the static executable as deploy/Dockerfile does
# (scripts/build-webhook.sh), checks the manifests of deploy/ (deploy/generate.py --check: the
# ConfigMaps carry spec/examples; deploy/check.py: fail-closed registration, exemptions, flags,
# certificate names) and runs the executable exactly as the Deployment says, with the ConfigMaps
# and Secret mounted as the kubelet mounts them, answering the example Deployment over HTTPS.
#   bash scripts/test-deploy.sh      (honours CARGO_TARGET_DIR; default ./target)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[[ -n "${BINAUTHZ_SETUP_DONE:-}" ]] || bash scripts/setup.sh ffi webhook
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET/deploy-test
rm -rf "$OUT"
mkdir -p "$OUT"
# The linker warns that Rust's std could call getpwuid_r and getaddrinfo; the engine does no I/O,
# so neither is ever called (its own code has no file, network or user lookup).
bash scripts/build-webhook.sh "$OUT/binauthz-webhook" 2> >(grep -v -e 'statically linked applications requires' \
  -e 'in function `std::' -e '^# example.invalid/' >&2)
[[ "$(ldd "$OUT/binauthz-webhook" 2>&1)" == *"not a dynamic executable"* ]] ||
  { echo "binauthz-webhook is not static"; exit 1; }
python3 deploy/generate.py --check
python3 deploy/check.py "$OUT/binauthz-webhook" "$OUT/work"
