#!/usr/bin/env python3
"""Writes the platform-policy worked example (spec/README.md §15.7) beside this file.

Python 3.11 standard library and the `openssl` CLI. It reuses the project example's keys
(../keys) and attestations (../attestations.json): the cosign signature is made with the
built-by-ci key over cosign's own payload bytes (SHA-256), verified with openssl before use.
The expected outcome is in README.md; `binauthz-cli/tests/platform.rs` checks it.
"""
import base64
import json
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent
API = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6"
WORKER = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff"
REPORTS_REPO = "us-docker.pkg.dev/acme/tools/reports"
REPORTS_DIGEST = "5b0f7e3f9c2d4a1b8e6f0a9d3c7b2e1f4a8d6c0b9e3f7a2d5c1b8e4f0a6d9c3b"
REPORTS = f"{REPORTS_REPO}@sha256:{REPORTS_DIGEST}"
MINER = "docker.io/cryptominer/xmrig:latest"


def cosign_payload(repo: str, digest_hex: str) -> bytes:
    return ('{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":'
            '"sha256:%s"},"type":"cosign container image signature"},"optional":null}'
            % (repo, digest_hex)).encode()


def sign(payload: bytes) -> bytes:
    key = EXAMPLES / "keys" / "built-by-ci.pem"
    with tempfile.NamedTemporaryFile() as f:
        f.write(payload)
        f.flush()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key), f.name],
                             capture_output=True, check=True).stdout
        subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(EXAMPLES / "keys" / "built-by-ci.pub.pem"),
                        "-signature", "/dev/stdin", f.name], input=sig, capture_output=True, check=True)
    return sig


def pod(ns, name, sa, *images):
    spec = {"containers": [{"name": f"c{i}", "image": im} for i, im in enumerate(images)]}
    if sa:
        spec["serviceAccountName"] = sa
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def main() -> None:
    payload = cosign_payload(REPORTS_REPO, REPORTS_DIGEST)
    line = {"Base64Signature": base64.b64encode(sign(payload)).decode(),
            "Payload": base64.b64encode(payload).decode(), "Cert": None, "Chain": None, "Bundle": None,
            "RFC3161Timestamp": None}
    (HERE / "cosign-signatures.jsonl").write_text(json.dumps(line, separators=(",", ":")) + "\n")
    pods = {"apiVersion": "v1", "kind": "List", "items": [
        pod("payments", "api-7d4b9", "payments-api", API),
        pod("payments", "worker-5f8c2", None, WORKER),
        pod("tools", "reports-28190", "reporter", REPORTS),
        pod("default", "miner", None, MINER),
    ], "metadata": {"resourceVersion": ""}}
    (HERE / "pods.json").write_text(json.dumps(pods, indent=2) + "\n")
    images = [{"name": f"projects/acme/locations/us/repositories/payments/dockerImages/api@sha256:{API.split(':')[-1]}",
               "uri": API, "uploadTime": "2026-11-02T09:15:00Z"},
              {"name": f"projects/acme/locations/us/repositories/payments/dockerImages/worker@sha256:{WORKER.split(':')[-1]}",
               "uri": WORKER, "uploadTime": "2026-06-01T10:00:00Z"}]
    (HERE / "docker-images.json").write_text(json.dumps(images, indent=2) + "\n")
    def scan(image):
        return {"name": f"projects/acme/occurrences/scan-{image[-8:]}", "kind": "DISCOVERY",
                "resourceUri": f"https://{image}", "noteName": "projects/goog-analysis/notes/PACKAGE_VULNERABILITY",
                "discovery": {"analysisStatus": "FINISHED_SUCCESS"}}
    def vuln(image, cve, severity, fix):
        return {"name": f"projects/acme/occurrences/{cve}-{image[-8:]}", "kind": "VULNERABILITY",
                "resourceUri": f"https://{image}", "noteName": f"projects/goog-vulnz/notes/{cve}",
                "vulnerability": {"effectiveSeverity": severity, "fixAvailable": fix, "shortDescription": cve}}
    vulns = {"occurrences": [scan(API), vuln(API, "CVE-2024-45490", "MEDIUM", True),
                             vuln(API, "CVE-2023-4911", "HIGH", False),
                             scan(WORKER), vuln(WORKER, "CVE-2024-6387", "HIGH", True)]}
    (HERE / "vulnerabilities.json").write_text(json.dumps(vulns, indent=2) + "\n")


if __name__ == "__main__":
    main()
