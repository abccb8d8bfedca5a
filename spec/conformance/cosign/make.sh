#!/usr/bin/env bash
# Regenerates the cosign signature vectors of this directory with OpenSSL (see README.md).
# ECDSA signatures are randomized, so each run writes new (equally valid) signatures.
set -euo pipefail
cd "$(dirname "$0")"
keys=../keys
repo=us-docker.pkg.dev/acme/payments/api
digest=sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6
other=sha256:0000000000000000000000000000000000000000000000000000000000000000

# The payload exactly as cosign signs it (Go json.Marshal of sigstore's SimpleContainerImage):
# no white space, no trailing newline. binauthz-core/tests/cosign.rs checks these bytes against
# binauthz_core::cosign_signature_payload.
payload() {
  printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' "$1" "$2"
}
payload "$repo" "$digest" > payload.json
payload "$repo" "$other" > payload-other-digest.json

# One `cosign download signature` line: Go's json.Marshal of cosign's SignedPayload.
line() { # key file, digest name, payload file
  local sig
  sig=$(openssl dgst "-$2" -sign "$keys/$1.pem" "$3" | base64 -w0)
  printf '{"Base64Signature":"%s","Payload":"%s","Cert":null,"Chain":null,"Bundle":null,"RFC3161Timestamp":null}\n' \
    "$sig" "$(base64 -w0 < "$3")"
}

# Genuine: cosign verifies every one with SHA-256, whatever the key.
{
  line ec-p256 sha256 payload.json
  line ec-p384 sha256 payload.json
  line ec-p521 sha256 payload.json
  line rsa-2048 sha256 payload.json # openssl's default RSA padding: PKCS#1 v1.5
} > signatures.jsonl

# Must be rejected: a P-384 signature over SHA-384 (the PKIX pairing, not cosign's).
line ec-p384 sha384 payload.json > p384-sha384.jsonl
# Verifies, but the payload signs another digest: the payload check must refuse it.
line ec-p256 sha256 payload-other-digest.json > other-digest.jsonl

# Self-check with OpenSSL itself: line i of signatures.jsonl is the i-th key above.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
i=0
for k in ec-p256 ec-p384 ec-p521 rsa-2048; do
  i=$((i + 1))
  sed -n "${i}p" signatures.jsonl | sed 's/.*"Base64Signature":"\([^"]*\)".*/\1/' | base64 -d > "$tmp"
  openssl dgst -sha256 -verify "$keys/$k.pub.pem" -signature "$tmp" payload.json > /dev/null
done
echo "cosign vectors written and verified by openssl"
