#!/usr/bin/env python3
"""Regenerate the binauthz example set in spec/examples/.

Usage:  python3 spec/examples/generate.py

Python 3.11 standard library plus the `openssl` command (OpenSSL 3.0). Writes:

  keys/               two throwaway signing keys (private keys included: they are examples)
  policy.yaml         the project policy, as `gcloud container binauthz policy export` prints it
  attestors.yaml      the two attestors, as `gcloud container binauthz attestors describe` prints them
  attestations.json   attestation occurrences, as `gcloud container binauthz attestations list
                      --format=json` prints them
  deployment.yaml     a Deployment whose images the example evaluates
  README.md           what each file is and what evaluating it gives

Every run makes new keys and signatures; the outcomes described in README.md do not change.
Signatures are made exactly as the GCP docs describe (gcloud's payload, `openssl dgst -sign`) and
verified with openssl before they are written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS_DIR = HERE / "keys"

PROJECT = "acme"
CI = "projects/acme/attestors/built-by-ci"
CI_NOTE = "projects/acme/notes/built-by-ci"
SCAN = "projects/acme/attestors/security-scan"
SCAN_NOTE = "projects/acme/notes/security-scan"
CI_KEY_ID = ("//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/binauthz/"
             "cryptoKeys/built-by-ci/cryptoKeyVersions/1")

API_REPO = "us-docker.pkg.dev/acme/payments/api"
WORKER_REPO = "us-docker.pkg.dev/acme/payments/worker"
API_DIGEST = hashlib.sha256(b"acme/payments/api:v1.4.2").hexdigest()
WORKER_DIGEST = hashlib.sha256(b"acme/payments/worker:v1.4.2").hexdigest()
API = f"{API_REPO}@sha256:{API_DIGEST}"
WORKER = f"{WORKER_REPO}@sha256:{WORKER_DIGEST}"
API_TAG = f"{API_REPO}:v1.4.2"
MIGRATE = "us-docker.pkg.dev/acme/base-images/migrate:1.2"


# ---------------------------------------------------------------------------------------------
# Keys and signatures (openssl)
# ---------------------------------------------------------------------------------------------

def openssl(*args: str | Path, input: bytes | None = None) -> bytes:
    r = subprocess.run(["openssl", *map(str, args)], capture_output=True, input=input)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args))} failed: {r.stderr.decode()}")
    return r.stdout


class Key:
    def __init__(self, name: str, genpkey_opts: list[str], digest: str, sigopts: list[str]):
        self.path = KEYS_DIR / f"{name}.pem"
        self.pub_path = KEYS_DIR / f"{name}.pub.pem"
        self.digest = digest
        self.sigopts = sigopts
        openssl("genpkey", "-quiet", *genpkey_opts, "-out", self.path)
        openssl("pkey", "-in", self.path, "-pubout", "-out", self.pub_path)
        self.pem = self.pub_path.read_text()
        der = openssl("pkey", "-pubin", "-in", self.pub_path, "-outform", "DER")
        # The id GCP derives for a PKIX key given without one (RFC 6920, spec §2.2).
        self.default_id = "ni:///sha-256;" + base64.urlsafe_b64encode(
            hashlib.sha256(der).digest()).rstrip(b"=").decode()

    def sign(self, payload: bytes, scratch: Path) -> bytes:
        data = scratch / "payload.json"
        sig = scratch / "signature.bin"
        data.write_bytes(payload)
        openssl("dgst", f"-{self.digest}", *self.sigopts, "-sign", self.path, "-out", sig, data)
        out = openssl("dgst", f"-{self.digest}", *self.sigopts, "-verify", self.pub_path,
                      "-signature", sig, data)
        assert b"Verified OK" in out
        return sig.read_bytes()


def make_keys() -> tuple[Key, Key]:
    ci = Key("built-by-ci", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                             "-pkeyopt", "ec_param_enc:named_curve"], "sha256", [])
    scan = Key("security-scan", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], "sha256",
               ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
                "-sigopt", "rsa_mgf1_md:sha256"])
    (KEYS_DIR / "README.md").write_text(
        "# Example keys\n\n"
        "Throwaway keys made by `../generate.py`: `built-by-ci` (ECDSA P-256) and `security-scan`\n"
        "(RSA 3072, used with RSA-PSS SHA-256). The private keys are here so the example can be\n"
        "re-signed; they sign nothing but these examples. Never trust them anywhere.\n")
    return ci, scan


def signature_payload(repo: str, digest_hex: str) -> bytes:
    """Byte-identical to `gcloud container binauthz create-signature-payload` (spec §6)."""
    d = {"critical": {"identity": {"docker-reference": repo},
                      "image": {"docker-manifest-digest": f"sha256:{digest_hex}"},
                      "type": "Google cloud binauthz container signature"}}
    return (json.dumps(d, ensure_ascii=True, indent=2, separators=(",", ": "), sort_keys=True)
            + "\n").encode()


def occurrence(occ_id: str, repo: str, digest_hex: str, note: str, key: Key, key_id: str,
               created: str, scratch: Path) -> dict:
    payload = signature_payload(repo, digest_hex)
    return {
        "attestation": {
            "serializedPayload": base64.b64encode(payload).decode(),
            "signatures": [{"publicKeyId": key_id,
                            "signature": base64.b64encode(key.sign(payload, scratch)).decode()}],
        },
        "createTime": created,
        "kind": "ATTESTATION",
        "name": f"projects/acme/occurrences/{occ_id}",
        "noteName": note,
        "resourceUri": f"https://{repo}@sha256:{digest_hex}",
        "updateTime": created,
    }


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

def indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.rstrip("\n").split("\n"))


POLICY_YAML = """\
# Binary Authorization policy for project acme, in the shape
# `gcloud container binauthz policy export` prints (and `policy import` reads).
#
# Evaluation order (spec/README.md §7): breakglass, Google system images, the allowlist,
# then exactly one rule: the namespace rule when the pod's namespace has one, else the default.
name: projects/acme/policy

