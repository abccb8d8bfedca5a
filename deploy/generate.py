#!/usr/bin/env python3
"""Writes deploy/policy.yaml and deploy/attestations.yaml, the ConfigMaps binauthz-webhook reads,
from spec/examples (the policy, its attestors and their attestations). scripts/test-deploy.sh
fails when the checked-in files differ from what this prints, so the manifests always carry the
shipped examples. To deploy your own policy, replace the ConfigMaps' data (README, "Roll a
policy"); to refresh these after changing spec/examples: python3 deploy/generate.py"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "spec" / "examples"


def block(key, text):
    lines = text.rstrip("\n").split("\n")
    return f"  {key}: |\n" + "".join(f"    {line}\n" if line else "\n" for line in lines)


def config_map(name, comment, data):
    out = "".join(f"# {line}\n" if line else "#\n" for line in comment.split("\n"))
    out += f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: binauthz-system\ndata:\n"
    for key, text in data:
        out += block(key, text) if "\n" in text else f"  {key}: {text}\n"
    return out


FILES = {
    "policy.yaml": config_map(
        "binauthz-policy",
        "The policy binauthz-webhook enforces (--policy), its attestors (--attestors) and this cluster's\n"
        "LOCATION.CLUSTER_ID for cluster-specific rules (--cluster-file). Generated from spec/examples by\n"
        "deploy/generate.py. Edit and apply: the webhook compiles the new policy within --reload-interval\n"
        "after the kubelet updates the mount (up to a minute), and keeps the old one if it does not compile.",
        [
            ("policy.yaml", (EXAMPLES / "policy.yaml").read_text()),
            ("attestors.yaml", (EXAMPLES / "attestors.yaml").read_text()),
            ("cluster", "us-east1.acme-prod"),
        ],
    ),
    "attestations.yaml": config_map(
        "binauthz-attestations",
        "Attestation occurrences for air-gapped clusters and GitOps (--attestations-dir): every key is a\n"
        "file of occurrences as `gcloud container binauthz attestations list --format=json` prints them\n"
        "(or YAML). Generated from spec/examples by deploy/generate.py. A ConfigMap holds at most 1 MiB;\n"
        "for more, mount a volume of files, or use the Container Analysis API (--containeranalysis-projects).",
        [("attestations.json", (EXAMPLES / "attestations.json").read_text())],
    ),
}

if __name__ == "__main__":
    check = "--check" in sys.argv
    stale = []
    for name, text in FILES.items():
        path = ROOT / "deploy" / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        sys.exit(f"deploy/{', deploy/'.join(stale)} differ from spec/examples: run python3 deploy/generate.py")
