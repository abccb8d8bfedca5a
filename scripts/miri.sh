#!/usr/bin/env bash
# Runs binauthz-core's unit tests for the pure-data modules under miri (undefined behaviour and
# out-of-bounds checks on the parsers): allowlist and its index, base64, the verification cache,
# digest, document, image, names, policy map keys; then binauthz-ffi's unit tests (its unsafe
# code). Everything else is skipped because miri
# interprets about 1,000x slower than native code: the crypto tests (one RSA-4096 verification
# takes minutes), the YAML alias bomb, the oversized-document tests and the 10,000-pattern index
# test (millions of steps), and the tests that
# read spec/ from disk (miri isolates the file system). Those are covered by Wycheproof, fuzzing,
# and the C suite under valgrind and AddressSanitizer. The subset is listed in spec/README.md §12.
#   bash scripts/miri.sh
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
cd "$(dirname "$0")/.."
rustup toolchain list | grep -q '^nightly' || { echo "miri.sh: needs a nightly toolchain" >&2; exit 2; }
[[ ${BINAUTHZ_SETUP_DONE:-} == 1 ]] || bash scripts/setup.sh miri
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
# --no-default-features: no aws-lc (C code miri cannot interpret) and no OpenPGP.
cargo +nightly miri test -p binauthz-core --lib --no-default-features -- \
  allowlist:: base64:: budget:: cache:: digest:: document:: image:: names:: policy::keys \
  reason_list:: untrusted:: \
  --skip alias_bomb --skip oversized --skip ten_thousand --skip differential "$@"
# The C ABI's own unsafe code: its string allocations (message and error report in one buffer),
# out-pointers, the panic guard and every entry point but the crypto.
cargo +nightly miri test -p binauthz-ffi --lib --no-default-features