# ENABLE exempts Google's documented system images (gke.gcr.io/**, k8s.gcr.io/**, ...)
# before anything else, so GKE's own pods keep working.
globalPolicyEvaluationMode: ENABLE

# Images that need no attestation. `**` is a prefix match that crosses `/`, so every
# image under base-images/ (any tag or digest) is admitted.
admissionWhitelistPatterns:
- namePattern: us-docker.pkg.dev/acme/base-images/**

# Everything else must be deployed by digest and attested by both attestors.
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/acme/attestors/built-by-ci
  - projects/acme/attestors/security-scan

# The staging namespace only needs the CI attestation, and only in dry run: violations are
# admitted and logged (verdict DRY_RUN_VIOLATION) while teams onboard.
kubernetesNamespaceAdmissionRules:
  staging:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: DRYRUN_AUDIT_LOG_ONLY
    requireAttestationsBy:
    - projects/acme/attestors/built-by-ci
"""


def attestors_yaml(ci: Key, scan: Key) -> str:
    return f"""\
# The attestors the policy names, as a YAML list of what
# `gcloud container binauthz attestors describe ATTESTOR --format=yaml` prints.
# (`delegationServiceAccountEmail` and `updateTime` are output-only and ignored.)

# Signs every image the CI pipeline builds from the main branch, with a Cloud KMS
# ECDSA P-256 key; `id` is the KMS key version, as `gcloud ... public-keys add --keyversion` sets it.
- name: {CI}
  description: Images built by the acme CI pipeline from the main branch
  updateTime: '2025-02-20T08:30:00.000000Z'
  userOwnedGrafeasNote:
    delegationServiceAccountEmail: service-123456789012@gcp-sa-binaryauthorization.iam.gserviceaccount.com
    noteReference: {CI_NOTE}
    publicKeys:
    - id: {CI_KEY_ID}
      pkixPublicKey:
        publicKeyPem: |
{indent(ci.pem, 10)}        signatureAlgorithm: ECDSA_P256_SHA256

# Signs images whose vulnerability scan passed, with a local RSA 3072 key (RSA-PSS, SHA-256).
# The key was added without --public-key-id-override, so its id is the one GCP derives:
# ni:///sha-256; + base64url(SHA-256 of the DER public key).
- name: {SCAN}
  description: Images whose vulnerability scan found no critical issues
  updateTime: '2025-02-21T16:05:00.000000Z'
  userOwnedGrafeasNote:
    delegationServiceAccountEmail: service-123456789012@gcp-sa-binaryauthorization.iam.gserviceaccount.com
    noteReference: {SCAN_NOTE}
    publicKeys:
    - id: '{scan.default_id}'
      pkixPublicKey:
        publicKeyPem: |
{indent(scan.pem, 10)}        signatureAlgorithm: RSA_PSS_3072_SHA256
"""


DEPLOYMENT_YAML = f"""\
# A Deployment in namespace `payments`. Its pod has three images:
#  - migrate (init container): from base-images, allowlisted by the policy;
#  - api: deployed by digest, attested by built-by-ci and security-scan;
#  - worker: deployed by digest, attested by built-by-ci only (its scan is missing).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  namespace: payments
  labels:
    app: payments
spec:
  replicas: 3
  selector:
    matchLabels:
      app: payments
  template:
    metadata:
      labels:
        app: payments
    spec:
      serviceAccountName: payments
      initContainers:
      - name: migrate
        image: {MIGRATE}
        args: ["--database", "payments", "--to", "latest"]
      containers:
      - name: api
        image: {API}
        ports:
        - containerPort: 8080
      - name: worker
        image: {WORKER}
        args: ["--queue", "settlements"]
"""

SIDECAR = "us-docker.pkg.dev/acme/base-images/envoy:1.30"

CLOUD_RUN_YAML = f"""\
# The api as a Cloud Run service, as `gcloud run services describe payments-api --region
# us-central1 --format export` prints it (spec/README.md §13). Binary Authorization is enabled
# with the project policy (`gcloud run services update --binary-authorization=default`); the
# revision runs two containers:
#  - api: deployed by digest, attested by built-by-ci and security-scan;
#  - envoy (a sidecar): from base-images, allowlisted by the policy (a `**` pattern, which Cloud
#    Run accepts: it names no tag).
# Cloud Run applies only the default rule, so the policy's staging namespace rule never applies
# here, and metadata.namespace is the project, not a Kubernetes namespace.
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: payments-api
  namespace: acme
  labels:
    cloud.googleapis.com/location: us-central1
  annotations:
    run.googleapis.com/binary-authorization: default
    run.googleapis.com/ingress: all
spec:
  template:
    metadata:
      name: payments-api-00042-abc
      annotations:
        autoscaling.knative.dev/maxScale: '10'
    spec:
      serviceAccountName: payments-api@acme.iam.gserviceaccount.com
      containers:
      - name: api
        image: {API}
        ports:
        - containerPort: 8080
      - name: envoy
        image: {SIDECAR}
"""


def readme(scan: Key) -> str:
    return f"""\
# Example: the acme payments service

A small, realistic Binary Authorization setup, in the formats gcloud prints, for trying
binauthz offline. Made by `generate.py` (new keys and signatures on every run; the outcomes
below never change).

| file | what it is | how you would get it from GCP |
|---|---|---|
| `policy.yaml` | the project policy (commented) | `gcloud container binauthz policy export` |
| `attestors.yaml` | the two attestors the policy names | `gcloud container binauthz attestors describe NAME` for each |
| `attestations.json` | three attestation occurrences | `gcloud container binauthz attestations list --attestor=NAME --format=json` |
| `deployment.yaml` | a Deployment in namespace `payments` | your manifests |
| `cloud-run-service.yaml` | the api as a Cloud Run service with a sidecar | `gcloud run services describe payments-api --format export` |
| `keys/` | the signing keys (throwaway; private keys included) | - |
| `policy_test.yaml` | policy tests of the outcomes below (`binauthz test spec/examples`, spec/README.md §14) | - |
| `signed_test.yaml` | policy tests that sign their attestations with `keys/` when they run | - |

## The policy

- `globalPolicyEvaluationMode: ENABLE`: Google's documented system images are exempt.
- Allowlist `us-docker.pkg.dev/acme/base-images/**`: base images need no attestation.
- Default rule: `REQUIRE_ATTESTATION` by **both** `{CI}`
  (ECDSA P-256, a Cloud KMS key) and `{SCAN}` (RSA-PSS 3072), enforced.
- Namespace `staging`: `REQUIRE_ATTESTATION` by `built-by-ci` only, `DRYRUN_AUDIT_LOG_ONLY`.

## The images and their attestations

| image | built-by-ci | security-scan |
|---|---|---|
| `us-docker.pkg.dev/acme/payments/api@sha256:{API_DIGEST[:12]}…` | yes | yes |
| `us-docker.pkg.dev/acme/payments/worker@sha256:{WORKER_DIGEST[:12]}…` | yes | **no** |
| `{MIGRATE}` | no | no |

Each occurrence's `serializedPayload` is exactly what
`gcloud container binauthz create-signature-payload --artifact-url=IMAGE` prints, signed with
`openssl dgst -sha256 -sign` (RSA-PSS with `-sigopt rsa_padding_mode:pss -sigopt
rsa_pss_saltlen:digest`). The built-by-ci key's id is its Cloud KMS key version; the
security-scan key was added without an explicit id, so its id is the one GCP derives from the key
(`ni:///sha-256;` + base64url of the SHA-256 of the DER public key, here
`{scan.default_id}`), and its occurrences name that id.

## Expected outcomes

Evaluate with the policy, the attestors and the attestations, from this directory (flags as
in `binauthz evaluate --help`):

```sh
binauthz evaluate --policy policy.yaml --attestor attestors.yaml \\
    --attestations attestations.json --image IMAGE [--namespace NS]
```

| image | context | result |
|---|---|---|
| api by digest | none (or namespace `payments`) | **ALLOWED**: default rule, both attestors satisfied (reason `attested`) |
| worker by digest | none (or namespace `payments`) | **DENIED**: default rule; `built-by-ci` is satisfied but `security-scan` has no attestation (reasons `attested`, `noAttestation`) |
| worker by digest | `--namespace staging` | **ALLOWED**: the staging rule needs only `built-by-ci`, which the worker has |
| `us-docker.pkg.dev/acme/payments/api:v1.4.2` (tag) | none | **DENIED**: `REQUIRE_ATTESTATION` needs a digest (reason `tagReference`), before attestations are looked at |
| `us-docker.pkg.dev/acme/payments/api:v1.4.2` (tag) | `--namespace staging` | admitted as **DRY_RUN_VIOLATION**: the staging rule is violated (`tagReference`) but runs in dry run |
| `{MIGRATE}` | any | **ALLOWED** at stage `allowlist` (pattern `us-docker.pkg.dev/acme/base-images/**`) |
| `gke.gcr.io/kube-proxy:v1` | any | **ALLOWED** at stage `systemImage` (`globalPolicyEvaluationMode: ENABLE`) |

The Deployment's pod (namespace `payments`, images migrate, api and worker) is **denied**,
because a pod is admitted only if every image is, and the worker lacks the security-scan
attestation:

```sh
binauthz evaluate --policy policy.yaml --attestor attestors.yaml \\
    --attestations attestations.json --namespace payments \\
    --image {MIGRATE} \\
    --image {API} \\
    --image {WORKER}
```

The denial reads like GKE's:

```text
Image {WORKER} denied by Binary Authorization default admission rule. Image {WORKER} denied by attestor {SCAN}: No attestations found that were valid and signed by a key trusted by the attestor (…)
```

where binauthz adds its specific reason in the parentheses (spec/README.md §8.4).

Deploying the same pod with `--breakglass` admits it (verdict `BREAKGLASS` for the worker) and
records what would have happened.

## Cloud Run

`cloud-run-service.yaml` is the api as a Cloud Run service (spec/README.md §13), with Binary
Authorization enabled (`run.googleapis.com/binary-authorization: default`) and an envoy sidecar:

```sh
binauthz evaluate --policy policy.yaml --attestor attestors.yaml \\
    --attestations attestations.json --manifest cloud-run-service.yaml
```

Both containers are **ALLOWED**: the api by the default rule (both attestors satisfied), the
sidecar `{SIDECAR}` by the allowlist. The decision has `"platform": "cloudRun"` and a note that
the policy's namespace rules do not apply on Cloud Run. Without the annotation the service is
not checked at all (stage `notEnabled`); `--assume-enabled` evaluates it anyway. Adding
`run.googleapis.com/binary-authorization-breakglass: JUSTIFICATION` (what
`gcloud run services update --breakglass=JUSTIFICATION` sets) admits a denied revision as
`BREAKGLASS`, with the justification in the decision and the audit record.

## Regenerating

```sh
python3 spec/examples/generate.py
```
"""


def main() -> None:
    shutil.rmtree(KEYS_DIR, ignore_errors=True)
    KEYS_DIR.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="binauthz-examples-"))
    try:
        ci, scan = make_keys()
        occurrences = [
            occurrence("1d2c8f0e-5b7a-4c3e-9f21-6a4d8b0e7c15", API_REPO, API_DIGEST, CI_NOTE, ci,
                       CI_KEY_ID, "2025-03-14T09:12:03.481516Z", scratch),
            occurrence("8e41b7d2-0c6f-4a95-b3e8-2f7d9c1a5e60", API_REPO, API_DIGEST, SCAN_NOTE, scan,
                       scan.default_id, "2025-03-14T09:31:47.092653Z", scratch),
            occurrence("c5f09a3b-7e2d-4b18-8d64-0a9e3f6b2c47", WORKER_REPO, WORKER_DIGEST, CI_NOTE, ci,
                       CI_KEY_ID, "2025-03-14T09:12:05.589793Z", scratch),
        ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    (HERE / "policy.yaml").write_text(POLICY_YAML)
    (HERE / "attestors.yaml").write_text(attestors_yaml(ci, scan))
    (HERE / "attestations.json").write_text(json.dumps(occurrences, indent=2) + "\n")
    (HERE / "deployment.yaml").write_text(DEPLOYMENT_YAML)
    (HERE / "cloud-run-service.yaml").write_text(CLOUD_RUN_YAML)
    (HERE / "README.md").write_text(readme(scan))
    print(f"wrote {HERE.relative_to(HERE.parent.parent)}: policy.yaml, attestors.yaml, "
          "attestations.json, deployment.yaml, cloud-run-service.yaml, README.md, keys/")


if __name__ == "__main__":
    main()
