#!/usr/bin/env python3
"""Writes the hostile-input corpus that tests/hostile.rs runs (issue: never a panic, a hang,
unbounded memory, or an ALLOW).

Usage: python3 binauthz-core/tests/hostile/generate.py

Python 3 stdlib only. Starts from one valid conformance case (an ECDSA P-256 attestation that is
admitted) and breaks it in every way listed below, writing:
  config/NNN-name.{json,yaml,bin}   configs that must be rejected with an error;
  request/NNN-name.{json,yaml,bin}  requests (for the base config) that must be rejected with an
                                    error or evaluate to allowed = false.
Inputs too large to commit (100 MB strings, 10^5-element lists) are built by the Rust test.
"""

from __future__ import annotations

import base64
import glob
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CASES = ROOT / "spec/conformance/cases"


def load_case(suffix: str) -> dict:
    (path,) = glob.glob(str(CASES / f"*-{suffix}.json"))
    return json.loads(Path(path).read_text())


BASE = load_case("alg-ecdsa-p256-sha256-valid")
CONFIG = BASE["config"]
REQUEST = BASE["request"]
RSA_CASE = load_case("alg-rsa-pss-2048-sha256-valid")

written: dict[str, int] = {"config": 0, "request": 0}


def put(kind: str, name: str, data: bytes | str, ext: str = "json") -> None:
    written[kind] += 1
    n = written[kind]
    body = data.encode() if isinstance(data, str) else data
    (HERE / kind / f"{n:03d}-{name}.{ext}").write_bytes(body)


def j(v) -> str:
    return json.dumps(v, indent=1)


def clone(v):
    return json.loads(json.dumps(v))


def at(doc: dict, path: list, value) -> dict:
    d = clone(doc)
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return d


def drop(doc: dict, path: list) -> dict:
    d = clone(doc)
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return d


# --- DER helpers for crafted keys -----------------------------------------------------------
def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + der_len(len(body)) + body


def der_int(v: int) -> bytes:
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return tlv(0x02, b)


def rsa_spki(n: int, e: int) -> bytes:
    alg = tlv(0x30, tlv(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    key = tlv(0x30, der_int(n) + der_int(e))
    return tlv(0x30, alg + tlv(0x03, b"\x00" + key))


def pem(der: bytes, label: str = "PUBLIC KEY") -> str:
    b = base64.b64encode(der).decode()
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


KEY = ["attestors", 0, "userOwnedGrafeasNote", "publicKeys", 0]
PEM = KEY + ["pkixPublicKey", "publicKeyPem"]
ALG = KEY + ["pkixPublicKey", "signatureAlgorithm"]
RULE = ["policy", "defaultAdmissionRule"]


def configs() -> None:
    text = j(CONFIG)
    for i in range(1, 60):
        put("config", f"truncated-json-{i}", text[: len(text) * i // 60])
    yaml = "policy:\n  defaultAdmissionRule:\n    evaluationMode: REQUIRE_ATTESTATION\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n    requireAttestationsBy: [projects/acme/attestors/built-by-ci]\n"
    for i in range(1, 20):
        put("config", f"truncated-yaml-{i}", yaml[: len(yaml) * i // 20], "yaml")
    wrong_types = {
        "policy-is-list": (["policy"], []),
        "policy-is-string": (["policy"], "ALWAYS_ALLOW"),
        "policy-is-null": (["policy"], None),
        "rule-is-string": (RULE, "ALWAYS_ALLOW"),
        "rule-is-number": (RULE, 1),
        "mode-is-number": (RULE + ["evaluationMode"], 1),
        "mode-is-list": (RULE + ["evaluationMode"], ["ALWAYS_ALLOW"]),
        "mode-is-null": (RULE + ["evaluationMode"], None),
        "mode-is-bool": (RULE + ["evaluationMode"], True),
        # A single value for a list is a list of one (gcloud's reading), so these are wrong in
        # what the one value is: a number, not an attestor name; a string, not a mapping.
        "attestors-by-is-number": (RULE + ["requireAttestationsBy"], 7),
        "attestors-by-has-number": (RULE + ["requireAttestationsBy"], [7]),
        "attestors-is-object": (["attestors"], {"name": "x"}),
        "attestors-is-string": (["attestors"], "projects/acme/attestors/built-by-ci"),
        "public-keys-is-object": (KEY[:-1], {}),
        "pem-is-number": (PEM, 5),
        "pem-is-list": (PEM, ["-----BEGIN PUBLIC KEY-----"]),
        "algorithm-is-number": (ALG, 9),
        "note-is-list": (["attestors", 0, "userOwnedGrafeasNote", "noteReference"], ["projects/acme/notes/x"]),
        "allowlist-is-string": (["policy", "admissionWhitelistPatterns"], "gcr.io/a/*"),
        "allowlist-pattern-number": (["policy", "admissionWhitelistPatterns"], [{"namePattern": 3}]),
        "cluster-rules-is-list": (["policy", "clusterAdmissionRules"], []),
        "global-mode-bool": (["policy", "globalPolicyEvaluationMode"], True),
        # serde would fill a struct from a sequence by position; binauthz refuses that syntax.
        "rule-is-positional-list": (RULE, ["ALWAYS_ALLOW", None, "ENFORCED_BLOCK_AND_AUDIT_LOG"]),
        "key-is-positional-list": (KEY, ["id", None, {"publicKeyPem": "x"}]),
        "policy-is-positional-list": (["policy"], [None, None, None, None, None]),
    }
    for name, (path, value) in wrong_types.items():
        put("config", f"wrong-type-{name}", j(at(CONFIG, path, value)))
    for name, value in [("lower-case", "always_allow"), ("trailing-space", "ALWAYS_ALLOW "),
                        ("leading-space", " ALWAYS_ALLOW"), ("unspecified", "EVALUATION_MODE_UNSPECIFIED"),
                        ("empty", ""), ("number-string", "1"), ("unicode-lookalike", "ALWAYS_ALL\u039fW"),
                        ("nul", "ALWAYS_ALLOW\u0000")]:
        put("config", f"unknown-evaluation-mode-{name}", j(at(CONFIG, RULE + ["evaluationMode"], value)))
    for name, value in [("lower-case", "ecdsa_p256_sha256"), ("unspecified", "SIGNATURE_ALGORITHM_UNSPECIFIED"),
                        ("ml-dsa", "ML_DSA_65"), ("kritis-typo", "rsa-pss-4096s-ha256"), ("ed25519", "ED25519"),
                        ("empty", "")]:
        put("config", f"unknown-algorithm-{name}", j(at(CONFIG, ALG, value)))
    put("config", "unknown-enforcement-mode", j(at(CONFIG, RULE + ["enforcementMode"], "ENFORCED")))
    put("config", "unknown-global-mode", j(at(CONFIG, ["policy", "globalPolicyEvaluationMode"], "ON")))
    put("config", "missing-default-rule", j(drop(CONFIG, RULE)))
    put("config", "missing-policy", j(drop(CONFIG, ["policy"])))
    put("config", "missing-pem", j(drop(CONFIG, PEM)))
    put("config", "missing-algorithm", j(drop(CONFIG, ALG)))
    put("config", "missing-note", j(drop(CONFIG, ["attestors", 0, "userOwnedGrafeasNote"])))
    put("config", "missing-attestor", j(at(CONFIG, ["attestors"], [])))
    put("config", "unknown-top-field", j({**CONFIG, "polciy": {}}))
    put("config", "unknown-rule-field", j(at(CONFIG, RULE + ["requireAttestationBy"], [])))
    # Duplicate keys: a policy that says two things means neither.
    rule = '{"evaluationMode": "ALWAYS_DENY", "evaluationMode": "ALWAYS_ALLOW", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}'
    put("config", "duplicate-key-json", '{"policy": {"defaultAdmissionRule": ' + rule + "}}")
    put("config", "duplicate-rule-json", '{"policy": {"defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}, "defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}')
    put("config", "duplicate-key-yaml", "policy:\n  defaultAdmissionRule:\n    evaluationMode: ALWAYS_DENY\n    evaluationMode: ALWAYS_ALLOW\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n", "yaml")
    put("config", "duplicate-policy-yaml", "policy: {}\npolicy:\n  defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n", "yaml")
    # YAML aliases, anchors, tags, multiple documents.
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]\n" for i in range(1, 10)) + "policy: *a9\n"
    put("config", "yaml-billion-laughs", bomb, "yaml")
    put("config", "yaml-alias-as-key", "k: &k policy\n*k : {}\n", "yaml")
    put("config", "yaml-recursive-alias", "policy: &p\n  defaultAdmissionRule: *p\n", "yaml")
    put("config", "yaml-binary-tag", "policy: !!binary aGVsbG8=\n", "yaml")
    put("config", "yaml-custom-tag", "policy: !Ref x\n", "yaml")
    put("config", "yaml-two-documents", "policy: {}\n---\npolicy: {}\n", "yaml")
    put("config", "yaml-integer-keys", "1: 2\n", "yaml")
    put("config", "yaml-tabs", "policy:\n\tdefaultAdmissionRule: {}\n", "yaml")
    put("config", "yaml-only-comment", "# nothing\n", "yaml")
    put("config", "empty", "", "yaml")
    put("config", "whitespace", "   \n\t\n", "yaml")
    # Deep nesting.
    for depth in (65, 200, 1000, 100000):
        put("config", f"deep-json-{depth}", "[" * depth + "]" * depth)
        put("config", f"deep-json-object-{depth}", '{"a":' * depth + "1" + "}" * depth)
    for depth in (65, 300):
        put("config", f"deep-yaml-{depth}", "[" * depth + "]" * depth, "yaml")
    # Encodings.
    put("config", "non-utf8", b"\xff\xfe\x00policy", "bin")
    put("config", "utf16-le", '{"policy": {}}'.encode("utf-16-le"), "bin")
    put("config", "utf16-bom", '{"policy": {}}'.encode("utf-16"), "bin")
    put("config", "bom-then-garbage", "\ufeff\ufeff{}".encode(), "bin")
    put("config", "nul-bytes", b'{"policy": {"defaultAdmissionRule": \x00}}', "bin")
    put("config", "latin1-in-yaml", b"policy:\n  name: caf\xe9\n", "bin")
    # Keys.
    good_pem = CONFIG["attestors"][0]["userOwnedGrafeasNote"]["publicKeys"][0]["pkixPublicKey"]["publicKeyPem"]
    rsa_pem = RSA_CASE["config"]["attestors"][0]["userOwnedGrafeasNote"]["publicKeys"][0]["pkixPublicKey"]["publicKeyPem"]
    der = base64.b64decode("".join(l for l in good_pem.splitlines() if not l.startswith("-----")))
    pems = {
        "trailing-garbage": good_pem + "garbage\n",
        "two-blocks": good_pem + good_pem,
        "truncated-base64": good_pem.replace(good_pem.splitlines()[1], good_pem.splitlines()[1][:-8]),
        "bad-base64": good_pem.replace(good_pem.splitlines()[1][:4], "!!!!"),
        "private-label": good_pem.replace("PUBLIC KEY", "PRIVATE KEY"),
        "certificate-label": good_pem.replace("PUBLIC KEY", "CERTIFICATE"),
        "rsa-public-key-label": good_pem.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
        "no-end-line": "\n".join(good_pem.splitlines()[:-1]) + "\n",
        "empty-block": "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "der-truncated": pem(der[:-5]),
        "der-extended": pem(der + b"\x00"),
        "point-not-on-curve": pem(der[:-1] + bytes([der[-1] ^ 1])),
        "point-at-infinity": pem(der[: len(der) - 65] + b"\x00" * 65),
        "rsa-key-for-ecdsa": rsa_pem,
        "rsa-exponent-1": pem(rsa_spki((1 << 2047) | 0x1234567 | 1, 1)),
        "rsa-exponent-even": pem(rsa_spki((1 << 2047) | 0x1234567 | 1, 65536)),
        "rsa-modulus-even": pem(rsa_spki((1 << 2047) | 0x1234566, 65537)),
        "rsa-modulus-1024": pem(rsa_spki((1 << 1023) | 1, 65537)),
        "rsa-modulus-zero": pem(rsa_spki(0, 65537)),
        "rsa-exponent-huge": pem(rsa_spki((1 << 2047) | 1, (1 << 300) + 1)),
        "windows-1252-dashes": good_pem.replace("-----", "\u2013\u2013\u2013\u2013\u2013"),
    }
    for name, value in pems.items():
        put("config", f"pem-{name}", j(at(CONFIG, PEM, value)))
    for name, value in [("rsa-pss-2048-on-ec-key", "RSA_PSS_2048_SHA256"), ("p384-on-p256-key", "ECDSA_P384_SHA384"),
                        ("p521-on-p256-key", "EC_SIGN_P521_SHA512")]:
        put("config", f"wrong-curve-{name}", j(at(CONFIG, ALG, value)))
    put("config", "key-id-disagrees", j(at(CONFIG, KEY + ["pkixPublicKey", "keyId"], "other")))
    put("config", "key-id-with-newline", j(at(CONFIG, KEY + ["id"], "a\nb")))
    put("config", "pgp-key", j(at(drop(CONFIG, KEY + ["pkixPublicKey"]), KEY + ["asciiArmoredPgpPublicKey"], "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n-----END PGP PUBLIC KEY BLOCK-----\n")))


OCC = ["attestations", 0]
SIG = OCC + ["attestation", "signatures", 0, "signature"]
PAYLOAD = OCC + ["attestation", "serializedPayload"]


def p256_sig_variants(sig_b64: str) -> dict[str, bytes]:
    der = base64.b64decode(sig_b64)
    # SEQUENCE { INTEGER r, INTEGER s }
    assert der[0] == 0x30
    i = 2
    rl = der[i + 1]
    r = int.from_bytes(der[i + 2:i + 2 + rl], "big")
    i = i + 2 + rl
    sl = der[i + 1]
    s = int.from_bytes(der[i + 2:i + 2 + sl], "big")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

    def sig(r_: int, s_: int) -> bytes:
        return tlv(0x30, der_int(r_) + der_int(s_))
    return {
        "zero-r": sig(0, s), "zero-s": sig(r, 0), "zero-both": sig(0, 0),
        "r-equals-n": sig(n, s), "s-equals-n": sig(r, n), "r-plus-n": sig(r + n, s),
        "negative-r": tlv(0x30, tlv(0x02, b"\xff" + r.to_bytes(32, "big")) + der_int(s)),
        "swapped-r-s": sig(s, r), "p1363": r.to_bytes(32, "big") + s.to_bytes(32, "big"),
        "ber-long-length": b"\x30\x81" + bytes([len(der) - 2]) + der[2:],
        "trailing-byte": der + b"\x00", "truncated": der[:-1], "empty-sequence": b"\x30\x00",
        "only-tag": b"\x30", "empty": b"",
    }


def requests() -> None:
    text = j(REQUEST)
    for i in range(1, 50):
        put("request", f"truncated-json-{i}", text[: len(text) * i // 50])
    wrong = {
        "images-is-string": (["images"], REQUEST["images"][0]),
        "images-has-number": (["images"], [1]),
        "images-has-null": (["images"], [None]),
        "images-empty": (["images"], []),
        "attestations-is-object": (["attestations"], REQUEST["attestations"][0]),
        "occurrence-is-string": (OCC, "x"),
        "signature-is-number": (SIG, 1),
        "signatures-is-object": (OCC + ["attestation", "signatures"], {}),
        "payload-is-number": (PAYLOAD, 5),
        "context-is-list": (["context"], []),
        "breakglass-is-string": (["context"], {"breakglass": "true"}),
        "namespace-is-number": (["context"], {"namespace": 1}),
        "note-is-number": (OCC + ["noteName"], 1),
        "resource-uri-is-list": (OCC + ["resourceUri"], []),
        "kind-is-other": (OCC + ["kind"], "VULNERABILITY"),
        "context-is-positional-list": (["context"], ["us-east1-b.prod", "payments"]),
        "attestation-is-positional-list": (OCC + ["attestation"], ["", []]),
    }
    for name, (path, value) in wrong.items():
        put("request", f"wrong-type-{name}", j(at(REQUEST, path, value)))
    sig = REQUEST["attestations"][0]["attestation"]["signatures"][0]["signature"]
    for name, der in p256_sig_variants(sig).items():
        put("request", f"ecdsa-{name}", j(at(REQUEST, SIG, base64.b64encode(der).decode())))
    for name, value in [("space", sig[:10] + " " + sig[10:]), ("newline", sig[:10] + "\n" + sig[10:]),
                        ("tab", "\t" + sig), ("mixed-alphabets", sig.replace("A", "-", 1) + "+/"),
                        ("padding-in-middle", sig[:8] + "=" + sig[8:]), ("not-base64", "%%%%"),
                        ("one-char", "Q"), ("trailing-bits", sig[:-2] + "B=" if sig.endswith("==") else sig + "=")]:
        put("request", f"base64-{name}", j(at(REQUEST, SIG, value)))
    payload = base64.b64decode(REQUEST["attestations"][0]["attestation"]["serializedPayload"])
    for name, p in [("extra-space", payload.replace(b": ", b":  ", 1)), ("no-newline", payload.rstrip(b"\n")),
                    ("crlf", payload.replace(b"\n", b"\r\n")), ("empty", b""), ("nul", payload + b"\x00")]:
        put("request", f"payload-{name}", j(at(REQUEST, PAYLOAD, base64.b64encode(p).decode())))
    digest = REQUEST["images"][0].split("@")[1]
    other = "sha256:" + "0" * 64
    for name, image in [("other-digest", REQUEST["images"][0].replace(digest, other)),
                        ("tag-only", REQUEST["images"][0].split("@")[0] + ":latest"),
                        ("upper-hex", REQUEST["images"][0].upper()),
                        ("digest-63", REQUEST["images"][0][:-1]),
                        ("digest-65", REQUEST["images"][0] + "0"),
                        ("sha512", REQUEST["images"][0].replace("sha256:", "sha512:")),
                        ("double-at", REQUEST["images"][0] + "@" + digest),
                        ("whitespace", " " + REQUEST["images"][0]),
                        ("unicode", REQUEST["images"][0].replace("us-docker", "us-d\u043eck\u0435r")),
                        ("control", REQUEST["images"][0] + "\u0007"),
                        ("empty", ""), ("only-digest", "@" + digest)]:
        put("request", f"image-{name}", j(at(REQUEST, ["images"], [image])))
    uri = REQUEST["attestations"][0]["resourceUri"]
    for name, value in [("other-digest", uri.replace(digest, other)), ("tag", uri.split("@")[0] + ":1"),
                        ("empty", ""), ("scheme-only", "https://")]:
        put("request", f"resource-uri-{name}", j(at(REQUEST, OCC + ["resourceUri"], value)))
    for name, value in [("other-note", "projects/acme/notes/other"), ("empty", ""), ("bad-form", "notes/built-by-ci"),
                        ("trailing-slash", REQUEST["attestations"][0]["noteName"] + "/")]:
        put("request", f"note-{name}", j(at(REQUEST, OCC + ["noteName"], value)))
    put("request", "key-id-unknown", j(at(REQUEST, OCC + ["attestation", "signatures", 0, "publicKeyId"], "nope")))
    put("request", "key-id-missing", j(drop(REQUEST, OCC + ["attestation", "signatures", 0, "publicKeyId"])))
    put("request", "no-signatures", j(at(REQUEST, OCC + ["attestation", "signatures"], [])))
    put("request", "no-attestation-field", j(drop(REQUEST, OCC + ["attestation"])))
    put("request", "unknown-field", j({**REQUEST, "imagez": []}))
    put("request", "unknown-context-field", j(at(REQUEST, ["context"], {"clusterName": "x"})))
    put("request", "duplicate-images-key", '{"images": [], "images": ' + json.dumps(REQUEST["images"]) + "}")
    put("request", "duplicate-attestations-key", '{"images": ' + json.dumps(REQUEST["images"]) + ', "attestations": [], "attestations": []}')
    put("request", "deep-json", "[" * 5000 + "]" * 5000)
    put("request", "non-utf8", b'{"images": ["\xff"]}', "bin")
    put("request", "object-and-images", j({**REQUEST, "object": {"kind": "Pod"}}))
    put("request", "object-service", j({"object": {"kind": "Service", "spec": {}}}))
    put("request", "object-pod-without-spec", j({"object": {"kind": "Pod"}}))
    put("request", "object-pod-image-number", j({"object": {"kind": "Pod", "spec": {"containers": [{"image": 1}]}}}))
    put("request", "admission-review-without-object", j({"object": {"kind": "AdmissionReview", "request": {"uid": "u"}}}))


def main() -> None:
    for kind in ("config", "request"):
        shutil.rmtree(HERE / kind, ignore_errors=True)
        (HERE / kind).mkdir()
    configs()
    requests()
    print(f"wrote {written['config']} configs and {written['request']} requests")


if __name__ == "__main__":
    main()
