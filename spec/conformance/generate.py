#!/usr/bin/env python3
"""Regenerate the binauthz conformance vectors (spec/README.md §9).

Usage:  python3 spec/conformance/generate.py [--out DIR]

With `--out DIR` the files go to DIR instead of beside this script (the test command uses this
to check that freshly made keys and signatures give the same decisions as the committed ones).

Python 3.11 standard library plus the `openssl` command (OpenSSL 3.0) and, for the PGP group,
GnuPG's `gpg` (2.2; run with a throwaway home directory). The script wipes and recreates `keys/`
(throwaway test keys, private keys included) and `cases/` (one JSON file per case), and rewrites
`README.md`. Every run makes new keys and signatures, so the committed files
are the reference; the expected results do not change between runs.

Every good signature is verified with openssl while generating, and every deliberately bad one is
checked *not* to verify, so a bug here cannot produce a wrong vector silently.

The expected results follow spec/README.md. Each case's `description` says which rule of the spec
it checks. The case groups below are in the order of the files they produce.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE
CASES_DIR = OUT / "cases"
KEYS_DIR = OUT / "keys"

# ---------------------------------------------------------------------------------------------
# openssl helpers
# ---------------------------------------------------------------------------------------------

_SCRATCH: Path | None = None   # temporary files for openssl, made in main()
_scratch_n = 0


def _scratch_file(data: bytes) -> Path:
    global _scratch_n
    assert _SCRATCH is not None
    _scratch_n += 1
    p = _SCRATCH / f"f{_scratch_n}"
    p.write_bytes(data)
    return p


def openssl(*args: str | Path) -> bytes:
    r = subprocess.run(["openssl", *map(str, args)], capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args))} failed: {r.stderr.decode()}")
    return r.stdout


class Key:
    """A throwaway key pair under keys/: NAME.pem (private) and NAME.pub.pem (public)."""

    def __init__(self, name: str, algorithm: str, param: str):
        self.name = name
        self.path = KEYS_DIR / f"{name}.pem"
        self.pub_path = KEYS_DIR / f"{name}.pub.pem"
        if algorithm == "RSA":
            openssl("genpkey", "-quiet", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{param}",
                    "-out", self.path)
        else:
            openssl("genpkey", "-quiet", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{param}",
                    "-pkeyopt", "ec_param_enc:named_curve", "-out", self.path)
        openssl("pkey", "-in", self.path, "-pubout", "-out", self.pub_path)
        self.pem = self.pub_path.read_text()
        self.der = openssl("pkey", "-pubin", "-in", self.pub_path, "-outform", "DER")

    @property
    def default_id(self) -> str:
        """Spec §2.2: ni:///sha-256; + base64url-nopad(SHA-256(DER SubjectPublicKeyInfo))."""
        digest = hashlib.sha256(self.der).digest()
        return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _sig_args(hash_name: str, scheme: str, saltlen: str, mgf1: str | None) -> list[str]:
    args = [f"-{hash_name}"]
    if scheme == "pss":
        args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{saltlen}",
                 "-sigopt", f"rsa_mgf1_md:{mgf1 or hash_name}"]
    return args


def raw_sign(key: Key, data: bytes, hash_name: str, scheme: str, saltlen: str = "digest",
             mgf1: str | None = None) -> bytes:
    """openssl dgst -sign (ECDSA: DER; RSA: PKCS#1 v1.5 or PSS as asked)."""
    return openssl("dgst", *_sig_args(hash_name, scheme, saltlen, mgf1), "-sign", key.path,
                   _scratch_file(data))


def verifies(key: Key, data: bytes, sig: bytes, hash_name: str, scheme: str,
             saltlen: str = "digest", mgf1: str | None = None) -> bool:
    r = subprocess.run(["openssl", "dgst", *_sig_args(hash_name, scheme, saltlen, mgf1),
                        "-verify", str(key.pub_path), "-signature", str(_scratch_file(sig)),
                        str(_scratch_file(data))], capture_output=True)
    return r.returncode == 0 and b"Verified OK" in r.stdout


def der_to_p1363(der: bytes, size: int) -> bytes:
    """ECDSA-Sig-Value (DER SEQUENCE{r, s}) -> raw r||s, each left-padded to `size` bytes."""
    def read_len(b: bytes, i: int) -> tuple[int, int]:
        n = b[i]
        if n < 0x80:
            return n, i + 1
        k = n & 0x7F
        return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k

    assert der[0] == 0x30
    _, i = read_len(der, 1)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n, i = read_len(der, i + 1)
        out += int.from_bytes(der[i:i + n], "big").to_bytes(size, "big")
        i += n
    return out


# ---------------------------------------------------------------------------------------------
# Keys and algorithms
# ---------------------------------------------------------------------------------------------

# canonical name -> (key name, scheme, hash)
ALGORITHMS = {
    "RSA_PSS_2048_SHA256": ("rsa-2048", "pss", "sha256"),
    "RSA_PSS_3072_SHA256": ("rsa-3072", "pss", "sha256"),
    "RSA_PSS_4096_SHA256": ("rsa-4096", "pss", "sha256"),
    "RSA_PSS_4096_SHA512": ("rsa-4096", "pss", "sha512"),
    "RSA_SIGN_PKCS1_2048_SHA256": ("rsa-2048", "pkcs1", "sha256"),
    "RSA_SIGN_PKCS1_3072_SHA256": ("rsa-3072", "pkcs1", "sha256"),
    "RSA_SIGN_PKCS1_4096_SHA256": ("rsa-4096", "pkcs1", "sha256"),
    "RSA_SIGN_PKCS1_4096_SHA512": ("rsa-4096", "pkcs1", "sha512"),
    "ECDSA_P256_SHA256": ("ec-p256", "ecdsa", "sha256"),
    "ECDSA_P384_SHA384": ("ec-p384", "ecdsa", "sha384"),
    "ECDSA_P521_SHA512": ("ec-p521", "ecdsa", "sha512"),
}
ALIASES = {
    "RSA_SIGN_PSS_2048_SHA256": "RSA_PSS_2048_SHA256",
    "RSA_SIGN_PSS_3072_SHA256": "RSA_PSS_3072_SHA256",
    "RSA_SIGN_PSS_4096_SHA256": "RSA_PSS_4096_SHA256",
    "RSA_SIGN_PSS_4096_SHA512": "RSA_PSS_4096_SHA512",
    "EC_SIGN_P256_SHA256": "ECDSA_P256_SHA256",
    "EC_SIGN_P384_SHA384": "ECDSA_P384_SHA384",
    "EC_SIGN_P521_SHA512": "ECDSA_P521_SHA512",
}

KEY_SPECS = {
    "rsa-1024": ("RSA", "1024"),           # only for the "RSA below 2048 bits" config error
    "rsa-2048": ("RSA", "2048"),
    "rsa-3072": ("RSA", "3072"),
    "rsa-4096": ("RSA", "4096"),
    "ec-p256": ("EC", "P-256"),            # built-by-ci's key
    "ec-p256-rotated": ("EC", "P-256"),    # built-by-ci's next key (rotation cases)
    "ec-p256-attacker": ("EC", "P-256"),   # a key the attestor does not trust
    "ec-p384": ("EC", "P-384"),
    "ec-p521": ("EC", "P-521"),
}
KEYS: dict[str, Key] = {}


def make_keys() -> None:
    for name, (alg, param) in KEY_SPECS.items():
        KEYS[name] = Key(name, alg, param)
    (KEYS_DIR / "README.md").write_text(
        "# Conformance test keys\n\n"
        "Throwaway keys made by `../generate.py` for the conformance vectors. The private keys are\n"
        "committed on purpose: they sign nothing but test payloads. Never trust them anywhere.\n")


def sign(alg: str, payload: bytes, key: Key | None = None) -> bytes:
    """A good signature with the algorithm's parameters (spec §5), verified before use."""
    key_name, scheme, hash_name = ALGORITHMS[ALIASES.get(alg, alg)]
    key = key or KEYS[key_name]
    sig = raw_sign(key, payload, hash_name, scheme)
    assert verifies(key, payload, sig, hash_name, scheme), f"openssl did not verify {alg}"
    return sig


def assert_bad(alg: str, key: Key, payload: bytes, sig: bytes) -> None:
    """Check that `sig` does NOT verify under `key` with the algorithm's exact parameters."""
    _, scheme, hash_name = ALGORITHMS[ALIASES.get(alg, alg)]
    assert not verifies(key, payload, sig, hash_name, scheme), "negative vector verifies"


# ---------------------------------------------------------------------------------------------
# Names, images and payloads
# ---------------------------------------------------------------------------------------------

PROJECT = "acme"
POLICY_NAME = "projects/acme/policy"
CI = "projects/acme/attestors/built-by-ci"
CI_NOTE = "projects/acme/notes/built-by-ci"
SCAN = "projects/acme/attestors/security-scan"
SCAN_NOTE = "projects/acme/notes/security-scan"
CI_KEY_ID = ("//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/ci/"
             "cryptoKeys/signer/cryptoKeyVersions/1")
SCAN_KEY_ID = ("//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/scanner/"
               "cryptoKeys/scan-signer/cryptoKeyVersions/2")
SCAN_ALG = "RSA_PSS_3072_SHA256"


def kms_id(crypto_key: str, version: int = 1) -> str:
    return (f"//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/ci/"
            f"cryptoKeys/{crypto_key}/cryptoKeyVersions/{version}")


def digest_of(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


D_API = digest_of("acme/payments-api:1.4.2")
D_API_OLD = digest_of("acme/payments-api:1.4.1")
D_LEDGER = digest_of("acme/ledger:2.0.0")
REPO_API = "us-docker.pkg.dev/acme/prod/payments-api"
REPO_LEDGER = "us-docker.pkg.dev/acme/prod/ledger"
IMG_API = f"{REPO_API}@sha256:{D_API}"
IMG_API_OLD = f"{REPO_API}@sha256:{D_API_OLD}"
IMG_LEDGER = f"{REPO_LEDGER}@sha256:{D_LEDGER}"
IMG_API_TAG = f"{REPO_API}:1.4.2"


def payload_dict(repo: str, digest_hex: str) -> dict:
    return {"critical": {"identity": {"docker-reference": repo},
                         "image": {"docker-manifest-digest": f"sha256:{digest_hex}"},
                         "type": "Google cloud binauthz container signature"}}


def gcloud_json(d) -> bytes:
    """Exactly gcloud's create-signature-payload serialization (spec §6)."""
    return (json.dumps(d, ensure_ascii=True, indent=2, separators=(",", ": "), sort_keys=True)
            + "\n").encode()


def make_payload(repo: str, digest_hex: str) -> bytes:
    return gcloud_json(payload_dict(repo, digest_hex))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------------------------------------
# Document builders (gcloud shapes, spec §2 and §5)
# ---------------------------------------------------------------------------------------------

ENFORCED = "ENFORCED_BLOCK_AND_AUDIT_LOG"
DRYRUN = "DRYRUN_AUDIT_LOG_ONLY"
REQUIRE = "REQUIRE_ATTESTATION"
ALLOW = "ALWAYS_ALLOW"
DENY = "ALWAYS_DENY"


def rule(mode: str, by: list[str] | None = None, enforcement: str = ENFORCED) -> dict:
    r = {"evaluationMode": mode}
    if by:
        r["requireAttestationsBy"] = list(by)
    r["enforcementMode"] = enforcement
    return r


def policy(default: dict, *, allowlist: list[str] | None = None, global_mode: str | None = None,
           **specific: dict) -> dict:
    """A policy as `gcloud container binauthz policy export` prints it.

    `specific` takes clusterAdmissionRules=..., kubernetesNamespaceAdmissionRules=..., etc.
    """
    p: dict = {}
    if allowlist is not None:
        p["admissionWhitelistPatterns"] = [{"namePattern": x} for x in allowlist]
    p.update(specific)
    p["defaultAdmissionRule"] = default
    if global_mode is not None:
        p["globalPolicyEvaluationMode"] = global_mode
    p["name"] = POLICY_NAME
    p["updateTime"] = "2025-03-01T12:00:00.000000Z"
    return p


def pkix_key(key: Key, alg: str, key_id: str | None, comment: str | None = None) -> dict:
    k: dict = {}
    if comment:
        k["comment"] = comment
    if key_id is not None:
        k["id"] = key_id
    k["pkixPublicKey"] = {"publicKeyPem": key.pem, "signatureAlgorithm": alg}
    return k


def attestor(name: str, note: str, keys: list[dict] | None, description: str | None = None) -> dict:
    """An attestor as `gcloud container binauthz attestors describe --format=json` prints it."""
    a: dict = {"name": name}
    if description:
        a["description"] = description
    a["updateTime"] = "2025-02-20T08:30:00.000000Z"
    note_obj: dict = {
        "delegationServiceAccountEmail":
            "service-123456789012@gcp-sa-binaryauthorization.iam.gserviceaccount.com",
        "noteReference": note,
    }
    if keys is not None:
        note_obj["publicKeys"] = keys
    a["userOwnedGrafeasNote"] = note_obj
    return a


def ci_attestor(keys: list[dict] | None = None) -> dict:
    if keys is None:
        keys = [pkix_key(KEYS["ec-p256"], "ECDSA_P256_SHA256", CI_KEY_ID)]
    return attestor(CI, CI_NOTE, keys, "Images built by the acme CI pipeline")


def scan_attestor() -> dict:
    return attestor(SCAN, SCAN_NOTE, [pkix_key(KEYS["rsa-3072"], SCAN_ALG, SCAN_KEY_ID)],
                    "Images that passed the vulnerability scan")


_occurrence_n = 0


def occurrence(resource_uri: str, note: str, payload: bytes | str,
               signatures: list[tuple[str, bytes | str]], **extra) -> dict:
    """An occurrence as `gcloud container binauthz attestations list --format=json` prints it.

    `payload` and signature values that are already strings are used as given (for encoding
    cases); bytes are standard-base64 encoded. The occurrence id is a deterministic UUID-like
    string from a running counter, so ids are stable between runs.
    """
    global _occurrence_n
    _occurrence_n += 1
    n = _occurrence_n
    h = hashlib.sha256(f"acme-occurrence-{n}".encode()).hexdigest()
    uuid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"
    ts = f"2025-03-14T09:{(n // 60) % 60:02d}:{n % 60:02d}.{(n * 7919) % 1000000:06d}Z"
    occ = {
        "name": f"projects/acme/occurrences/{uuid}",
        "resourceUri": resource_uri,
        "noteName": note,
        "kind": "ATTESTATION",
        "createTime": ts,
        "updateTime": ts,
        "attestation": {
            "serializedPayload": payload if isinstance(payload, str) else b64(payload),
            "signatures": [{"publicKeyId": kid, "signature": s if isinstance(s, str) else b64(s)}
                           for kid, s in signatures],
        },
    }
    occ.update(extra)
    return occ


def uri(image_or_repo: str, digest_hex: str | None = None, scheme: str = "https://") -> str:
    base = image_or_repo if digest_hex is None else f"{image_or_repo}@sha256:{digest_hex}"
    return scheme + base


def ci_occ(digest_hex: str = D_API, repo: str = REPO_API, **kw) -> dict:
    """A valid built-by-ci occurrence for repo@sha256:digest."""
    p = make_payload(repo, digest_hex)
    return occurrence(uri(repo, digest_hex), CI_NOTE, p, [(CI_KEY_ID, sign("ECDSA_P256_SHA256", p))],
                      **kw)


def scan_occ(digest_hex: str = D_API, repo: str = REPO_API) -> dict:
    p = make_payload(repo, digest_hex)
    return occurrence(uri(repo, digest_hex), SCAN_NOTE, p, [(SCAN_KEY_ID, sign(SCAN_ALG, p))])


def request(images: list[str], attestations: list[dict] | None = None,
            context: dict | None = None) -> dict:
    r: dict = {"images": images}
    if attestations is not None:
        r["attestations"] = attestations
    if context is not None:
        r["context"] = context
    return r


def config(pol: dict, attestors: list[dict] | None = None) -> dict:
    c: dict = {"policy": pol}
    if attestors is not None:
        c["attestors"] = attestors
    return c


# ---------------------------------------------------------------------------------------------
# Expectations (spec §9)
# ---------------------------------------------------------------------------------------------

_UNSET = object()


def img(image: str, verdict: str, stage: str, reasons: list[str], *, rule_kind=_UNSET,
        rule_key: str | None = None, pattern: str | None = None,
        verified: list[tuple[str, str]] | None = None) -> dict:
    e: dict = {"image": image, "verdict": verdict, "stage": stage}
    if rule_kind is not _UNSET:
        e["rule"] = {"kind": rule_kind, "key": rule_key}
    if pattern is not None:
        e["matchedPattern"] = pattern
    e["reasonKinds"] = sorted(set(reasons))
    if verified is not None:
        e["verifiedBy"] = [{"attestor": a, "keyId": k} for a, k in sorted(verified)]
    return e


def expect(allowed: bool, *images: dict, notes: list[str] | None = None) -> dict:
    """`notes`: texts that must each appear in one of the decision's notes (`notesContain`)."""
    e: dict = {"allowed": allowed, "images": list(images)}
    if notes:
        e["notesContain"] = notes
    return e


def expect_error(stage: str, code: str, contains: str | None) -> dict:
    e = {"stage": stage, "code": code}
    if contains is not None:
        e["messageContains"] = contains
    return e


def attested(image: str, *verified: tuple[str, str], stage: str = "rule", kind: str = "default",
             key: str | None = None) -> dict:
    """An image admitted because every attestor was satisfied."""
    return img(image, "ALLOWED", stage, ["attested"], rule_kind=kind, rule_key=key,
               verified=list(verified))


def denied(image: str, reasons: list[str], kind: str = "default", key: str | None = None,
           verified: list[tuple[str, str]] | None = None) -> dict:
    return img(image, "DENIED", "rule", reasons, rule_kind=kind, rule_key=key, verified=verified)


CASES: list[tuple[str, dict]] = []   # (group, case)


def case(group: str, name: str, description: str, *, cfg: dict | None = None,
         config_text: str | None = None, req: dict | None = None, request_text: str | None = None,
         exp: dict | None = None, err: dict | None = None) -> None:
    assert (cfg is None) != (config_text is None), name
    assert (req is None) != (request_text is None), name
    assert (exp is None) != (err is None), name
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    assert name not in {c["name"] for _, c in CASES}, f"duplicate case name {name}"
    # The case files are written with json.dumps' default ensure_ascii; keep descriptions ASCII
    # so they stay readable there.
    description = description.replace("§", "section ").replace("…", "...")
    assert description.isascii(), name
    c: dict = {"name": name, "description": description}
    if cfg is not None:
        c["config"] = cfg
    else:
        c["configText"] = config_text
    if req is not None:
        c["request"] = req
    else:
        c["requestText"] = request_text
    if exp is not None:
        c["expect"] = exp
    else:
        c["expectError"] = err
    CASES.append((group, c))


# A tiny YAML emitter for the YAML-text cases: block style, strings quoted unless plainly safe.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@*+=-]*")
_YAML_SPECIAL = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def yaml_scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if v is None:
        return "null"
    if _PLAIN.fullmatch(v) and v.lower() not in _YAML_SPECIAL:
        return v
    return json.dumps(v)


def to_yaml(v, indent: int = 0) -> str:
    pad = " " * indent
    out = []
    if isinstance(v, dict):
        for k, val in v.items():
            key = yaml_scalar(k)
            if isinstance(val, str) and "\n" in val:
                out.append(f"{pad}{key}: {'|' if val.endswith(chr(10)) else '|-'}")
                out.extend(f"{pad}  {line}" for line in val.rstrip("\n").split("\n"))
            elif isinstance(val, dict) and val:
                out.append(f"{pad}{key}:")
                out.append(to_yaml(val, indent + 2))
            elif isinstance(val, list) and val:
                out.append(f"{pad}{key}:")
                out.append(to_yaml(val, indent))
            elif isinstance(val, (dict, list)):
                out.append(f"{pad}{key}: {'{}' if isinstance(val, dict) else '[]'}")
            else:
                out.append(f"{pad}{key}: {yaml_scalar(val)}")
    elif isinstance(v, list):
        for item in v:
            if isinstance(item, (dict, list)) and item:
                inner = to_yaml(item, indent + 2)
                out.append(f"{pad}- " + inner[indent + 2:])
            else:
                out.append(f"{pad}- {yaml_scalar(item)}")
    else:
        out.append(pad + yaml_scalar(v))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Case groups
# ---------------------------------------------------------------------------------------------

def simple_attested_case(group: str, name: str, description: str, alg: str, key_id: str | None,
                         key: Key | None = None, expected_key_id: str | None = None) -> None:
    """built-by-ci holds one key of `alg`; the api image carries a good signature by it."""
    key_name, _, _ = ALGORITHMS[ALIASES.get(alg, alg)]
    key = key or KEYS[key_name]
    p = make_payload(REPO_API, D_API)
    kid = expected_key_id or key_id
    occ = occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(kid, sign(alg, p, key))])
    case(group, name, description,
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor([pkix_key(key, alg, key_id)])]),
         req=request([IMG_API], [occ]),
         exp=expect(True, attested(IMG_API, (CI, kid))))


def group_algorithms() -> None:
    g = "signature algorithms"
    for alg, (key_name, scheme, hash_name) in ALGORITHMS.items():
        how = {"pss": f"RSASSA-PSS with {hash_name.upper()}, MGF1-{hash_name.upper()} and a "
                      f"{hash_name.upper()}-length salt",
               "pkcs1": f"RSASSA-PKCS1-v1_5 with {hash_name.upper()}",
               "ecdsa": f"ECDSA with {hash_name.upper()}, ASN.1 DER signature"}[scheme]
        simple_attested_case(
            g, f"alg-{alg.lower().replace('_', '-')}-valid",
            f"built-by-ci trusts one {key_name} key with signatureAlgorithm {alg}; the occurrence "
            f"carries a signature over gcloud's payload for the image's digest made with {how} "
            f"(spec §5). Every attestor is satisfied, so the image is ALLOWED by the default "
            f"rule with reason attested.",
            alg, kms_id(f"signer-{alg.lower().replace('_', '-')}"))
    for alias, canonical in ALIASES.items():
        simple_attested_case(
            g, f"alias-{alias.lower().replace('_', '-')}-valid",
            f"signatureAlgorithm uses the alias name {alias}, which is the same enum value as "
            f"{canonical} (spec §2.2: every alias is accepted). A good {canonical} signature "
            f"therefore verifies and the image is ALLOWED.",
            alias, kms_id(f"signer-{alias.lower().replace('_', '-')}"))


def group_key_ids() -> None:
    g = "key ids"
    key = KEYS["ec-p256"]
    simple_attested_case(
        g, "key-id-default-when-id-absent",
        "The attestor's key has no `id`. Spec §2.2: the key id is then ni:///sha-256; + "
        "base64url-without-padding(SHA-256(DER SubjectPublicKeyInfo)); the signature names that "
        "id, so it verifies and the image is ALLOWED, verifiedBy naming the derived id.",
        "ECDSA_P256_SHA256", None, key, expected_key_id=key.default_id)
    simple_attested_case(
        g, "key-id-default-when-id-empty",
        "The attestor's key has `id: \"\"` (blank). Spec §2.2: a blank id means the derived "
        "ni:///sha-256; id, which the signature names, so the image is ALLOWED.",
        "ECDSA_P256_SHA256", "", key, expected_key_id=key.default_id)
    simple_attested_case(
        g, "key-id-kms-explicit",
        "The key has the Cloud KMS style id //cloudkms.googleapis.com/v1/projects/acme/.../"
        "cryptoKeyVersions/1 and the signature's publicKeyId is byte-for-byte the same (spec "
        "§2.2), so the image is ALLOWED.",
        "ECDSA_P256_SHA256", CI_KEY_ID, key)

    # keyId inside pkixPublicKey equal to id: accepted.
    k = pkix_key(key, "ECDSA_P256_SHA256", CI_KEY_ID)
    k["pkixPublicKey"]["keyId"] = CI_KEY_ID
    case(g, "key-id-pkix-keyid-equal-to-id",
         "The key sets both `id` and `pkixPublicKey.keyId` to the same value, which spec §2.2 "
         "allows (keyId must equal id when both are set); the signature verifies and the image "
         "is ALLOWED.",
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor([k])]),
         req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))

    # An explicit id is used as given: the derived default id no longer names the key.
    p = make_payload(REPO_API, D_API)
    occ = occurrence(uri(REPO_API, D_API), CI_NOTE, p,
                     [(key.default_id, sign("ECDSA_P256_SHA256", p))])
    case(g, "key-id-explicit-id-hides-default-id",
         "The key has the explicit id //cloudkms.../signer/cryptoKeyVersions/1, but the signature "
         "names the key's derived ni:///sha-256; id. Spec §2.2: the id is used as given (the "
         "default applies only when id is blank), so no key has that id: DENIED, unknownKeyId.",
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor()]),
         req=request([IMG_API], [occ]),
         exp=expect(False, denied(IMG_API, ["unknownKeyId"])))

    occ = occurrence(uri(REPO_API, D_API), CI_NOTE, p,
                     [(CI_KEY_ID.replace("cloudkms", "CloudKMS"), sign("ECDSA_P256_SHA256", p))])
    case(g, "key-id-compared-byte-for-byte",
         "The signature's publicKeyId differs from the key id only by letter case "
         "(//CloudKMS.googleapis.com/...). Spec §2.2 compares ids byte-for-byte, so no key "
         "matches: DENIED, unknownKeyId.",
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor()]),
         req=request([IMG_API], [occ]),
         exp=expect(False, denied(IMG_API, ["unknownKeyId"])))


def ci_config() -> dict:
    return config(policy(rule(REQUIRE, [CI])), [ci_attestor()])


def group_bad_signatures() -> None:
    g = "signature and payload failures"
    p = make_payload(REPO_API, D_API)
    good = sign("ECDSA_P256_SHA256", p)

    def deny_case(name: str, description: str, occs: list[dict], reasons: list[str],
                  cfg: dict | None = None) -> None:
        case(g, name, description, cfg=cfg or ci_config(), req=request([IMG_API], occs),
             exp=expect(False, denied(IMG_API, reasons)))

    # Tampered payload: one byte of the signed payload changed afterwards (the `type` text,
    # so the changed payload is still valid JSON with the right digest).
    tampered = p.replace(b"Google cloud", b"Google Cloud")
    assert len(tampered) == len(p) and sum(a != b for a, b in zip(p, tampered)) == 1
    assert_bad("ECDSA_P256_SHA256", KEYS["ec-p256"], tampered, good)
    deny_case("sig-tampered-payload",
              "The payload was changed by one byte after signing (\"cloud\" -> \"Cloud\" in "
              "critical.type, so it is still JSON with the right digest). The signature is over "
              "the raw serializedPayload bytes (spec §5), so it no longer verifies: DENIED, "
              "signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, tampered, [(CI_KEY_ID, good)])],
              ["signatureInvalid"])

    bad = sign("ECDSA_P256_SHA256", p, KEYS["ec-p256-attacker"])
    assert_bad("ECDSA_P256_SHA256", KEYS["ec-p256"], p, bad)
    deny_case("sig-wrong-key-claims-trusted-key-id",
              "The signature was made by a key the attestor does not trust, but its publicKeyId "
              "claims the attestor's key id. publicKeyId only selects keys (spec §5); the "
              "trusted key does not verify it: DENIED, signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, bad)])],
              ["signatureInvalid"])

    other = make_payload(REPO_API, D_API_OLD)
    deny_case("payload-signed-for-other-digest",
              "The occurrence's resourceUri names the image's digest, but the validly signed "
              "payload says critical.image.docker-manifest-digest = another digest. Spec §5: the "
              "payload digest must equal sha256:D: DENIED, payloadDigestMismatch.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, other,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", other))])],
              ["payloadDigestMismatch"])

    upper = make_payload(REPO_API, D_API).replace(D_API.encode(), D_API.upper().encode())
    deny_case("payload-digest-upper-case",
              "The validly signed payload names the image's digest in upper-case hex. Spec §5 "
              "requires docker-manifest-digest to equal sha256:D (lower-case, as in the image "
              "reference), so this is DENIED, payloadDigestMismatch.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, upper,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", upper))])],
              ["payloadDigestMismatch"])

    not_json = f"sha256:{D_API}\n".encode()
    deny_case("payload-not-json",
              "The signature verifies, but the signed payload is the bare digest string, not "
              "JSON. Spec §5/§8.2: DENIED, payloadNotJson.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, not_json,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", not_json))])],
              ["payloadNotJson"])

    array = gcloud_json([payload_dict(REPO_API, D_API)])
    deny_case("payload-json-array",
              "The signature verifies and the payload is valid JSON, but a JSON array holding the "
              "payload object rather than an object. Spec §8.2: payloadNotJson means \"not a "
              "JSON object\": DENIED, payloadNotJson.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, array,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", array))])],
              ["payloadNotJson"])

    # Two docker-manifest-digest keys in one object: another digest first, the image's last.
    # A last-wins reader (Python's json, serde_json) takes it as attesting the image; a
    # first-wins reader as attesting the other digest.
    one = f'"docker-manifest-digest": "sha256:{D_API}"'
    two_keys = p.replace(one.encode(), (f'"docker-manifest-digest": "sha256:{D_API_OLD}",\n'
                                        f'      {one}').encode())
    assert json.loads(two_keys)["critical"]["image"]["docker-manifest-digest"] == f"sha256:{D_API}"
    objects_keys: list[list[str]] = []
    json.loads(two_keys, object_pairs_hook=lambda kv: objects_keys.append([k for k, _ in kv]))
    assert ["docker-manifest-digest"] * 2 in objects_keys
    deny_case("payload-duplicate-digest-key",
              "A genuine signature over a payload whose critical.image object has the key "
              "docker-manifest-digest twice: first another digest, last the image's digest, which "
              "a last-wins JSON reader would take. Spec section 5: the payload is parsed strictly "
              "and a key twice in one object makes the signature not count: DENIED, "
              "payloadNotJson (spec section 8.2).",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, two_keys,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", two_keys))])],
              ["payloadNotJson"])

    d = payload_dict(REPO_API, D_API)
    del d["critical"]["image"]
    no_digest = gcloud_json(d)
    deny_case("payload-missing-digest",
              "The signature verifies and the payload is a JSON object, but it has no "
              "critical.image.docker-manifest-digest: DENIED, payloadMissingDigest (spec §8.2).",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, no_digest,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", no_digest))])],
              ["payloadMissingDigest"])

    d = payload_dict(REPO_API, D_API)
    d["critical"]["image"]["docker-manifest-digest"] = 12345
    num_digest = gcloud_json(d)
    deny_case("payload-digest-not-a-string",
              "The signature verifies, but critical.image.docker-manifest-digest is a number. "
              "Spec §8.2: payloadMissingDigest is \"no *string* critical.image."
              "docker-manifest-digest\": DENIED, payloadMissingDigest.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, num_digest,
                          [(CI_KEY_ID, sign("ECDSA_P256_SHA256", num_digest))])],
              ["payloadMissingDigest"])

    deny_case("sig-unknown-key-id",
              "A signature by the trusted key, but its publicKeyId (cryptoKeyVersions/2) names no "
              "key of the attestor: DENIED, unknownKeyId (spec §5, §8.2).",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p,
                          [(kms_id("signer", 2), good)])],
              ["unknownKeyId"])

    deny_case("no-occurrence",
              "The request carries no attestations at all: built-by-ci has no occurrence for the "
              "image's digest: DENIED, noAttestation.",
              [], ["noAttestation"])

    deny_case("occurrence-under-other-note",
              "A good occurrence, but its noteName is projects/acme/notes/security-scan. Spec §5: "
              "an occurrence counts for an attestor only when noteName equals its noteReference, "
              "so built-by-ci has none: DENIED, noAttestation.",
              [occurrence(uri(REPO_API, D_API), SCAN_NOTE, p, [(CI_KEY_ID, good)])],
              ["noAttestation"])

    deny_case("occurrence-note-compared-exactly",
              "The occurrence's noteName differs from the attestor's noteReference only by case "
              "(projects/acme/notes/Built-By-CI). Spec §5 requires exact equality: DENIED, "
              "noAttestation.",
              [occurrence(uri(REPO_API, D_API), "projects/acme/notes/Built-By-CI", p,
                          [(CI_KEY_ID, good)])],
              ["noAttestation"])

    deny_case("occurrence-for-other-digest",
              "A good built-by-ci occurrence whose resourceUri (and payload) are for another "
              "digest of the same repository. Spec §5: an occurrence is considered only for "
              "images with its digest: DENIED, noAttestation.",
              [ci_occ(D_API_OLD)],
              ["noAttestation"])

    # RSA-PSS with OpenSSL's maximum salt length.
    rsa = KEYS["rsa-2048"]
    cfg_pss = config(policy(rule(REQUIRE, [CI])),
                     [ci_attestor([pkix_key(rsa, "RSA_PSS_2048_SHA256", CI_KEY_ID)])])
    max_salt = raw_sign(rsa, p, "sha256", "pss", saltlen="max")
    assert verifies(rsa, p, max_salt, "sha256", "pss", saltlen="max")
    assert_bad("RSA_PSS_2048_SHA256", rsa, p, max_salt)
    deny_case("sig-pss-max-salt",
              "RSA_PSS_2048_SHA256 key; the signature is a genuine RSA-PSS signature with MGF1-"
              "SHA256 but OpenSSL's maximum salt length (222 bytes) instead of the digest length. "
              "Spec §5: the salt must be exactly as long as the digest: DENIED, signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, max_salt)])],
              ["signatureInvalid"], cfg_pss)

    pkcs1 = raw_sign(rsa, p, "sha256", "pkcs1")
    assert_bad("RSA_PSS_2048_SHA256", rsa, p, pkcs1)
    deny_case("sig-pkcs1-for-pss-key",
              "RSA_PSS_2048_SHA256 key; the signature is a valid PKCS#1 v1.5 SHA-256 signature "
              "by the same RSA key. The algorithm fixes the padding (spec §2.2, §5): DENIED, "
              "signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, pkcs1)])],
              ["signatureInvalid"], cfg_pss)

    rsa4k = KEYS["rsa-4096"]
    mgf_bad = raw_sign(rsa4k, p, "sha512", "pss", mgf1="sha256")
    assert verifies(rsa4k, p, mgf_bad, "sha512", "pss", mgf1="sha256")
    assert_bad("RSA_PSS_4096_SHA512", rsa4k, p, mgf_bad)
    deny_case("sig-pss-wrong-mgf1-hash",
              "RSA_PSS_4096_SHA512 key; the signature is RSA-PSS over SHA-512 with a 64-byte salt "
              "but MGF1-SHA256. Spec §5: MGF1 uses the algorithm's hash: DENIED, "
              "signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, mgf_bad)])],
              ["signatureInvalid"],
              config(policy(rule(REQUIRE, [CI])),
                     [ci_attestor([pkix_key(rsa4k, "RSA_PSS_4096_SHA512", CI_KEY_ID)])]))

    ec = KEYS["ec-p256"]
    sha384_sig = raw_sign(ec, p, "sha384", "ecdsa")
    assert verifies(ec, p, sha384_sig, "sha384", "ecdsa")
    assert_bad("ECDSA_P256_SHA256", ec, p, sha384_sig)
    deny_case("sig-ecdsa-wrong-hash",
              "ECDSA_P256_SHA256 key; the DER signature was made by the trusted key over the "
              "SHA-384 hash of the payload. The algorithm fixes SHA-256: DENIED, signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, sha384_sig)])],
              ["signatureInvalid"])

    raw = der_to_p1363(good, 32)
    assert len(raw) == 64
    assert_bad("ECDSA_P256_SHA256", ec, p, raw)
    deny_case("sig-ecdsa-raw-r-s",
              "The trusted key's valid ECDSA signature converted from ASN.1 DER to raw r||s "
              "(IEEE P1363, 64 bytes). Spec §5: ECDSA signatures are DER; raw r||s is rejected: "
              "DENIED, signatureInvalid.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, raw)])],
              ["signatureInvalid"])

    deny_case("attestor-without-keys",
              "built-by-ci has no publicKeys (userOwnedGrafeasNote without publicKeys, as gcloud "
              "prints it). Spec §2.2: it loads but can never be satisfied; the request carries a "
              "well-formed signed occurrence under its note, and the reason is noPublicKeys "
              "(spec §8.2): DENIED.",
              [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, good)])],
              ["noPublicKeys"],
              config(policy(rule(REQUIRE, [CI])), [attestor(CI, CI_NOTE, None)]))


def group_rotation() -> None:
    g = "key rotation and multiple signatures"
    p = make_payload(REPO_API, D_API)
    old, new = KEYS["ec-p256"], KEYS["ec-p256-rotated"]
    keys = [pkix_key(old, "ECDSA_P256_SHA256", CI_KEY_ID, "retiring"),
            pkix_key(new, "ECDSA_P256_SHA256", CI_KEY_ID, "current")]
    case(g, "rotation-two-keys-same-id-second-signs",
         "built-by-ci has two keys with the same id (rotation); the signature is by the second. "
         "Spec §2.2/§5: every key with the id is tried, so it verifies: ALLOWED.",
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor(keys)]),
         req=request([IMG_API], [occurrence(uri(REPO_API, D_API), CI_NOTE, p,
                                            [(CI_KEY_ID, sign("ECDSA_P256_SHA256", p, new))])]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))

    rsa_id = kms_id("signer-rsa", 3)
    keys = [pkix_key(old, "ECDSA_P256_SHA256", CI_KEY_ID),
            pkix_key(KEYS["rsa-2048"], "RSA_PSS_2048_SHA256", rsa_id)]
    case(g, "rotation-two-keys-different-algorithms",
         "built-by-ci has an ECDSA P-256 key and an RSA-PSS 2048 key with different ids; the "
         "signature is by the RSA key and names its id. One valid (signature, payload) pair from "
         "one key satisfies the attestor (spec §5): ALLOWED, verifiedBy the RSA key id.",
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor(keys)]),
         req=request([IMG_API], [occurrence(uri(REPO_API, D_API), CI_NOTE, p,
                                            [(rsa_id, sign("RSA_PSS_2048_SHA256", p))])]),
         exp=expect(True, attested(IMG_API, (CI, rsa_id))))

    good = sign("ECDSA_P256_SHA256", p)
    sigs = [(CI_KEY_ID, sign("ECDSA_P256_SHA256", p, KEYS["ec-p256-attacker"])),
            (kms_id("signer", 9), good),
            (CI_KEY_ID, der_to_p1363(good, 32)),
            (CI_KEY_ID, good)]
    case(g, "several-signatures-last-valid",
         "One occurrence with four signatures: by an untrusted key claiming the trusted id, "
         "under an unknown id, raw r||s, and finally a good one. One valid signature is enough "
         "(spec §5): ALLOWED with reason attested only (failures of a satisfied attestor are not "
         "reasons of an admitted image, §8.2).",
         cfg=ci_config(), req=request([IMG_API], [occurrence(uri(REPO_API, D_API), CI_NOTE, p, sigs)]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))

    tampered = p.replace(b"Google cloud", b"Google Cloud")
    other = make_payload(REPO_API, D_API_OLD)
    occs = [occurrence(uri(REPO_API, D_API), CI_NOTE, tampered, [(CI_KEY_ID, good)]),
            occurrence(uri(REPO_API, D_API), CI_NOTE, other,
                       [(CI_KEY_ID, sign("ECDSA_P256_SHA256", other))]),
            occurrence(uri(REPO_API, D_API), SCAN_NOTE, p, [(CI_KEY_ID, good)]),
            ci_occ(D_LEDGER, REPO_LEDGER),
            ci_occ()]
    case(g, "several-occurrences-one-valid",
         "Five occurrences: tampered payload, payload for another digest, another note, another "
         "image, and one good one for the image. One valid occurrence satisfies the attestor: "
         "ALLOWED, reason attested only.",
         cfg=ci_config(), req=request([IMG_API], occs),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))


def group_multi_attestor() -> None:
    g = "several attestors"
    cfg = config(policy(rule(REQUIRE, [CI, SCAN])), [ci_attestor(), scan_attestor()])
    case(g, "two-attestors-both-satisfied",
         "The default rule requires built-by-ci (ECDSA P-256) and security-scan (RSA-PSS 3072); "
         "both have a good occurrence. Every listed attestor is satisfied (spec §5): ALLOWED, "
         "reason kinds [attested] (deduplicated), verifiedBy both.",
         cfg=cfg, req=request([IMG_API], [ci_occ(), scan_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), (SCAN, SCAN_KEY_ID))))

    case(g, "two-attestors-one-missing",
         "Both attestors are required but only built-by-ci has an occurrence. Every attestor "
         "must be satisfied: DENIED; reasons hold attested for built-by-ci and noAttestation for "
         "security-scan (spec §8.2).",
         cfg=cfg, req=request([IMG_API], [ci_occ()]),
         exp=expect(False, denied(IMG_API, ["attested", "noAttestation"],
                                  verified=[(CI, CI_KEY_ID)])))

    p = make_payload(REPO_API, D_API)
    forged = raw_sign(KEYS["rsa-3072"], p, "sha256", "pkcs1")
    assert_bad(SCAN_ALG, KEYS["rsa-3072"], p, forged)
    case(g, "two-attestors-one-signature-invalid",
         "Both attestors are required; built-by-ci is satisfied, security-scan's occurrence has "
         "a PKCS#1 v1.5 signature for its RSA-PSS key. DENIED with reasons attested and "
         "signatureInvalid.",
         cfg=cfg, req=request([IMG_API], [ci_occ(), occurrence(uri(REPO_API, D_API), SCAN_NOTE, p,
                                                                [(SCAN_KEY_ID, forged)])]),
         exp=expect(False, denied(IMG_API, ["attested", "signatureInvalid"],
                                  verified=[(CI, CI_KEY_ID)])))

    case(g, "two-attestors-none",
         "Both attestors are required and the request has no attestations: DENIED, each "
         "attestor reports noAttestation.",
         cfg=cfg, req=request([IMG_API]),
         exp=expect(False, denied(IMG_API, ["noAttestation"])))

    case(g, "ci-signature-under-scan-note",
         "Both attestors are required. The only occurrence is signed by built-by-ci's key but "
         "filed under security-scan's note. built-by-ci has no occurrence under its note "
         "(noAttestation); security-scan's occurrence names a key id it does not have "
         "(unknownKeyId). Notes bind occurrences to attestors (spec §5): DENIED.",
         cfg=cfg, req=request([IMG_API], [occurrence(uri(REPO_API, D_API), SCAN_NOTE, p,
                                                     [(CI_KEY_ID, sign("ECDSA_P256_SHA256", p))])]),
         exp=expect(False, denied(IMG_API, ["noAttestation", "unknownKeyId"])))


def group_digest_binding() -> None:
    g = "digest binding"
    other = make_payload(REPO_API, D_API_OLD)
    case(g, "attestation-for-a-does-not-admit-b-payload",
         "The image is digest B. The occurrence's resourceUri names B, but its validly signed "
         "payload is for digest A. Spec §5: the payload digest must equal the image's: DENIED, "
         "payloadDigestMismatch.",
         cfg=ci_config(),
         req=request([IMG_API], [occurrence(uri(REPO_API, D_API), CI_NOTE, other,
                                            [(CI_KEY_ID, sign("ECDSA_P256_SHA256", other))])]),
         exp=expect(False, denied(IMG_API, ["payloadDigestMismatch"])))
    case(g, "attestation-for-a-does-not-admit-b-resource",
         "The image is digest B; the only occurrence is a good attestation for digest A of the "
         "same repository. It is considered only for A (spec §5): DENIED, noAttestation.",
         cfg=ci_config(), req=request([IMG_API], [ci_occ(D_API_OLD)]),
         exp=expect(False, denied(IMG_API, ["noAttestation"])))
    case(g, "attestation-matches-image-in-list",
         "Two images, digests A and B; only A is attested. Each image is judged by its own "
         "digest: A ALLOWED, B DENIED noAttestation; the request is not allowed.",
         cfg=ci_config(), req=request([IMG_API_OLD, IMG_API], [ci_occ(D_API_OLD)]),
         exp=expect(False, attested(IMG_API_OLD, (CI, CI_KEY_ID)),
                    denied(IMG_API, ["noAttestation"])))


def group_encodings() -> None:
    g = "encodings and references"
    p = make_payload(REPO_API, D_API)

    def ok(name: str, description: str, occs: list[dict], image: str = IMG_API) -> None:
        case(g, name, description, cfg=ci_config(), req=request([image], occs),
             exp=expect(True, attested(image, (CI, CI_KEY_ID))))

    while True:   # ECDSA signatures are randomised: sign until the base64 has + or /
        s = sign("ECDSA_P256_SHA256", p)
        if "+" in b64(s) or "/" in b64(s):
            break
    urlsafe = base64.urlsafe_b64encode(s).decode()
    assert urlsafe != b64(s)
    ok("signature-base64-url-safe",
       "The signature is URL-safe base64 (- and _ instead of + and /), as gcloud has been seen "
       "printing. Spec §5 accepts standard and URL-safe base64: ALLOWED.",
       [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, urlsafe)])])

    while True:   # sign until the base64 form has padding
        s = sign("ECDSA_P256_SHA256", p)
        if b64(s).endswith("="):
            break
    ok("signature-base64-unpadded",
       "The signature is standard base64 with its trailing = padding removed. Spec §5 accepts "
       "padded or unpadded base64: ALLOWED.",
       [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, b64(s).rstrip("="))])])

    # gcloud's payload is ASCII JSON without > ? ~, so its base64 never contains + or / (the
    # URL-safe alphabet is covered by the signature case above). Padding depends on the length;
    # the docker-reference is not compared (spec §5), so vary it until the encoding is padded.
    for i in range(100):
        q = make_payload(f"{REPO_API}-{i}" if i else REPO_API, D_API)
        if b64(q).endswith("="):
            break
    else:
        raise AssertionError("no padded payload found")
    ok("payload-base64-unpadded",
       "serializedPayload is base64 with its trailing = padding removed. Spec §5: padded or "
       "unpadded base64 is accepted: ALLOWED.",
       [occurrence(uri(REPO_API, D_API), CI_NOTE, b64(q).rstrip("="),
                   [(CI_KEY_ID, sign("ECDSA_P256_SHA256", q))])])

    good = sign("ECDSA_P256_SHA256", p)
    ok("resource-uri-without-scheme",
       "resourceUri is registry/path@sha256:HEX without https:// (as current gcloud stores it). "
       "Spec §5 allows the optional scheme: ALLOWED.",
       [occurrence(uri(REPO_API, D_API, scheme=""), CI_NOTE, p, [(CI_KEY_ID, good)])])
    ok("resource-uri-with-https",
       "resourceUri is https://registry/path@sha256:HEX (as GCP's sample occurrence prints it). "
       "Spec §5: ALLOWED.",
       [occurrence(uri(REPO_API, D_API), CI_NOTE, p, [(CI_KEY_ID, good)])])
    ok("resource-uri-other-registry",
       "The image is pulled from us-docker.pkg.dev; the occurrence's resourceUri and payload "
       "name a mirror (gcr.io/acme-mirror/payments-api) with the same digest. Spec §5: the "
       "registry path is not compared, one attestation covers the digest anywhere: ALLOWED.",
       [ci_occ(D_API, "gcr.io/acme-mirror/payments-api")])

    mirror = make_payload("europe-docker.pkg.dev/acme-eu/prod/payments-api", D_API)
    ok("payload-docker-reference-not-compared",
       "The signed payload's critical.identity.docker-reference names another registry path "
       "for the same digest; resourceUri names the image. Spec §5: docker-reference is not "
       "compared: ALLOWED.",
       [occurrence(uri(REPO_API, D_API), CI_NOTE, mirror,
                   [(CI_KEY_ID, sign("ECDSA_P256_SHA256", mirror))])])

    d = payload_dict(REPO_API, D_API)
    d["critical"]["type"] = "atomic container signature"
    typed = gcloud_json(d)
    ok("payload-type-not-compared",
       "The signed payload's critical.type is \"atomic container signature\" (the Red Hat/kritis "
       "value). Spec §5: critical.type is not compared: ALLOWED.",
       [occurrence(uri(REPO_API, D_API), CI_NOTE, typed,
                   [(CI_KEY_ID, sign("ECDSA_P256_SHA256", typed))])])

    tagged = f"{REPO_API}:1.4.2@sha256:{D_API}"
    ok("image-tag-and-digest",
       "The image is name:tag@sha256:HEX. Spec §4: judged by its digest, the tag is ignored; "
       "the attestation for the digest admits it: ALLOWED.",
       [ci_occ()], image=tagged)

    ok("image-with-https-scheme",
       "The image reference starts with https://. Spec §4: the scheme is stripped for digest "
       "extraction, the image string is reported as given: ALLOWED.",
       [ci_occ()], image="https://" + IMG_API)

    ok("occurrence-extra-gcloud-fields",
       "The occurrence carries fields gcloud prints that binauthz does not use (kind, "
       "createTime, updateTime, remediation). Spec §1: accepted and ignored: ALLOWED.",
       [ci_occ(remediation="Rebuild the image from a reviewed commit.")])

    occ = ci_occ()
    case(g, "request-yaml-text",
         "The request is given as YAML text (requestText). Spec §1: every document may be YAML "
         "or JSON; YAML is chosen because the first character is not { or [. ALLOWED.",
         cfg=ci_config(),
         request_text="# admission request in YAML\n" + to_yaml(request([IMG_API], [occ])) + "\n",
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))


def group_tags() -> None:
    g = "tags and malformed digests"
    cfg = ci_config()
    cases = [
        ("tag-only-require-attestation", IMG_API_TAG,
         "a tag-only reference (…/payments-api:1.4.2)"),
        ("no-tag-no-digest-require-attestation", REPO_API,
         "a bare repository reference without tag or digest"),
        ("digest-upper-case-hex", f"{REPO_API}@sha256:{D_API.upper()}",
         "a digest written in upper-case hex (a malformed digest, spec §4)"),
        ("digest-63-hex", f"{REPO_API}@sha256:{D_API[:63]}",
         "a digest of 63 hex digits (a malformed digest, spec §4)"),
        ("digest-sha512", f"{REPO_API}@sha512:{hashlib.sha512(b'acme/payments-api').hexdigest()}",
         "a sha512 digest (another algorithm: a malformed digest, spec §4)"),
    ]
    for name, image, what in cases:
        case(g, name,
             f"The default rule is REQUIRE_ATTESTATION and the image is {what}. Spec §4: it is "
             f"denied with reason tagReference before any attestation is looked at (the request "
             f"even carries a good attestation for the lower-case digest): DENIED, "
             f"[tagReference].",
             cfg=cfg, req=request([image], [ci_occ()]),
             exp=expect(False, img(image, "DENIED", "rule", ["tagReference"],
                                   rule_kind="default")))
    case(g, "tag-only-two-attestors",
         "REQUIRE_ATTESTATION by two attestors and a tag-only image: the only reason is "
         "tagReference (spec §4: settled before attestations are looked at), not one "
         "noAttestation per attestor.",
         cfg=config(policy(rule(REQUIRE, [CI, SCAN])), [ci_attestor(), scan_attestor()]),
         req=request([IMG_API_TAG]),
         exp=expect(False, img(IMG_API_TAG, "DENIED", "rule", ["tagReference"], rule_kind="default")))
    case(g, "tag-only-always-allow",
         "The default rule is ALWAYS_ALLOW and the image is tag-only. Spec §4: ALWAYS_ALLOW works "
         "with tags: ALLOWED, [alwaysAllow].",
         cfg=config(policy(rule(ALLOW))), req=request([IMG_API_TAG]),
         exp=expect(True, img(IMG_API_TAG, "ALLOWED", "rule", ["alwaysAllow"], rule_kind="default")))
    case(g, "tag-only-always-deny",
         "The default rule is ALWAYS_DENY and the image is tag-only. The reason is alwaysDeny, "
         "not tagReference (tagReference belongs to REQUIRE_ATTESTATION, spec §4): DENIED.",
         cfg=config(policy(rule(DENY))), req=request([IMG_API_TAG]),
         exp=expect(False, img(IMG_API_TAG, "DENIED", "rule", ["alwaysDeny"], rule_kind="default")))


def group_invalid_references() -> None:
    g = "text that is not an image reference"
    cfg = ci_config()

    def invalid(image: str, verdict: str = "DENIED", stage: str = "rule",
                reasons: tuple[str, ...] = ("invalidReference",)) -> dict:
        return img(image, verdict, stage, list(reasons), rule_kind="default")

    case(g, "image-with-space",
         "An image reference contains a space. Spec §4: the text is not an image reference, so "
         "the image is decided on its own, not as a request error; the default rule is "
         "REQUIRE_ATTESTATION and no attestation can cover such text: DENIED, [invalidReference].",
         cfg=cfg, req=request([f"{REPO_API} :1.4.2"]),
         exp=expect(False, invalid(f"{REPO_API} :1.4.2")))
    case(g, "image-empty",
         "The second image reference is the empty string (Kubernetes decodes a container without "
         "an image so). Spec §4: each image is decided: the first has no attestation "
         "(noAttestation), the second is not an image reference (invalidReference): both DENIED.",
         cfg=cfg, req=request([IMG_API, ""]),
         exp=expect(False, denied(IMG_API, ["noAttestation"]), invalid("")))
    case(g, "image-non-ascii",
         "An image reference contains a non-ASCII character (e with an acute accent). Spec §4: "
         "not an image reference: DENIED under REQUIRE_ATTESTATION, [invalidReference].",
         cfg=cfg, req=request(["us-docker.pkg.dev/acme/prod/paymént-api:1.4.2"]),
         exp=expect(False, invalid("us-docker.pkg.dev/acme/prod/paymént-api:1.4.2")))
    image = f"{REPO_API}\u001b[2K:1.4.2"
    case(g, "image-control-character",
         "An image reference contains an escape character (U+001B). Spec §4: not an image "
         "reference: DENIED, [invalidReference]; its text in messages is escaped (section 7.2).",
         cfg=cfg, req=request([image]), exp=expect(False, invalid(image)))
    template = f"us-docker.pkg.dev/{{{{ .Project }}}}/payments-api@sha256:{D_API}"
    case(g, "image-unrendered-template-with-attested-digest",
         "An unrendered template with a valid digest, as a real AdmissionReview carried it "
         "(gcr.io/{{ .Project }}/nginx@sha256:...), and a good attestation for that digest. Spec "
         "§4: the text is not an image reference, so the digest in it counts for nothing: "
         "DENIED, [invalidReference], never attested.",
         cfg=cfg, req=request([template], [ci_occ()]), exp=expect(False, invalid(template)))
    case(g, "image-invalid-always-allow",
         "The default rule is ALWAYS_ALLOW and the image reference contains a space. Spec §4: an "
         "invalid reference is settled by the applicable rule like any image, as GCP does: "
         "ALLOWED, [alwaysAllow].",
         cfg=config(policy(rule(ALLOW))), req=request([template]),
         exp=expect(True, invalid(template, "ALLOWED", reasons=("alwaysAllow",))))
    case(g, "image-invalid-always-deny",
         "The default rule is ALWAYS_DENY and the image reference contains a space: DENIED, "
         "[alwaysDeny] (invalidReference belongs to REQUIRE_ATTESTATION, like tagReference).",
         cfg=config(policy(rule(DENY))), req=request([template]),
         exp=expect(False, invalid(template, reasons=("alwaysDeny",))))
    text = "us-docker.pkg.dev/acme/prod/{{ .Values.app }}:1"
    case(g, "image-invalid-never-allowlisted",
         "The allowlist has us-docker.pkg.dev/acme/** and the default rule is REQUIRE_ATTESTATION. "
         "The first image is text that starts like a match but is not an image reference; the "
         "second is a valid tag reference under the same pattern. Spec §3/§4: no pattern matches "
         "text that is not an image reference (fail closed): the first is DENIED "
         "[invalidReference], the second ALLOWED at stage allowlist.",
         cfg=config(policy(rule(REQUIRE, [CI]), allowlist=["us-docker.pkg.dev/acme/**"]),
                    [ci_attestor()]),
         req=request([text, IMG_API_TAG]),
         exp=expect(False, invalid(text),
                    img(IMG_API_TAG, "ALLOWED", "allowlist", ["allowlisted"],
                        pattern="us-docker.pkg.dev/acme/**")))
    text = "gke.gcr.io/{{ .Component }}/agent:1"
    case(g, "image-invalid-never-a-system-image",
         "globalPolicyEvaluationMode ENABLE, a REQUIRE_ATTESTATION default rule, and text under "
         "gke.gcr.io/ that is not an image reference. Spec §3/§4: it is not exempted as a system "
         "image: DENIED, [invalidReference].",
         cfg=config(policy(rule(REQUIRE, [CI]), global_mode="ENABLE"), [ci_attestor()]),
         req=request([text]), exp=expect(False, invalid(text)))
    case(g, "image-invalid-dry-run",
         "REQUIRE_ATTESTATION with DRYRUN_AUDIT_LOG_ONLY and an image reference with a space: the "
         "invalidReference violation is admitted as DRY_RUN_VIOLATION.",
         cfg=config(policy(rule(REQUIRE, [CI], DRYRUN)), [ci_attestor()]),
         req=request([f"{REPO_API} :1.4.2"]),
         exp=expect(True, invalid(f"{REPO_API} :1.4.2", "DRY_RUN_VIOLATION")))
    case(g, "image-invalid-breakglass",
         "Breakglass with REQUIRE_ATTESTATION and an image reference with a space: admitted as "
         "BREAKGLASS at stage breakglass, with reasons breakglass and invalidReference.",
         cfg=cfg, req=request([f"{REPO_API} :1.4.2"], context={"breakglass": True}),
         exp=expect(True, invalid(f"{REPO_API} :1.4.2", "BREAKGLASS", "breakglass",
                                  ("breakglass", "invalidReference"))))


def group_modes() -> None:
    g = "evaluation and enforcement modes"
    case(g, "always-deny",
         "The default rule is ALWAYS_DENY (enforced); no attestors are configured (spec §2: "
         "attestors may be omitted). Spec §7: violation, reason alwaysDeny: DENIED.",
         cfg=config(policy(rule(DENY))), req=request([IMG_API]),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))
    case(g, "always-allow",
         "The default rule is ALWAYS_ALLOW: conformant with reason alwaysAllow, no attestation "
         "needed: ALLOWED.",
         cfg=config(policy(rule(ALLOW))), req=request([IMG_API]),
         exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["alwaysAllow"], rule_kind="default")))
    case(g, "extra-attestors-allowed",
         "The config lists two attestors that the ALWAYS_ALLOW policy does not name. Spec §2: "
         "extra attestors are allowed: ALLOWED.",
         cfg=config(policy(rule(ALLOW)), [ci_attestor(), scan_attestor()]), req=request([IMG_API]),
         exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["alwaysAllow"], rule_kind="default")))
    case(g, "dry-run-require-attestation-missing",
         "REQUIRE_ATTESTATION with DRYRUN_AUDIT_LOG_ONLY and no attestation. Spec §7: a "
         "violation under dry run is admitted with verdict DRY_RUN_VIOLATION; allowed is true; "
         "the reason stays noAttestation.",
         cfg=config(policy(rule(REQUIRE, [CI], DRYRUN)), [ci_attestor()]), req=request([IMG_API], []),
         exp=expect(True, img(IMG_API, "DRY_RUN_VIOLATION", "rule", ["noAttestation"],
                              rule_kind="default")))
    case(g, "dry-run-always-deny",
         "ALWAYS_DENY with DRYRUN_AUDIT_LOG_ONLY: the violation is admitted: allowed true, "
         "verdict DRY_RUN_VIOLATION, reason alwaysDeny.",
         cfg=config(policy(rule(DENY, None, DRYRUN))), req=request([IMG_API]),
         exp=expect(True, img(IMG_API, "DRY_RUN_VIOLATION", "rule", ["alwaysDeny"],
                              rule_kind="default")))
    case(g, "dry-run-tag-reference",
         "REQUIRE_ATTESTATION with DRYRUN_AUDIT_LOG_ONLY and a tag-only image: the tagReference "
         "violation is admitted as DRY_RUN_VIOLATION.",
         cfg=config(policy(rule(REQUIRE, [CI], DRYRUN)), [ci_attestor()]), req=request([IMG_API_TAG]),
         exp=expect(True, img(IMG_API_TAG, "DRY_RUN_VIOLATION", "rule", ["tagReference"],
                              rule_kind="default")))
    case(g, "dry-run-conformant",
         "REQUIRE_ATTESTATION with DRYRUN_AUDIT_LOG_ONLY and a good attestation: there is no "
         "violation, so the verdict is ALLOWED, not DRY_RUN_VIOLATION.",
         cfg=config(policy(rule(REQUIRE, [CI], DRYRUN)), [ci_attestor()]),
         req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))


def group_breakglass() -> None:
    g = "breakglass"
    case(g, "breakglass-always-deny",
         "context.breakglass is true and the default rule is ALWAYS_DENY. Spec §7 step 1: every "
         "image is admitted (stage breakglass); the policy is still evaluated, the image would "
         "have been denied, so its verdict is BREAKGLASS with reasons alwaysDeny and breakglass; "
         "the rule is still reported.",
         cfg=config(policy(rule(DENY))), req=request([IMG_API], context={"breakglass": True}),
         exp=expect(True, img(IMG_API, "BREAKGLASS", "breakglass", ["alwaysDeny", "breakglass"],
                              rule_kind="default")))
    case(g, "breakglass-missing-attestation",
         "Breakglass with REQUIRE_ATTESTATION and no attestation: admitted, verdict BREAKGLASS, "
         "reasons breakglass and noAttestation (what would have happened).",
         cfg=ci_config(), req=request([IMG_API], [], {"namespace": "payments", "breakglass": True}),
         exp=expect(True, img(IMG_API, "BREAKGLASS", "breakglass", ["breakglass", "noAttestation"],
                              rule_kind="default")))
    case(g, "breakglass-conformant-image",
         "Breakglass with an image that passes the rule on its own. Spec §7 step 1: stage "
         "breakglass; it would not have been denied, so the verdict is ALLOWED; reasons "
         "breakglass plus the rule's positive reason attested.",
         cfg=ci_config(), req=request([IMG_API], [ci_occ()], {"breakglass": True}),
         exp=expect(True, img(IMG_API, "ALLOWED", "breakglass", ["attested", "breakglass"],
                              rule_kind="default", verified=[(CI, CI_KEY_ID)])))
    case(g, "breakglass-always-allow",
         "Breakglass with an ALWAYS_ALLOW rule: stage breakglass, verdict ALLOWED, reasons "
         "alwaysAllow and breakglass.",
         cfg=config(policy(rule(ALLOW))), req=request([IMG_API], context={"breakglass": True}),
         exp=expect(True, img(IMG_API, "ALLOWED", "breakglass", ["alwaysAllow", "breakglass"],
                              rule_kind="default")))
    case(g, "breakglass-two-images",
         "Breakglass with two images, one attested and one not: both are admitted (allowed "
         "true); the attested one has verdict ALLOWED, the other BREAKGLASS.",
         cfg=ci_config(), req=request([IMG_API, IMG_LEDGER], [ci_occ()], {"breakglass": True}),
         exp=expect(True,
                    img(IMG_API, "ALLOWED", "breakglass", ["attested", "breakglass"],
                        rule_kind="default", verified=[(CI, CI_KEY_ID)]),
                    img(IMG_LEDGER, "BREAKGLASS", "breakglass", ["breakglass", "noAttestation"],
                        rule_kind="default")))
    case(g, "breakglass-false",
         "context.breakglass is explicitly false: no breakglass, the ALWAYS_DENY rule denies: "
         "DENIED at stage rule.",
         cfg=config(policy(rule(DENY))), req=request([IMG_API], context={"breakglass": False}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))


def group_allowlist() -> None:
    g = "allowlist patterns"

    def allow_case(name: str, description: str, pattern: str, image: str, matches: bool,
                   default: dict | None = None, cfg_attestors: list[dict] | None = None) -> None:
        default = default or rule(DENY)
        if matches:
            e = img(image, "ALLOWED", "allowlist", ["allowlisted"], pattern=pattern)
        else:
            e = img(image, "DENIED", "rule", ["alwaysDeny"], rule_kind="default")
        case(g, name, description, cfg=config(policy(default, allowlist=[pattern]), cfg_attestors),
             req=request([image]), exp=expect(matches, e))

    allow_case("allowlist-exact",
               "Pattern gcr.io/acme/tools/debug:1.0 without wildcard and the identical image: "
               "exact string match (spec §3): ALLOWED at stage allowlist, although the default "
               "rule is ALWAYS_DENY.",
               "gcr.io/acme/tools/debug:1.0", "gcr.io/acme/tools/debug:1.0", True)
    allow_case("allowlist-exact-not-tagged",
               "Pattern gcr.io/acme/tools/debug (no wildcard) and the image "
               "gcr.io/acme/tools/debug:1.0. Spec §3: exact match only, tag included, so no match; "
               "the ALWAYS_DENY default rule denies.",
               "gcr.io/acme/tools/debug", "gcr.io/acme/tools/debug:1.0", False)
    allow_case("allowlist-star-matches-tag",
               "Pattern gcr.io/acme/nginx* and image gcr.io/acme/nginx:latest: prefix match with "
               "no / in the rest (spec §3): ALLOWED.",
               "gcr.io/acme/nginx*", "gcr.io/acme/nginx:latest", True)
    allow_case("allowlist-star-matches-digest",
               "Pattern gcr.io/acme/nginx* and image gcr.io/acme/nginx@sha256:HEX: the rest "
               "contains no /, so it matches (spec §3): ALLOWED.",
               "gcr.io/acme/nginx*", f"gcr.io/acme/nginx@sha256:{digest_of('nginx')}", True)
    allow_case("allowlist-star-not-sub-path",
               "Pattern gcr.io/acme/nginx* and image gcr.io/acme/nginx-images/nginx:1.25: the "
               "rest contains /, which a single * does not cross (spec §3): DENIED by the "
               "default rule.",
               "gcr.io/acme/nginx*", "gcr.io/acme/nginx-images/nginx:1.25", False)
    allow_case("allowlist-double-star-crosses-slash",
               "Pattern gcr.io/acme/nginx** and image gcr.io/acme/nginx-1.25/image:latest: ** is a "
               "plain prefix match crossing / (spec §3): ALLOWED.",
               "gcr.io/acme/nginx**", "gcr.io/acme/nginx-1.25/image:latest", True)
    allow_case("allowlist-image-at-star",
               "Pattern IMAGE@* (us-docker.pkg.dev/acme/prod/payments-api@*) and a digest "
               "reference of that image: any digest matches (spec §3): ALLOWED without "
               "attestations although the default rule is ALWAYS_DENY.",
               f"{REPO_API}@*", IMG_API, True)
    allow_case("allowlist-image-at-star-not-tag",
               "Pattern us-docker.pkg.dev/acme/prod/payments-api@* and the tag reference "
               "…/payments-api:1.4.2: the image does not start with the text before the *: "
               "DENIED by the default rule.",
               f"{REPO_API}@*", IMG_API_TAG, False)
    allow_case("allowlist-image-colon-star",
               "Pattern us-docker.pkg.dev/acme/prod/payments-api:* and the tag reference "
               "…/payments-api:1.4.2 (spec §3: IMAGE:* matches any tag): ALLOWED.",
               f"{REPO_API}:*", IMG_API_TAG, True)
    allow_case("allowlist-prefix-crosses-segment",
               "Pattern gcr.io/acme** and image gcr.io/acme-exploit/x:1: ** is a plain prefix "
               "match, crossing segment boundaries, as GCP documents (spec §3): ALLOWED.",
               "gcr.io/acme**", "gcr.io/acme-exploit/x:1", True)
    allow_case("allowlist-beats-always-deny",
               "Pattern us-docker.pkg.dev/acme/base-images/** with an ALWAYS_DENY default rule "
               "(enforced). Spec §7: the allowlist (step 3) settles the image before the rule "
               "(step 4): ALLOWED, reason allowlisted.",
               "us-docker.pkg.dev/acme/base-images/**", "us-docker.pkg.dev/acme/base-images/migrate:1.2",
               True)
    allow_case("allowlist-beats-tag-reference",
               "Pattern us-docker.pkg.dev/acme/base-images/** with a REQUIRE_ATTESTATION default "
               "rule and a tag-only image. The allowlist settles it first, so there is no "
               "tagReference: ALLOWED, reason allowlisted (spec §4: allowlists work with tags).",
               "us-docker.pkg.dev/acme/base-images/**", "us-docker.pkg.dev/acme/base-images/migrate:1.2",
               True, rule(REQUIRE, [CI]), [ci_attestor()])
    allow_case("allowlist-local-reference",
               "Pattern local-image:* (a local reference; the text before the wildcard has a :, "
               "so spec §3 accepts it) and image local-image:dev: ALLOWED.",
               "local-image:*", "local-image:dev", True)
    allow_case("allowlist-no-normalization",
               "Pattern docker.io/library/nginx:* and image nginx:1.25. Spec §3: no "
               "normalization, nginx is not docker.io/library/nginx: DENIED by the default rule.",
               "docker.io/library/nginx:*", "nginx:1.25", False)

    pats = ["gcr.io/acme/tools/*", f"{REPO_API}@sha256:{D_API}"]
    case(g, "allowlist-several-patterns",
         "Two allowlist patterns; the image matches only the second (an exact digest reference, "
         "spec §3's IMAGE@sha256 form). ALLOWED, matchedPattern naming the second pattern.",
         cfg=config(policy(rule(DENY), allowlist=pats)), req=request([IMG_API]),
         exp=expect(True, img(IMG_API, "ALLOWED", "allowlist", ["allowlisted"], pattern=pats[1])))


def group_system_images() -> None:
    g = "system images"
    kp = "gke.gcr.io/kube-proxy:v1"

    def sys_case(name: str, description: str, image: str, mode: str | None, pattern: str | None,
                 allowlist: list[str] | None = None) -> None:
        if pattern:
            e = img(image, "ALLOWED", "systemImage", ["systemImage"], pattern=pattern)
        else:
            e = img(image, "DENIED", "rule", ["alwaysDeny"], rule_kind="default")
        case(g, name, description,
             cfg=config(policy(rule(DENY), allowlist=allowlist, global_mode=mode)),
             req=request([image]), exp=expect(pattern is not None, e))

    sys_case("system-image-enable",
             "globalPolicyEvaluationMode ENABLE and image gke.gcr.io/kube-proxy:v1 under an "
             "ALWAYS_DENY default rule. Spec §3/§7 step 2: gke.gcr.io/** is a documented system "
             "path: ALLOWED at stage systemImage.", kp, "ENABLE", "gke.gcr.io/**")
    sys_case("system-image-disable",
             "globalPolicyEvaluationMode DISABLE: gke.gcr.io/kube-proxy:v1 is not exempted; the "
             "ALWAYS_DENY default rule denies.", kp, "DISABLE", None)
    sys_case("system-image-absent-means-disable",
             "No globalPolicyEvaluationMode: spec §2.1 says absent means DISABLE, so "
             "gke.gcr.io/kube-proxy:v1 is denied by the ALWAYS_DENY default rule.", kp, None, None)
    sys_case("system-image-k8s-gcr-io",
             "ENABLE and k8s.gcr.io/pause:3.9: matches k8s.gcr.io/** (spec §3): ALLOWED at stage "
             "systemImage.", "k8s.gcr.io/pause:3.9", "ENABLE", "k8s.gcr.io/**")
    sys_case("system-image-google-containers",
             "ENABLE and gcr.io/google-containers/pause:3.2: matches gcr.io/google-containers/* "
             "(spec §3): ALLOWED at stage systemImage.",
             "gcr.io/google-containers/pause:3.2", "ENABLE", "gcr.io/google-containers/*")
    sys_case("system-image-single-star-no-sub-path",
             "ENABLE and gcr.io/google-containers/addons/pause:3.2: the system pattern "
             "gcr.io/google-containers/* does not cross / (spec §3), so it is not exempted: "
             "DENIED by the default rule.",
             "gcr.io/google-containers/addons/pause:3.2", "ENABLE", None)
    sys_case("system-image-nothing-more",
             "ENABLE and registry.k8s.io/pause:3.9: not one of the documented system paths; "
             "spec §3 exempts exactly those and nothing more: DENIED by the default rule.",
             "registry.k8s.io/pause:3.9", "ENABLE", None)
    sys_case("system-image-before-allowlist",
             "ENABLE and an allowlist gke.gcr.io/** that also matches gke.gcr.io/kube-proxy:v1. "
             "Spec §7: system images (step 2) are checked before the allowlist (step 3): stage "
             "systemImage.", kp, "ENABLE", "gke.gcr.io/**", ["gke.gcr.io/**"])


def group_specific_rules() -> None:
    g = "specific rules"
    cluster_rules = {"us-east1-b.prod": rule(ALLOW)}
    pol = policy(rule(DENY), clusterAdmissionRules=cluster_rules)
    case(g, "cluster-rule-selected",
         "The policy has a cluster rule for us-east1-b.prod (ALWAYS_ALLOW) and an ALWAYS_DENY "
         "default. context.cluster is us-east1-b.prod, so the cluster rule applies (spec §7 step "
         "4): ALLOWED, rule kind cluster, key us-east1-b.prod.",
         cfg=config(pol), req=request([IMG_API], context={"cluster": "us-east1-b.prod"}),
         exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["alwaysAllow"], rule_kind="cluster",
                              rule_key="us-east1-b.prod")))
    case(g, "cluster-rule-other-cluster",
         "Same policy; context.cluster is europe-west1-b.prod, which has no rule, so the default "
         "rule (ALWAYS_DENY) applies: DENIED, rule kind default.",
         cfg=config(pol), req=request([IMG_API], context={"cluster": "europe-west1-b.prod"}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))
    case(g, "cluster-rules-no-context",
         "Same policy; the request has no context at all. Spec §7: the default rule applies "
         "(with a note): DENIED by ALWAYS_DENY, rule kind default.",
         cfg=config(pol), req=request([IMG_API]),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))
    case(g, "cluster-rules-context-without-cluster",
         "Same policy; the context names a namespace but no cluster. The specific rule kind is "
         "cluster, which the context lacks: the default rule applies: DENIED.",
         cfg=config(pol), req=request([IMG_API], context={"namespace": "payments"}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))

    deny_pol = policy(rule(ALLOW), clusterAdmissionRules={"us-east1-b.prod": rule(DENY)})
    case(g, "cluster-rule-denies",
         "The cluster rule for us-east1-b.prod is ALWAYS_DENY while the default is ALWAYS_ALLOW; "
         "the context names that cluster: DENIED, rule kind cluster.",
         cfg=config(deny_pol), req=request([IMG_API], context={"cluster": "us-east1-b.prod"}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"], "cluster", "us-east1-b.prod")))

    strict = policy(rule(REQUIRE, [CI]),
                    clusterAdmissionRules={"us-east1-b.prod": rule(REQUIRE, [CI, SCAN])})
    cfg = config(strict, [ci_attestor(), scan_attestor()])
    case(g, "cluster-rule-stricter-than-default",
         "Default rule: built-by-ci; cluster rule us-east1-b.prod: built-by-ci and security-scan. "
         "The image is attested by built-by-ci only and deployed to us-east1-b.prod: the cluster "
         "rule applies and security-scan is missing: DENIED [attested, noAttestation].",
         cfg=cfg, req=request([IMG_API], [ci_occ()], {"cluster": "us-east1-b.prod"}),
         exp=expect(False, denied(IMG_API, ["attested", "noAttestation"], "cluster",
                                  "us-east1-b.prod", [(CI, CI_KEY_ID)])))
    case(g, "cluster-rule-stricter-other-cluster",
         "Same config and image, deployed to us-east1-b.dev (no rule): the default rule needs "
         "built-by-ci only: ALLOWED.",
         cfg=cfg, req=request([IMG_API], [ci_occ()], {"cluster": "us-east1-b.dev"}),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))

    ns_pol = policy(rule(DENY), kubernetesNamespaceAdmissionRules={
        "payments": rule(REQUIRE, [CI]), "sandbox": rule(ALLOW)})
    case(g, "namespace-rule-selected",
         "Namespace rules for payments (REQUIRE_ATTESTATION by built-by-ci) and sandbox "
         "(ALWAYS_ALLOW), ALWAYS_DENY default. context.namespace is payments and the image is "
         "attested: ALLOWED, rule kind namespace, key payments.",
         cfg=config(ns_pol, [ci_attestor()]),
         req=request([IMG_API], [ci_occ()], {"cluster": "us-east1-b.prod", "namespace": "payments"}),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), kind="namespace", key="payments")))
    case(g, "namespace-rule-other-namespace",
         "Same policy; context.namespace is kube-public (no rule): the ALWAYS_DENY default "
         "applies: DENIED.",
         cfg=config(ns_pol, [ci_attestor()]),
         req=request([IMG_API], [ci_occ()], {"namespace": "kube-public"}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))
    dry_ns = policy(rule(REQUIRE, [CI]), kubernetesNamespaceAdmissionRules={
        "staging": rule(REQUIRE, [CI, SCAN], DRYRUN)})
    case(g, "namespace-rule-dry-run",
         "The staging namespace rule requires both attestors in DRYRUN_AUDIT_LOG_ONLY; the image "
         "has only built-by-ci. The violation is admitted: allowed true, verdict "
         "DRY_RUN_VIOLATION, rule kind namespace, key staging.",
         cfg=config(dry_ns, [ci_attestor(), scan_attestor()]),
         req=request([IMG_API], [ci_occ()], {"namespace": "staging"}),
         exp=expect(True, img(IMG_API, "DRY_RUN_VIOLATION", "rule", ["attested", "noAttestation"],
                              rule_kind="namespace", rule_key="staging",
                              verified=[(CI, CI_KEY_ID)])))

    sa_pol = policy(rule(DENY), kubernetesServiceAccountAdmissionRules={
        "payments:deployer": rule(ALLOW), "payments:default": rule(REQUIRE, [CI])})
    case(g, "service-account-rule-selected",
         "Service-account rules keyed NAMESPACE:NAME. context namespace payments and "
         "serviceAccount deployer give the key payments:deployer (ALWAYS_ALLOW): ALLOWED, rule "
         "kind serviceAccount.",
         cfg=config(sa_pol, [ci_attestor()]),
         req=request([IMG_API], context={"namespace": "payments", "serviceAccount": "deployer"}),
         exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["alwaysAllow"],
                              rule_kind="serviceAccount", rule_key="payments:deployer")))
    case(g, "service-account-defaults-to-default",
         "Same policy; the context names namespace payments but no serviceAccount. Spec §7: "
         "serviceAccount defaults to `default`, so the key is payments:default "
         "(REQUIRE_ATTESTATION by built-by-ci) and the attested image is ALLOWED under it.",
         cfg=config(sa_pol, [ci_attestor()]),
         req=request([IMG_API], [ci_occ()], {"namespace": "payments"}),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), kind="serviceAccount",
                                   key="payments:default")))
    case(g, "service-account-other-account",
         "Same policy; namespace payments, serviceAccount batch-runner: no rule for "
         "payments:batch-runner, so the ALWAYS_DENY default applies: DENIED.",
         cfg=config(sa_pol, [ci_attestor()]),
         req=request([IMG_API], context={"namespace": "payments", "serviceAccount": "batch-runner"}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))

    ident = "acme.svc.id.goog/ns/payments/sa/api"
    for name, key, ctx, desc in [
        ("istio-rule-spiffe-in-key-only", "spiffe://" + ident, ident,
         "The Istio rule's key has the spiffe:// prefix, the context's istioIdentity does not."),
        ("istio-rule-spiffe-in-context-only", ident, "spiffe://" + ident,
         "The Istio rule's key has no spiffe:// prefix, the context's istioIdentity has it."),
    ]:
        case(g, name,
             f"{desc} Spec §2.1/§7: the prefix is optional and ignored when matching, so the "
             f"ALWAYS_ALLOW Istio rule applies instead of the ALWAYS_DENY default: ALLOWED. (The "
             f"rule's reported key is not checked here.)",
             cfg=config(policy(rule(DENY), istioServiceIdentityAdmissionRules={key: rule(ALLOW)})),
             req=request([IMG_API], context={"istioIdentity": ctx}),
             exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["alwaysAllow"])))
    key = "spiffe://" + ident
    # The spec does not say whether the reported rule key of an Istio rule is the policy's map key
    # as written or the key without spiffe://, so no Istio case pins `rule`.
    case(g, "istio-rule-selected",
         "The Istio rule and the context both use spiffe://acme.svc.id.goog/ns/payments/sa/api; "
         "the rule is REQUIRE_ATTESTATION by built-by-ci (the default is ALWAYS_DENY) and the "
         "image is attested: ALLOWED by the Istio rule. (The rule's reported key is not checked: "
         "the spec does not say whether it keeps the spiffe:// prefix.)",
         cfg=config(policy(rule(DENY), istioServiceIdentityAdmissionRules={key: rule(REQUIRE, [CI])}),
                    [ci_attestor()]),
         req=request([IMG_API], [ci_occ()], {"istioIdentity": key}),
         exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["attested"], verified=[(CI, CI_KEY_ID)])))
    case(g, "istio-rule-other-identity",
         "Same kind of policy; the context's identity is …/sa/worker, which has no rule: the "
         "ALWAYS_DENY default applies: DENIED.",
         cfg=config(policy(rule(DENY), istioServiceIdentityAdmissionRules={key: rule(ALLOW)})),
         req=request([IMG_API], context={"istioIdentity": "spiffe://acme.svc.id.goog/ns/payments/sa/worker"}),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))


def group_multiple_images() -> None:
    g = "multiple images"
    case(g, "two-images-one-denied",
         "Two images under REQUIRE_ATTESTATION by built-by-ci; only the first is attested. Spec "
         "§7: a request is admitted only if every image is: allowed false; per-image verdicts in "
         "request order: ALLOWED, DENIED.",
         cfg=ci_config(), req=request([IMG_API, IMG_LEDGER], [ci_occ()]),
         exp=expect(False, attested(IMG_API, (CI, CI_KEY_ID)), denied(IMG_LEDGER, ["noAttestation"])))
    case(g, "same-image-twice",
         "The same attested image is listed twice. Spec §7: it is a list, evaluated twice: two "
         "ALLOWED entries.",
         cfg=ci_config(), req=request([IMG_API, IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID)), attested(IMG_API, (CI, CI_KEY_ID))))
    base = "us-docker.pkg.dev/acme/base-images/migrate:1.2"
    case(g, "pod-mixed-stages",
         "A pod-like request with four images: a system image (ENABLE), an allowlisted base "
         "image, an attested image and an unattested one. Each is settled at its own stage; "
         "the last is denied, so the request is not allowed.",
         cfg=config(policy(rule(REQUIRE, [CI]), allowlist=["us-docker.pkg.dev/acme/base-images/**"],
                           global_mode="ENABLE"), [ci_attestor()]),
         req=request(["gke.gcr.io/kube-proxy:v1", base, IMG_API, IMG_LEDGER], [ci_occ()],
                     {"cluster": "us-east1-b.prod", "namespace": "payments"}),
         exp=expect(False,
                    img("gke.gcr.io/kube-proxy:v1", "ALLOWED", "systemImage", ["systemImage"],
                        pattern="gke.gcr.io/**"),
                    img(base, "ALLOWED", "allowlist", ["allowlisted"],
                        pattern="us-docker.pkg.dev/acme/base-images/**"),
                    attested(IMG_API, (CI, CI_KEY_ID)),
                    denied(IMG_LEDGER, ["noAttestation"])))


def group_document_formats() -> None:
    g = "document formats"
    pol = policy(rule(REQUIRE, [CI, SCAN]), allowlist=["us-docker.pkg.dev/acme/base-images/**"],
                 global_mode="ENABLE")
    text = ("# binauthz config in YAML: policy as `gcloud container binauthz policy export`\n"
            "# prints it, attestors as `gcloud container binauthz attestors describe` does.\n"
            + to_yaml(config(pol, [ci_attestor(), scan_attestor()])) + "\n")
    case(g, "config-yaml-text",
         "The config is YAML text with comments (configText). Spec §1: YAML is accepted; the "
         "image is attested by both attestors: ALLOWED.",
         config_text=text, req=request([IMG_API], [ci_occ(), scan_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), (SCAN, SCAN_KEY_ID))))
    case(g, "config-json-text-with-bom",
         "The config is JSON text preceded by a UTF-8 byte-order mark. Spec §1: the BOM is "
         "skipped and the text is parsed as JSON: evaluation succeeds, ALLOWED.",
         config_text="\ufeff" + json.dumps(ci_config()),
         req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))
    drydock = ci_attestor()
    drydock["userOwnedDrydockNote"] = drydock.pop("userOwnedGrafeasNote")
    case(g, "attestor-drydock-note-alias",
         "The attestor uses userOwnedDrydockNote (v1beta1's name) instead of "
         "userOwnedGrafeasNote. Spec §2.2 accepts it as an alias: ALLOWED.",
         cfg=config(policy(rule(REQUIRE, [CI])), [drydock]), req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))


def group_config_errors() -> None:
    g = "config errors"
    req = request([IMG_API])

    def err_case(name: str, description: str, cfg: dict | None, code: str, contains: str | None,
                 text: str | None = None) -> None:
        case(g, name, description, cfg=cfg, config_text=text, req=req,
             err=expect_error("config", code, contains))

    def with_default(**changes) -> dict:
        r = rule(ALLOW)
        r.update(changes)
        return r

    pol = policy(rule(ALLOW))
    pol["admissionAllowlistPatterns"] = [{"namePattern": "gcr.io/acme/*"}]
    err_case("policy-unknown-field",
             "The policy has an unknown field admissionAllowlistPatterns (a plausible misspelling "
             "of admissionWhitelistPatterns). Spec §1: unknown fields are rejected: invalid.",
             config(pol), "invalid", "admissionAllowlistPatterns")
    c = config(policy(rule(ALLOW)))
    c["version"] = 1
    err_case("config-unknown-field",
             "The config object has an unknown top-level field `version`: invalid.",
             c, "invalid", "version")
    a = ci_attestor()
    a["owner"] = "platform-team"
    err_case("attestor-unknown-field",
             "An attestor has an unknown field `owner`. Spec §1: unknown fields are rejected in "
             "attestor documents: invalid.",
             config(policy(rule(REQUIRE, [CI])), [a]), "invalid", "owner")
    err_case("evaluation-mode-unspecified",
             "defaultAdmissionRule.evaluationMode is EVALUATION_MODE_UNSPECIFIED. Spec §2.1: any "
             "*_UNSPECIFIED value is rejected: invalid.",
             config(policy(with_default(evaluationMode="EVALUATION_MODE_UNSPECIFIED"))),
             "invalid", "EVALUATION_MODE_UNSPECIFIED")
    err_case("enforcement-mode-unspecified",
             "defaultAdmissionRule.enforcementMode is ENFORCEMENT_MODE_UNSPECIFIED: invalid.",
             config(policy(with_default(enforcementMode="ENFORCEMENT_MODE_UNSPECIFIED"))),
             "invalid", "ENFORCEMENT_MODE_UNSPECIFIED")
    err_case("global-mode-unspecified",
             "globalPolicyEvaluationMode is GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED. Spec §2.1 "
             "rejects every *_UNSPECIFIED value (only an absent field means DISABLE): invalid.",
             config(policy(rule(ALLOW), global_mode="GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED")),
             "invalid", "GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED")
    err_case("evaluation-mode-unknown",
             "defaultAdmissionRule.evaluationMode is ALWAYS_MAYBE, not an enum value: invalid.",
             config(policy(with_default(evaluationMode="ALWAYS_MAYBE"))), "invalid", "ALWAYS_MAYBE")
    pol = policy(rule(ALLOW))
    del pol["defaultAdmissionRule"]
    err_case("default-rule-missing",
             "The policy has no defaultAdmissionRule. Spec §2.1: it is required: invalid.",
             config(pol), "invalid", "defaultAdmissionRule")
    r = rule(ALLOW)
    del r["enforcementMode"]
    err_case("enforcement-mode-missing",
             "defaultAdmissionRule has no enforcementMode (REQUIRED in the proto): invalid.",
             config(policy(r)), "invalid", "enforcementMode")
    r = rule(ALLOW)
    del r["evaluationMode"]
    err_case("evaluation-mode-missing",
             "defaultAdmissionRule has no evaluationMode (REQUIRED in the proto): invalid.",
             config(policy(r)), "invalid", "evaluationMode")
    err_case("require-attestation-empty-list",
             "REQUIRE_ATTESTATION with requireAttestationsBy: []. Spec §2.1: rejected: invalid.",
             config(policy(with_default(evaluationMode=REQUIRE, requireAttestationsBy=[])),
                    [ci_attestor()]),
             "invalid", "requireAttestationsBy")
    err_case("require-attestation-missing-list",
             "REQUIRE_ATTESTATION without requireAttestationsBy. Spec §2.1: rejected: invalid.",
             config(policy(with_default(evaluationMode=REQUIRE)), [ci_attestor()]),
             "invalid", "requireAttestationsBy")
    err_case("attestors-on-always-allow",
             "ALWAYS_ALLOW with a non-empty requireAttestationsBy. Spec §2.1: rejected on any mode "
             "other than REQUIRE_ATTESTATION: invalid.",
             config(policy(with_default(requireAttestationsBy=[CI])), [ci_attestor()]),
             "invalid", "requireAttestationsBy")
    err_case("attestor-listed-twice",
             "A rule lists projects/acme/attestors/built-by-ci twice. Spec §2.1: rejected: "
             "invalid.",
             config(policy(rule(REQUIRE, [CI, CI])), [ci_attestor()]), "invalid", "requireAttestationsBy")
    err_case("attestor-name-malformed",
             "A rule names the attestor `built-by-ci` instead of projects/P/attestors/A. Spec "
             "§2.1: rejected with code invalid (a shape error, not a missing reference).",
             config(policy(rule(REQUIRE, ["built-by-ci"])), [ci_attestor()]), "invalid", "built-by-ci")
    err_case("two-kinds-of-specific-rules",
             "The policy sets both clusterAdmissionRules and kubernetesNamespaceAdmissionRules. "
             "Spec §2.1: more than one kind of specific rule is rejected: invalid.",
             config(policy(rule(DENY), clusterAdmissionRules={"us-east1-b.prod": rule(ALLOW)},
                           kubernetesNamespaceAdmissionRules={"payments": rule(ALLOW)})),
             "invalid", "kubernetesNamespaceAdmissionRules")
    for name, kind, key, why in [
        ("cluster-key-without-dot", "clusterAdmissionRules", "us-east1-prod",
         "a cluster key must be LOCATION.CLUSTER_ID with exactly one `.`"),
        ("cluster-key-two-dots", "clusterAdmissionRules", "us-east1-b.prod.blue",
         "a cluster key must have exactly one `.`"),
        ("namespace-key-wildcard", "kubernetesNamespaceAdmissionRules", "team-*",
         "map keys never contain `*` (GCP has no wildcards there)"),
        ("namespace-key-upper-case", "kubernetesNamespaceAdmissionRules", "Payments",
         "a namespace is an RFC 1123 label (lower case)"),
        ("service-account-key-without-colon", "kubernetesServiceAccountAdmissionRules",
         "payments-deployer", "a service-account key is NAMESPACE:NAME"),
    ]:
        err_case(name, f"{kind} has the key `{key}`; spec §2.1: {why}: invalid.",
                 config(policy(rule(DENY), **{kind: {key: rule(ALLOW)}})), "invalid", key)
    ident = "acme.svc.id.goog/ns/payments/sa/api"
    err_case("istio-keys-duplicate-by-prefix",
             "istioServiceIdentityAdmissionRules has the keys spiffe://ID and ID. Spec §2.1: the "
             "prefix is ignored when matching, so they are duplicates: invalid.",
             config(policy(rule(DENY), istioServiceIdentityAdmissionRules={
                 "spiffe://" + ident: rule(ALLOW), ident: rule(DENY)})), "invalid", ident)
    for name, pattern, contains, why in [
        ("allowlist-pattern-star", "*", "admissionWhitelistPatterns",
         "the wildcard would reach into the registry host (no / before it)"),
        ("allowlist-pattern-registry-star", "gcr.io*", "gcr.io*",
         "the text before the wildcard has no /, so it could match any registry"),
        ("allowlist-pattern-inner-star", "gcr.io/a*b", "gcr.io/a*b",
         "a * anywhere but the end"),
        ("allowlist-pattern-three-stars", "gcr.io/acme/***", "gcr.io/acme/***",
         "more than two trailing *"),
        ("allowlist-pattern-empty", "", "admissionWhitelistPatterns", "an empty pattern"),
        ("allowlist-pattern-local-star", "local-image*", "local-image*",
         "a local reference whose text before the wildcard has no /, : or @"),
        ("allowlist-wildcard-in-port-rejected", "gcr.io:**", "gcr.io:**",
         "a ** with no / before it, whose registry is not complete: it would match "
         "gcr.io:443/attacker/x, an image on another port (and gcr.io:5000/..., another registry)"),
    ]:
        err_case(name, f"Allowlist pattern `{pattern}`: spec §3 rejects {why}: invalid.",
                 config(policy(rule(DENY), allowlist=[pattern])), "invalid", contains)
    err_case("attestor-not-in-config",
             "The policy requires projects/acme/attestors/missing, which the config's attestors "
             "do not contain. Spec §2: error code reference.",
             config(policy(rule(REQUIRE, [CI, "projects/acme/attestors/missing"])), [ci_attestor()]),
             "reference", "projects/acme/attestors/missing")
    err_case("attestors-omitted-but-required",
             "The policy requires built-by-ci but the config has no attestors field. Spec §2: "
             "error code reference.",
             config(policy(rule(REQUIRE, [CI]))), "reference", CI)
    err_case("duplicate-attestor-names",
             "The config lists built-by-ci twice. Spec §2: two attestors with the same name are an "
             "error: invalid.",
             config(policy(rule(REQUIRE, [CI])), [ci_attestor(), ci_attestor()]), "invalid", CI)

    def key_case(name: str, description: str, key: dict, code: str = "invalid",
                 contains: str = "publicKeys[0]") -> None:
        err_case(name, description, config(policy(rule(REQUIRE, [CI])), [ci_attestor([key])]),
                 code, contains)

    key_case("rsa-3072-key-under-pss-2048",
             "An RSA 3072-bit key with signatureAlgorithm RSA_PSS_2048_SHA256. Spec §2.2: the "
             "modulus must be exactly 2048 bits: invalid.",
             pkix_key(KEYS["rsa-3072"], "RSA_PSS_2048_SHA256", CI_KEY_ID))
    key_case("p384-key-under-p256",
             "A P-384 EC key with signatureAlgorithm ECDSA_P256_SHA256. Spec §2.2: the key must "
             "be on the named curve: invalid.",
             pkix_key(KEYS["ec-p384"], "ECDSA_P256_SHA256", CI_KEY_ID))
    key_case("ec-key-under-rsa-algorithm",
             "A P-256 EC key with signatureAlgorithm RSA_PSS_2048_SHA256: the key does not match "
             "the algorithm (spec §2.2): invalid.",
             pkix_key(KEYS["ec-p256"], "RSA_PSS_2048_SHA256", CI_KEY_ID))
    key_case("rsa-1024-key",
             "An RSA 1024-bit key with signatureAlgorithm RSA_SIGN_PKCS1_2048_SHA256. Spec §2.2: "
             "RSA below 2048 bits is never accepted: invalid.",
             pkix_key(KEYS["rsa-1024"], "RSA_SIGN_PKCS1_2048_SHA256", CI_KEY_ID))
    key_case("signature-algorithm-unspecified",
             "signatureAlgorithm is SIGNATURE_ALGORITHM_UNSPECIFIED. Spec §2.2: rejected: invalid.",
             pkix_key(KEYS["ec-p256"], "SIGNATURE_ALGORITHM_UNSPECIFIED", CI_KEY_ID),
             contains="SIGNATURE_ALGORITHM_UNSPECIFIED")
    key_case("signature-algorithm-ml-dsa-65",
             "signatureAlgorithm is ML_DSA_65 (a v1beta1 post-quantum value). Spec §2.2: rejected: "
             "invalid.",
             pkix_key(KEYS["ec-p256"], "ML_DSA_65", CI_KEY_ID), contains="ML_DSA_65")
    bad_pem = pkix_key(KEYS["ec-p256"], "ECDSA_P256_SHA256", CI_KEY_ID)
    bad_pem["pkixPublicKey"]["publicKeyPem"] = ("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n"
                                                "-----END PUBLIC KEY-----\n")
    key_case("public-key-pem-garbage",
             "publicKeyPem holds a PEM block whose content is not a SubjectPublicKeyInfo: the "
             "value breaks a rule of the spec (§2.2: the key must match the algorithm): invalid.",
             bad_pem)
    k = pkix_key(KEYS["ec-p256"], "ECDSA_P256_SHA256", CI_KEY_ID)
    k["pkixPublicKey"]["keyId"] = kms_id("signer", 2)
    key_case("pkix-key-id-differs-from-id",
             "pkixPublicKey.keyId (…/cryptoKeyVersions/2) differs from the key's id "
             "(…/cryptoKeyVersions/1). Spec §2.2: keyId must equal id when both are set: invalid.",
             k, contains="keyId")
    key_case("pgp-key-id-not-fingerprint",
             "The attestor's only key is an ASCII-armored PGP public key whose id is a Cloud KMS "
             "key version name, not the key's fingerprint. Spec §11.1: a PGP key's id is its "
             "upper-case 40-hex V4 fingerprint; a supplied id that disagrees is an error: invalid.",
             {"asciiArmoredPgpPublicKey": PGP_PUBLIC_KEY, "id": CI_KEY_ID},
             contains="publicKeys[0].id")

    err_case("config-yaml-syntax-error",
             "configText is YAML with a syntax error (a flow sequence that is never closed). "
             "Spec §1: code syntax. (No messageContains: the parser's wording is not part of the "
             "spec.)",
             None, "syntax", None,
             text="policy:\n  defaultAdmissionRule:\n    evaluationMode: ALWAYS_ALLOW\n"
                  "    enforcementMode: [ENFORCED_BLOCK_AND_AUDIT_LOG\n")
    err_case("config-json-syntax-error",
             "configText starts with { so it is parsed as JSON (spec §1), and the JSON is cut "
             "off: code syntax.",
             None, "syntax", None,
             text='{"policy": {"defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW",')


def group_request_errors() -> None:
    g = "request errors"
    cfg = ci_config()

    def err_case(name: str, description: str, req: dict, contains: str,
                 code: str = "invalid") -> None:
        case(g, name, description, cfg=cfg, req=req, err=expect_error("request", code, contains))

    err_case("no-images",
             "The request's images list is empty. Spec §7: a request with no images is an error "
             "(code invalid), never an allow.",
             request([], [ci_occ()]), "images")
    err_case("context-unknown-field",
             "The context has an unknown field podNamespace. Spec §8.1: unknown fields are "
             "rejected: invalid.",
             request([IMG_API], [], {"podNamespace": "payments"}), "podNamespace")
    r = request([IMG_API])
    r["image"] = IMG_API
    err_case("request-unknown-field",
             "The request has an unknown top-level field `image` (next to images): invalid.",
             r, "image")
    err_case("context-breakglass-not-boolean",
             "context.breakglass is the string \"true\" instead of a boolean: wrong type: invalid.",
             request([IMG_API], [], {"breakglass": "true"}), "breakglass")
    err_case("image-too-long",
             "An image reference of 4,097 bytes. Spec §4: a reference longer than 4,096 bytes is a "
             "request error (code limit), not an image to decide: every decision copies it.",
             request([REPO_API + ":" + "1" * (4096 - len(REPO_API))]), "images[0]", "limit")


def snake_case_fields(v):
    """The same document with every field under its original proto name (`noteName` becomes
    `note_name`), as clients that keep the protos' names write it (kritis, Python's
    MessageToJson(preserving_proto_field_name=True))."""
    if isinstance(v, dict):
        return {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): snake_case_fields(x)
                for k, x in v.items()}
    if isinstance(v, list):
        return [snake_case_fields(x) for x in v]
    return v


def group_occurrences() -> None:
    """Occurrences as people have them (spec §5): one that cannot be read is skipped and denies
    only the images it could concern; other kinds are ignored; original field names are read."""
    g = "occurrences"
    cfg = ci_config()

    def skipped_case(name: str, description: str, occ: dict) -> None:
        case(g, name, description, cfg=cfg, req=request([IMG_API], [occ]),
             exp=expect(False, denied(IMG_API, ["occurrenceMalformed"])))

    occ = ci_occ()
    del occ["noteName"]
    skipped_case("occurrence-without-note-name",
                 "The api image's only occurrence has no noteName. Spec §5: noteName is "
                 "required; the occurrence is skipped, and as its note cannot be read it could "
                 "be any attestor's, so built-by-ci's result for the api digest lists it: DENIED, "
                 "occurrenceMalformed.", occ)
    occ = ci_occ()
    occ["resourceUri"] = "https://" + IMG_API_TAG
    skipped_case("occurrence-resource-uri-without-digest",
                 "The occurrence's resourceUri is a tag reference. Spec §5: resourceUri must "
                 "carry a valid sha256 digest; the occurrence is skipped and, naming no digest, "
                 "could be any image's under its note: DENIED, occurrenceMalformed.", occ)
    occ = ci_occ()
    occ["resourceUri"] = uri(REPO_API, D_API.upper())
    skipped_case("occurrence-resource-uri-upper-case-digest",
                 "The occurrence's resourceUri has the api image's digest in upper-case hex "
                 "(hand-edited), which is not a valid sha256 digest (spec §4/§5). It is skipped; "
                 "read case-insensitively its digest is the api image's, which it is listed for: "
                 "DENIED, occurrenceMalformed.", occ)
    occ = ci_occ()
    occ["attestation"]["signatures"][0]["signature"] = "MEUCIQ!!not-base64!!"
    skipped_case("signature-not-base64",
                 "A signature value contains characters outside both base64 alphabets. The "
                 "occurrence is skipped (spec §5): DENIED, occurrenceMalformed.", occ)
    occ = ci_occ()
    s = occ["attestation"]["signatures"][0]["signature"]
    occ["attestation"]["signatures"][0]["signature"] = s[:40] + "\n" + s[40:]
    skipped_case("signature-base64-with-whitespace",
                 "A signature's base64 has a newline in the middle. Spec §5: whitespace inside "
                 "is an error; the occurrence is skipped: DENIED, occurrenceMalformed.", occ)
    occ = ci_occ()
    occ["attestation"]["serializedPayload"] = "{not base64}"
    skipped_case("payload-not-base64",
                 "serializedPayload is not base64; the occurrence is skipped (spec §5): DENIED, "
                 "occurrenceMalformed.", occ)
    occ = ci_occ()
    occ["note_name"] = occ["noteName"]
    skipped_case("occurrence-field-under-both-names",
                 "The occurrence gives noteName and note_name (the same field under its JSON and "
                 "its original proto name). Spec §5: a field given twice is an error, as in "
                 "proto3 parsers; the occurrence is skipped: DENIED, occurrenceMalformed.", occ)

    base = "us-docker.pkg.dev/acme/base-images/migrate:1.2"
    bad = ci_occ(D_LEDGER, REPO_LEDGER)
    bad["resourceUri"] = uri(REPO_LEDGER, D_LEDGER.upper())
    case(g, "occurrence-malformed-denies-only-the-images-that-need-it",
         "Four images: an allowlisted base image, the attested api image, the ledger image "
         "whose only occurrence has its digest in upper-case hex, and an older api image with no "
         "occurrence. Spec §5: the malformed occurrence is skipped, not an error of the request; "
         "it concerns the ledger digest (case aside) under built-by-ci's note, so only the "
         "ledger image lists it: ALLOWED, ALLOWED, DENIED occurrenceMalformed, DENIED "
         "noAttestation. The decision's notes name the skipped occurrence.",
         cfg=config(policy(rule(REQUIRE, [CI]), allowlist=["us-docker.pkg.dev/acme/base-images/**"]),
                    [ci_attestor()]),
         req=request([base, IMG_API, IMG_LEDGER, IMG_API_OLD], [ci_occ(), bad]),
         exp=expect(False,
                    img(base, "ALLOWED", "allowlist", ["allowlisted"],
                        pattern="us-docker.pkg.dev/acme/base-images/**"),
                    attested(IMG_API, (CI, CI_KEY_ID)),
                    denied(IMG_LEDGER, ["occurrenceMalformed"]),
                    denied(IMG_API_OLD, ["noAttestation"]),
                    notes=[bad["name"]]))
    bad = ci_occ()
    bad["resourceUri"] = uri(REPO_API, D_API.upper())
    case(g, "occurrence-malformed-beside-a-valid-one",
         "The api image has a valid built-by-ci occurrence and a second one with an upper-case "
         "digest. Spec §5: a skipped occurrence never satisfies an attestor and never stops "
         "another from satisfying it: ALLOWED.",
         cfg=cfg, req=request([IMG_API], [bad, ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID)), notes=[bad["name"]]))
    bad = scan_occ()
    del bad["attestation"]["serializedPayload"]
    case(g, "occurrence-malformed-under-a-note-no-rule-needs",
         "An occurrence under security-scan's note (which no rule requires) has no "
         "serializedPayload; the api image needs only built-by-ci. Spec §5: the skipped "
         "occurrence concerns no required attestor: ALLOWED, and a note names it.",
         cfg=config(policy(rule(REQUIRE, [CI])), [ci_attestor(), scan_attestor()]),
         req=request([IMG_API], [ci_occ(), bad]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID)), notes=[bad["name"]]))

    build = {"name": "projects/acme/occurrences/build-1", "resourceUri": uri(REPO_API, D_API),
             "noteName": "projects/acme/notes/cloud-build", "kind": "BUILD",
             "createTime": "2024-02-01T10:00:00Z",
             "build": {"provenance": {"id": "b-1", "projectId": "acme"}}}
    vuln = {"name": "projects/acme/occurrences/vuln-1", "resourceUri": uri(REPO_API, D_API),
            "noteName": "projects/goog-vulnz/notes/CVE-2024-0001", "kind": "VULNERABILITY",
            "vulnerability": {"severity": "HIGH", "packageIssue": []}}
    case(g, "occurrence-other-kinds-ignored",
         "Beside the api image's attestation, the list holds a BUILD and a VULNERABILITY "
         "occurrence for the same image (a Container Analysis listing without a kind filter). "
         "Spec §5: GCP reads only the attestor's note; other kinds are ignored, with one note "
         "that counts them: ALLOWED.",
         cfg=cfg, req=request([IMG_API], [build, ci_occ(), vuln]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID)), notes=["BUILD", "VULNERABILITY"]))
    relabelled = ci_occ()
    relabelled["kind"] = "BUILD"
    case(g, "occurrence-other-kind-never-attests",
         "A genuine built-by-ci attestation whose kind is edited to BUILD. Spec §5: the kind "
         "says what an occurrence is; one of another kind is ignored and cannot satisfy an "
         "attestor: DENIED, noAttestation.",
         cfg=cfg, req=request([IMG_API], [relabelled]),
         exp=expect(False, denied(IMG_API, ["noAttestation"]), notes=["BUILD"]))
    numbered = ci_occ()
    numbered["kind"] = 7
    case(g, "occurrence-kind-as-number",
         "The occurrence's kind is the number 7. Proto3 JSON parsers accept an enum's number; "
         "NoteKind ATTESTATION is 7: ALLOWED.",
         cfg=cfg, req=request([IMG_API], [numbered]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))
    case(g, "occurrence-original-field-names",
         "The occurrence is written with the protos' original field names (resource_uri, "
         "note_name, create_time, serialized_payload, public_key_id), as clients that keep them "
         "write it. Proto3 JSON parsers accept both names; spec §5: ALLOWED.",
         cfg=cfg, req=request([IMG_API], [snake_case_fields(ci_occ())]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))
    case(g, "occurrence-not-a-mapping",
         "The request's attestations list holds a string. Spec §5: an entry that is not a "
         "mapping is an error of the list, not an occurrence to skip: request error, invalid.",
         cfg=cfg, req=request([IMG_API], [ci_occ(), "projects/acme/occurrences/1"]),
         err=expect_error("request", "invalid", "attestations[1]"))
    r = request([IMG_API])
    r["attestations"] = {"occurrences": [ci_occ()]}
    case(g, "request-attestations-must-be-a-list",
         "The request's attestations field is a Container Analysis list response. Spec §8.1: a "
         "request's attestations is a list (list responses and YAML streams are read from "
         "attestations documents, §5): request error, invalid.",
         cfg=cfg, req=r, err=expect_error("request", "invalid", "attestations"))


# ---------------------------------------------------------------------------------------------
# PGP: a public key made once with `gpg --quick-gen-key ... ed25519 sign` (private key discarded),
# for a config-error case. The PGP cases proper are made by group_pgp with a throwaway GnuPG home.
# ---------------------------------------------------------------------------------------------

PGP_FINGERPRINT = "D78F31365D594EA30CCCA8C87FF8A6DB41AE0FD3"
PGP_PUBLIC_KEY = """-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawhgXxYJKwYBBAHaRw8BAQdAX1B6ItWI0riGOjGzC3kxQlFb28hlqA7QmE8C
40zoNOG0O0FDTUUgQ0kgU2lnbmVyIChiaW5hdXRoeiB0ZXN0IGtleSkgPGNpLXNp
Z25lckBhY21lLmV4YW1wbGU+iJAEExYIADgWIQTXjzE2XVlOowzMqMh/+KbbQa4P
0wUCawhgXwIbAwULCQgHAgYVCgkICwIEFgIDAQIeAQIXgAAKCRB/+KbbQa4P06lO
AP0WhYrAlFTuCks3YOq0zPQ9UUAKwx+jKGDJBBMED5K4KAD+MUUSdUqsICYcRZ69
UZo5n7fj71/p7WbM2me6nkNOygY=
=TvaK
-----END PGP PUBLIC KEY BLOCK-----
"""


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

def group_kubernetes() -> None:
    g = "kubernetes objects"
    pol = policy(rule(DENY), kubernetesNamespaceAdmissionRules={"payments": rule(REQUIRE, [CI])})
    cfg = config(pol, [ci_attestor()])

    def pod_spec(*containers: tuple[str, str], init: tuple[str, str] | None = None,
                 sa: str | None = None) -> dict:
        spec: dict = {"containers": [{"name": n, "image": i} for n, i in containers]}
        if init is not None:
            spec["initContainers"] = [{"name": init[0], "image": init[1]}]
        if sa is not None:
            spec["serviceAccountName"] = sa
        return spec

    def deployment(namespace: str | None, spec: dict, labels: dict | None = None) -> dict:
        meta: dict = {"name": "payments-api"}
        if namespace is not None:
            meta["namespace"] = namespace
        template: dict = {"spec": spec}
        if labels is not None:
            template["metadata"] = {"labels": labels}
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                "spec": {"template": template}}

    def obj_request(obj: dict, attestations: list[dict] | None = None,
                    context: dict | None = None) -> dict:
        r: dict = {"object": obj}
        if attestations is not None:
            r["attestations"] = attestations
        if context is not None:
            r["context"] = context
        return r

    case(g, "object-deployment-namespace-rule",
         "The request carries a Deployment in namespace payments instead of an images list "
         "(spec section 10). Its namespace selects the payments rule (REQUIRE_ATTESTATION by "
         "built-by-ci), and the image is attested: ALLOWED, rule kind namespace.",
         cfg=cfg, req=obj_request(deployment("payments", pod_spec(("api", IMG_API))), [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), kind="namespace", key="payments")))
    case(g, "object-namespace-from-context",
         "A Deployment without metadata.namespace: the context's namespace (payments) applies "
         "(spec section 10): ALLOWED under the payments rule.",
         cfg=cfg, req=obj_request(deployment(None, pod_spec(("api", IMG_API))), [ci_occ()],
                                  {"namespace": "payments"}),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), kind="namespace", key="payments")))
    case(g, "object-namespace-defaults-to-default",
         "A Deployment with no namespace and no context: namespace default, which has no rule, "
         "so the ALWAYS_DENY default rule applies: DENIED.",
         cfg=cfg, req=obj_request(deployment(None, pod_spec(("api", IMG_API))), [ci_occ()]),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))
    case(g, "object-init-containers-are-evaluated",
         "A Deployment in payments whose init container runs an unattested image: containers "
         "then init containers are evaluated in order, and the init container is DENIED.",
         cfg=cfg, req=obj_request(deployment("payments", pod_spec(("api", IMG_API),
                                                                   init=("migrate", IMG_LEDGER))),
                                  [ci_occ()]),
         exp=expect(False, attested(IMG_API, (CI, CI_KEY_ID), kind="namespace", key="payments"),
                    denied(IMG_LEDGER, ["noAttestation"], "namespace", "payments")))
    case(g, "object-breakglass-label",
         "The pod template has the label image-policy.k8s.io/break-glass: \"true\" (spec section "
         "10): the unattested image is admitted with verdict BREAKGLASS.",
         cfg=cfg, req=obj_request(deployment("payments", pod_spec(("api", IMG_API)),
                                             {"image-policy.k8s.io/break-glass": "true"})),
         exp=expect(True, img(IMG_API, "BREAKGLASS", "breakglass", ["breakglass", "noAttestation"],
                              rule_kind="namespace", rule_key="payments")))
    sa_pol = policy(rule(DENY), kubernetesServiceAccountAdmissionRules={
        "payments:deployer": rule(ALLOW)})
    case(g, "object-service-account-rule",
         "The pod spec's serviceAccountName is deployer in namespace payments, which has an "
         "ALWAYS_ALLOW service-account rule: ALLOWED, rule key payments:deployer.",
         cfg=config(sa_pol), req=obj_request(deployment("payments", pod_spec(("api", IMG_API),
                                                                             sa="deployer"))),
         exp=expect(True, img(IMG_API, "ALLOWED", "rule", ["alwaysAllow"],
                              rule_kind="serviceAccount", rule_key="payments:deployer")))
    case(g, "object-service-account-defaults-to-default",
         "Same policy, no serviceAccountName: the service account is default, so payments:default "
         "has no rule and the ALWAYS_DENY default applies: DENIED.",
         cfg=config(sa_pol), req=obj_request(deployment("payments", pod_spec(("api", IMG_API)))),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"])))
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
              "request": {"uid": "0d1c6a3e-0000-4000-8000-000000000001", "namespace": "payments",
                          "object": {"apiVersion": "v1", "kind": "Pod",
                                     "metadata": {"generateName": "payments-api-"},
                                     "spec": pod_spec(("api", IMG_API))}}}
    case(g, "object-admission-review",
         "The object is an AdmissionReview whose Pod has no namespace; request.namespace "
         "(payments) applies: ALLOWED under the payments rule.",
         cfg=cfg, req=obj_request(review, [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), kind="namespace", key="payments")))
    case(g, "k8s-breakglass-label-uppercase",
         "The pod template has the label image-policy.k8s.io/break-glass: \"TRUE\". Spec "
         "section 10: the value must be exactly \"true\", so this requests no breakglass, and the "
         "unattested image is DENIED by the payments rule.",
         cfg=cfg, req=obj_request(deployment("payments", pod_spec(("api", IMG_API)),
                                             {"image-policy.k8s.io/break-glass": "TRUE"})),
         exp=expect(False, denied(IMG_API, ["noAttestation"], "namespace", "payments")))
    alias_pol = policy(rule(ALLOW), kubernetesServiceAccountAdmissionRules={
        "payments:deployer": rule(DENY)})
    alias_pod = {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "payments-api", "namespace": "payments"},
                 "spec": {"serviceAccountName": "", "serviceAccount": "deployer",
                          "containers": [{"name": "api", "image": IMG_API}]}}
    case(g, "k8s-service-account-alias",
         "A Pod in payments with serviceAccountName \"\" and the deprecated serviceAccount "
         "deployer. Kubernetes' v1 conversion uses serviceAccount whenever serviceAccountName is "
         "empty, so the pod runs as deployer (spec section 10), and the ALWAYS_DENY rule for "
         "payments:deployer applies, not the ALWAYS_ALLOW default: DENIED.",
         cfg=config(alias_pol), req=obj_request(alias_pod),
         exp=expect(False, denied(IMG_API, ["alwaysDeny"], "serviceAccount", "payments:deployer")))
    template = f"us-docker.pkg.dev/{{{{ .Project }}}}/ledger@sha256:{D_LEDGER}"
    templated = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                 "request": {"uid": "0d1c6a3e-0000-4000-8000-000000000002",
                             "namespace": "payments", "operation": "CREATE",
                             "object": {"apiVersion": "v1", "kind": "Pod",
                                        "metadata": {"name": "ledger"},
                                        "spec": pod_spec(("api", IMG_API),
                                                         ("ledger", template))}}}
    case(g, "k8s-image-unrendered-template",
         "An AdmissionReview (which the API server accepted) whose Pod in payments runs an "
         "attested image and an unrendered template, us-docker.pkg.dev/{{ .Project }}/ledger@"
         "sha256:... Spec section 4: each image is judged on its own: the attested one is "
         "ALLOWED, the template is not an image reference and is DENIED [invalidReference] by "
         "the payments rule; the request is not an error.",
         cfg=cfg, req=obj_request(templated, [ci_occ()]),
         exp=expect(False, attested(IMG_API, (CI, CI_KEY_ID), kind="namespace", key="payments"),
                    img(template, "DENIED", "rule", ["invalidReference"], rule_kind="namespace",
                        rule_key="payments")))
    no_image = deployment("payments", {"containers": [{"name": "api"}]})
    case(g, "k8s-container-without-image",
         "A Deployment in payments whose container has no image (Kubernetes decodes it as \"\"). "
         "Spec section 10: evaluated as the empty reference, which is not an image reference: "
         "DENIED [invalidReference] by the payments rule.",
         cfg=cfg, req=obj_request(no_image),
         exp=expect(False, img("", "DENIED", "rule", ["invalidReference"],
                               rule_kind="namespace", rule_key="payments")))
    mapping = deployment("payments", {"containers": [{"name": "api",
                                                      "image": {"CONTAINER_PATH": None}}]})
    case(g, "k8s-image-is-a-mapping",
         "A container's image is the mapping {CONTAINER_PATH: null}: YAML's reading of an "
         "unrendered `image: {CONTAINER_PATH}`. Kubernetes rejects the object, so binauthz does "
         "not guess: request error (invalid) naming what was found.",
         cfg=cfg, req=obj_request(mapping),
         err=expect_error("request", "invalid", "CONTAINER_PATH"))
    case(g, "k8s-breakglass-label-not-a-string",
         "The pod template's label image-policy.k8s.io/break-glass is the boolean true (written "
         "unquoted). Kubernetes label values are strings and it rejects the object, so binauthz "
         "neither grants nor silently ignores breakglass: request error (invalid) naming the "
         "label.",
         cfg=cfg, req=obj_request(deployment("payments", pod_spec(("api", IMG_API)),
                                             {"image-policy.k8s.io/break-glass": True})),
         err=expect_error("request", "invalid", "image-policy.k8s.io/break-glass"))
    numbered = deployment("payments", pod_spec(("api", IMG_API)))
    numbered["metadata"]["namespace"] = 2024
    case(g, "k8s-namespace-not-a-string",
         "metadata.namespace is the number 2024 (written unquoted). Binauthz does not fall back to "
         "another namespace (whose rule may be weaker): request error (invalid) naming the field.",
         cfg=cfg, req=obj_request(numbered),
         err=expect_error("request", "invalid", "metadata.namespace"))
    both = obj_request(deployment("payments", pod_spec(("api", IMG_API))))
    both["images"] = [IMG_API]
    case(g, "object-and-images-is-an-error",
         "A request with both images and object is ambiguous: request error (invalid).",
         cfg=cfg, req=both, err=expect_error("request", "invalid", "object"))
    case(g, "object-unknown-kind",
         "A Service has no pod spec: request error naming the kind (invalid).",
         cfg=cfg, req=obj_request({"apiVersion": "v1", "kind": "Service",
                                   "metadata": {"name": "web"}, "spec": {}}),
         err=expect_error("request", "invalid", "Service"))
    case(g, "object-without-containers",
         "A Deployment whose pod spec has no containers: request error (invalid), never an "
         "empty allow.",
         cfg=cfg, req=obj_request(deployment("payments", {"containers": []})),
         err=expect_error("request", "invalid", "containers"))


# ---------------------------------------------------------------------------------------------
# PGP attestors (spec section 11): keys and signatures made by GnuPG (gpg --batch, a throwaway
# GNUPGHOME, no passphrase). Keys are created at PGP_KEY_TIME and sign at PGP_SIGN_TIME with
# --faked-system-time, and requests carry evaluationTime PGP_EVAL_TIME, so the expected results
# never depend on the day the vectors are made. Every signature is checked with `gpg --verify`
# (at the evaluation time) before it is used: good ones must give GOODSIG, bad ones must not.
# ---------------------------------------------------------------------------------------------

PGP_KEY_TIME = "20250101T000000!"
PGP_SIGN_TIME = "20250601T000000!"
PGP_EVAL_TIME = "2026-06-01T00:00:00Z"
PGP_EVAL_GPG = "20260601T000000!"
PGP_ATTESTOR = "projects/acme/attestors/release-signer"
PGP_NOTE = "projects/acme/notes/release-signer"

_GNUPGHOME: Path | None = None


def gpg(*args: str | Path, faked: str | None = PGP_SIGN_TIME, check: bool = True,
        stdin: bytes | None = None) -> subprocess.CompletedProcess:
    assert _GNUPGHOME is not None
    cmd = ["gpg", "--batch", "--yes", "--no-tty", "--quiet", "--homedir", str(_GNUPGHOME),
           "--pinentry-mode", "loopback", "--passphrase", ""]
    if faked is not None:
        cmd += ["--faked-system-time", faked]
    r = subprocess.run(cmd + [str(a) for a in args], capture_output=True, input=stdin)
    if check and r.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(map(str, args))} failed: {r.stderr.decode()}")
    return r


class PgpKey:
    """A GnuPG key in the throwaway home; its exports go to keys/pgp-NAME.{pub,sec}.asc."""

    def __init__(self, name: str, algo: str, usage: str = "sign", expire: str = "never"):
        self.name = name
        self.uid = f"binauthz test {name} <{name}@acme.example>"
        gpg("--quick-generate-key", self.uid, algo, usage, expire, faked=PGP_KEY_TIME)
        self.fpr = self._fingerprints()[0]
        self.subkeys: list[str] = []

    def _fingerprints(self) -> list[str]:
        out = gpg("--with-colons", "--list-keys", f"<{self.name}@acme.example>", faked=None)
        return [line.split(":")[9] for line in out.stdout.decode().splitlines()
                if line.startswith("fpr:")]

    def add_subkey(self, algo: str, usage: str, expire: str = "never") -> str:
        gpg("--quick-add-key", self.fpr, algo, usage, expire, faked=PGP_KEY_TIME)
        fprs = self._fingerprints()
        self.subkeys = fprs[1:]
        return fprs[-1]

    def revoke(self) -> None:
        """Imports the revocation certificate gpg wrote when the key was made."""
        cert = (_GNUPGHOME / "openpgp-revocs.d" / f"{self.fpr}.rev").read_text()
        # gpg prefixes the armor line with ':' so the certificate is not imported by accident.
        cert = cert.replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----")
        gpg("--import", stdin=cert.encode(), faked=PGP_SIGN_TIME)

    def public(self) -> str:
        return gpg("--armor", "--export", self.fpr, faked=None).stdout.decode()

    def write(self) -> None:
        (KEYS_DIR / f"pgp-{self.name}.pub.asc").write_text(self.public())
        (KEYS_DIR / f"pgp-{self.name}.sec.asc").write_bytes(
            gpg("--armor", "--export-secret-keys", self.fpr, faked=None).stdout)

    def sign(self, data: bytes, *opts: str, signer: str | None = None,
             faked: str = PGP_SIGN_TIME) -> bytes:
        """`gpg --sign` of `data` (add "--armor", "--detach-sign", ... in opts) by this key, or by
        the subkey `signer` (forced with the `!` suffix)."""
        return gpg("--local-user", f"{signer or self.fpr}!", *opts, "--output", "-", "--sign",
                   _scratch_file(data), faked=faked).stdout


def gpg_status(sig: bytes, data: bytes | None = None) -> str:
    """gpg --verify at the evaluation time: the status lines (GOODSIG, BADSIG, EXPKEYSIG, ...)."""
    args = ["--status-fd", "1", "--verify", _scratch_file(sig)]
    if data is not None:
        args.append(_scratch_file(data))
    return gpg(*args, faked=PGP_EVAL_GPG, check=False).stdout.decode()


def gpg_good(sig: bytes, data: bytes | None, fpr: str) -> None:
    st = gpg_status(sig, data)
    assert "[GNUPG:] GOODSIG" in st and f" {fpr}" in st, f"gpg does not verify: {st}"


def armor(packets: bytes, label: str = "MESSAGE") -> str:
    """OpenPGP ASCII armor (RFC 9580 section 6) of binary packets, with its CRC24 line, as
    `gpg --armor` writes it: for cases that edit a binary message and still need armor."""
    crc = 0xB704CE
    for byte in packets:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    body = base64.b64encode(packets).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    checksum = base64.b64encode((crc & 0xFFFFFF).to_bytes(3, "big")).decode()
    return (f"-----BEGIN PGP {label}-----\n\n" + "\n".join(lines) + f"\n={checksum}\n"
            f"-----END PGP {label}-----\n")


def pgp_key_entry(key: PgpKey, key_id: str | None = None, text: str | None = None) -> dict:
    k: dict = {}
    if key_id is not None:
        k["id"] = key_id
    k["asciiArmoredPgpPublicKey"] = text if text is not None else key.public()
    return k


def pgp_attestor(*keys: dict) -> dict:
    return attestor(PGP_ATTESTOR, PGP_NOTE, list(keys), "Releases signed with the team's GnuPG key")


def pgp_request(atts: list[dict], evaluation_time: str | None = PGP_EVAL_TIME) -> dict:
    r = request([IMG_API], atts)
    if evaluation_time is not None:
        r["evaluationTime"] = evaluation_time
    return r


def pgp_occ(payload: bytes | None, sig: bytes | str, key_id: str, digest_hex: str = D_API) -> dict:
    """A v1 occurrence; `sig` as bytes is base64-encoded (how the API prints the bytes field),
    as str it is the armored text itself."""
    occ = occurrence(uri(REPO_API, digest_hex), PGP_NOTE, payload if payload is not None else b"",
                     [(key_id, sig)])
    if payload is None:
        del occ["attestation"]["serializedPayload"]
    return occ


def legacy_occ(armored: str, key_id: str, nested: bool = True, digest_hex: str = D_API) -> dict:
    """The v1beta1 Grafeas shape: resource.uri and attestation.attestation.pgpSignedAttestation
    (or, with nested=False, attestation.pgpSignedAttestation), without serializedPayload."""
    occ = occurrence(uri(REPO_API, digest_hex), PGP_NOTE, b"", [])
    del occ["resourceUri"]
    occ = {"name": occ["name"], "resource": {"uri": uri(REPO_API, digest_hex)}, **occ}
    pgp_signed = {"signature": armored, "contentType": "SIMPLE_SIGNING_JSON", "pgpKeyId": key_id}
    occ["attestation"] = ({"attestation": {"pgpSignedAttestation": pgp_signed}} if nested
                          else {"pgpSignedAttestation": pgp_signed})
    return occ


def group_pgp() -> None:
    global _GNUPGHOME
    g = "pgp"
    assert _SCRATCH is not None
    _GNUPGHOME = _SCRATCH / "gnupg"
    _GNUPGHOME.mkdir(mode=0o700)
    try:
        _group_pgp(g)
    finally:
        subprocess.run(["gpgconf", "--homedir", str(_GNUPGHOME), "--kill", "gpg-agent"],
                       capture_output=True)


def _group_pgp(g: str) -> None:
    rsa = PgpKey("rsa3072", "rsa3072")
    ed = PgpKey("ed25519", "ed25519")
    p256 = PgpKey("nistp256", "nistp256")
    sub = PgpKey("subkeys", "ed25519", "cert")
    sub_p256 = sub.add_subkey("nistp256/ecdsa", "sign")
    sub_expired = sub.add_subkey("ed25519", "sign", "30d")
    sub.add_subkey("cv25519", "encr")
    expired = PgpKey("expired", "ed25519", "sign", "30d")
    expiring = PgpKey("expiring", "ed25519", "sign", "2030-01-01")
    revoked = PgpKey("revoked", "nistp256")
    attacker = PgpKey("attacker", "ed25519")
    small = PgpKey("rsa1024", "rsa1024")
    k1 = PgpKey("secp256k1", "secp256k1")

    p = make_payload(REPO_API, D_API)
    p_old = make_payload(REPO_API, D_API_OLD)
    pol = policy(rule(REQUIRE, [PGP_ATTESTOR]))

    def ok_case(name: str, description: str, key_entry: dict, occ: dict, fpr: str,
                evaluation_time: str | None = PGP_EVAL_TIME) -> None:
        case(g, name, description, cfg=config(pol, [pgp_attestor(key_entry)]),
             req=pgp_request([occ], evaluation_time),
             exp=expect(True, attested(IMG_API, (PGP_ATTESTOR, fpr))))

    def bad_case(name: str, description: str, key_entry: dict, occ: dict, kinds: list[str],
                 evaluation_time: str | None = PGP_EVAL_TIME) -> None:
        case(g, name, description, cfg=config(pol, [pgp_attestor(key_entry)]),
             req=pgp_request([occ], evaluation_time), exp=expect(False, denied(IMG_API, kinds)))

    # --- good signatures, every key type and encoding ----------------------------------------
    sig = rsa.sign(p, "--armor")
    gpg_good(sig, None, rsa.fpr)
    ok_case("pgp-rsa3072-attached-armored",
            "release-signer holds a GnuPG RSA-3072 key (id left blank, so it is the upper-case "
            "V4 fingerprint, section 11.1). The signature is `gpg --armor --sign` of gcloud's "
            "payload, base64-encoded as the API prints the bytes field; its literal data equals "
            "serializedPayload (section 11.2): ALLOWED, verifiedBy the fingerprint.",
            pgp_key_entry(rsa), pgp_occ(p, sig, rsa.fpr), rsa.fpr)
    sig = ed.sign(p, "--armor")
    gpg_good(sig, None, ed.fpr)
    ok_case("pgp-ed25519-armor-text",
            "A GnuPG Ed25519 key with its fingerprint as id. The occurrence's signature field is "
            "the ASCII armor text itself (-----BEGIN PGP MESSAGE-----...), which is read as "
            "armor, not base64 (section 11.2): ALLOWED.",
            pgp_key_entry(ed, ed.fpr), pgp_occ(p, sig.decode(), ed.fpr), ed.fpr)
    sig = p256.sign(p, "--armor")
    gpg_good(sig, None, p256.fpr)
    ok_case("pgp-nistp256-key-id-lower-case",
            "A GnuPG NIST P-256 (ECDSA) key whose id is given as the lower-case fingerprint "
            "(accepted and normalised to upper case, section 11.1). The signature is "
            "`gpg --armor --sign` output: ALLOWED with key id the upper-case fingerprint.",
            pgp_key_entry(p256, p256.fpr.lower()), pgp_occ(p, sig, p256.fpr), p256.fpr)
    sig = p256.sign(p)
    gpg_good(sig, None, p256.fpr)
    bad_case("pgp-nistp256-binary",
             "A genuine signature by the attestor's NIST P-256 key over the right payload, but "
             "binary `gpg --sign` output (no --armor), base64-encoded. GCP documents only "
             "ASCII-armored, attached, non-clear-signed signatures (Grafeas PgpSignedAttestation: "
             "\"currently only ASCII-armored (--armor to gpg), non-clearsigned (--sign rather "
             "than --clearsign to gpg) are supported\"). Section 11.2: binary OpenPGP data does "
             "not count, and the reason says to sign with `gpg --armor --sign`: DENIED, "
             "signatureInvalid.",
             pgp_key_entry(p256), pgp_occ(p, sig, p256.fpr), ["signatureInvalid"])
    sig = ed.sign(p, "--armor")
    ok_case("pgp-key-crlf",
            "The attestor's PGP key text has CRLF line ends (as exported on Windows). Section "
            "11.1: LF or CRLF: ALLOWED.",
            pgp_key_entry(ed, text=ed.public().replace("\n", "\r\n")), pgp_occ(p, sig, ed.fpr),
            ed.fpr)
    sig = sub.sign(p, "--armor", signer=sub_p256)
    gpg_good(sig, None, sub_p256)
    ok_case("pgp-signing-subkey",
            "The key is a certify-only Ed25519 primary key with a NIST P-256 signing subkey, an "
            "expired Ed25519 signing subkey and a Curve25519 encryption subkey. The signature is "
            "made by the P-256 signing subkey; publicKeyId is the primary fingerprint. Section "
            "11.1: signing subkeys bound to the key count: ALLOWED.",
            pgp_key_entry(sub), pgp_occ(p, sig, sub.fpr), sub.fpr)
    sig = ed.sign(p, "--armor", "--detach-sign")
    gpg_good(sig, p, ed.fpr)
    ok_case("pgp-detached-signature",
            "The signature is `gpg --armor --detach-sign` of serializedPayload. Section 11.2: "
            "a detached signature covers serializedPayload's bytes exactly, like a PKIX "
            "signature: ALLOWED.",
            pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ed.fpr)
    sig = expiring.sign(p, "--armor")
    gpg_good(sig, None, expiring.fpr)
    ok_case("pgp-expiring-key-before-expiry",
            "The key expires on 2030-01-01; evaluationTime is 2026-06-01. Section 11.3: the key "
            "is valid at the evaluation time: ALLOWED.",
            pgp_key_entry(expiring), pgp_occ(p, sig, expiring.fpr), expiring.fpr)

    # --- the legacy v1beta1 shape ------------------------------------------------------------
    armored = rsa.sign(p, "--armor").decode()
    gpg_good(armored.encode(), None, rsa.fpr)
    ok_case("pgp-legacy-pgp-signed-attestation",
            "A v1beta1 Grafeas occurrence: resource.uri and "
            "attestation.attestation.pgpSignedAttestation {signature (armor text), contentType "
            "SIMPLE_SIGNING_JSON, pgpKeyId} and no serializedPayload. Section 11.4: the payload "
            "is the signed literal data: ALLOWED.",
            pgp_key_entry(rsa), legacy_occ(armored, rsa.fpr), rsa.fpr)
    ok_case("pgp-legacy-flat-shape",
            "attestation.pgpSignedAttestation directly under attestation (no inner attestation "
            "object), no serializedPayload. Section 11.4 accepts both nestings: ALLOWED.",
            pgp_key_entry(rsa), legacy_occ(armored, rsa.fpr, nested=False), rsa.fpr)
    ok_case("pgp-legacy-original-field-names",
            "A v1beta1 occurrence as kritis posts it: the protos' original field names "
            "(note_name, resource.uri, attestation.attestation.pgp_signed_attestation with "
            "signature, content_type and pgp_key_id). Proto3 JSON parsers accept both names; "
            "section 5: ALLOWED.",
            pgp_key_entry(rsa), snake_case_fields(legacy_occ(armored, rsa.fpr)), rsa.fpr)
    armored_old = rsa.sign(p_old, "--armor").decode()
    bad_case("pgp-legacy-wrong-digest",
             "The legacy shape, filed under the api image's digest, but the signed literal data "
             "is the payload for another digest. The signature verifies, the payload digest "
             "does not match (section 5): DENIED, payloadDigestMismatch.",
             pgp_key_entry(rsa), legacy_occ(armored_old, rsa.fpr), ["payloadDigestMismatch"])

    # --- keys that do not count --------------------------------------------------------------
    sig = expired.sign(p, "--armor", faked="20250105T000000!")
    assert "EXPKEYSIG" in gpg_status(sig), "expired key"
    bad_case("pgp-expired-key",
             "The key was made on 2025-01-01 with a 30-day expiry and signed on 2025-01-05, while "
             "valid; evaluationTime is 2026-06-01. Section 11.3: an expired key does not count: "
             "DENIED, keyExpired.",
             pgp_key_entry(expired), pgp_occ(p, sig, expired.fpr), ["keyExpired"])
    sig = sub.sign(p, "--armor", signer=sub_expired, faked="20250105T000000!")
    assert "EXPKEYSIG" in gpg_status(sig), "expired subkey"
    bad_case("pgp-expired-subkey",
             "The signature is made (while it was valid) by the key's Ed25519 signing subkey, "
             "which expired 30 days after 2025-01-01; the primary key never expires. Section 11.3: "
             "an expired subkey does not count: DENIED, keyExpired.",
             pgp_key_entry(sub), pgp_occ(p, sig, sub.fpr), ["keyExpired"])
    sig = expiring.sign(p, "--armor")
    bad_case("pgp-expiring-key-without-evaluation-time",
             "The key expires on 2030-01-01 and the request has no evaluationTime. Section 11.3: "
             "the engine has no clock, so a key with an expiry counts as expired (fail closed): "
             "DENIED, keyExpired.",
             pgp_key_entry(expiring), pgp_occ(p, sig, expiring.fpr), ["keyExpired"],
             evaluation_time=None)
    ok_case("pgp-no-expiry-without-evaluation-time",
            "A key without an expiry and a request without evaluationTime. Section 11.3: nothing "
            "depends on the time: ALLOWED.",
            pgp_key_entry(ed), pgp_occ(p, ed.sign(p, "--armor"), ed.fpr), ed.fpr,
            evaluation_time=None)
    sig = revoked.sign(p, "--armor")
    revoked.revoke()
    assert "REVKEYSIG" in gpg_status(sig), "revoked key"
    bad_case("pgp-revoked-key",
             "The NIST P-256 key signed the payload and was then revoked; the attestor holds the "
             "export with the revocation signature. Section 11.3: a revoked key does not count, "
             "whatever the revocation's reason or date: DENIED, keyRevoked.",
             pgp_key_entry(revoked), pgp_occ(p, sig, revoked.fpr), ["keyRevoked"])
    sig = ed.sign(p, "--armor", "--default-sig-expire", "1d")
    assert "EXPSIG" in gpg_status(sig), "expired signature"
    bad_case("pgp-signature-expired",
             "The signature was made on 2025-06-01 with a one-day signature expiration time "
             "(gpg --default-sig-expire 1d); evaluationTime is 2026-06-01. Section 11.3: DENIED, "
             "signatureExpired.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signatureExpired"])
    sig = ed.sign(p, "--armor")
    bad_case("pgp-signature-after-evaluation-time",
             "The signature is dated 2025-06-01 but evaluationTime is 2025-03-01 (after the key "
             "was made, before it signed). Section 11.3: a signature from after the evaluation "
             "time is not accepted: DENIED, signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signatureInvalid"],
             evaluation_time="2025-03-01T00:00:00Z")

    # --- forgeries and tampering -------------------------------------------------------------
    near = D_API[:-1] + ("0" if D_API[-1] != "0" else "1")
    p_near = make_payload(REPO_API, near)
    plain = ed.sign(p_near, "--compress-algo", "none")
    assert plain.count(near.encode()) == 1
    tampered = armor(plain.replace(near.encode(), D_API.encode()))
    assert "BADSIG" in gpg_status(tampered.encode()), "tampered message"
    bad_case("pgp-tampered-message",
             "An uncompressed `gpg --sign` message over the payload for a digest one hex digit "
             "away from the api image's, with that digit edited in the literal data so it names "
             "the api image (serializedPayload is the edited payload), then ASCII-armored. The "
             "signature no longer verifies: DENIED, signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, tampered, ed.fpr), ["signatureInvalid"])
    sig = attacker.sign(p, "--armor")
    gpg_good(sig, None, attacker.fpr)
    bad_case("pgp-other-key-claims-fingerprint",
             "A valid signature over the right payload by a key the attestor does not hold, with "
             "publicKeyId set to the attestor key's fingerprint. The id is only a lookup hint "
             "(section 5): the signature is not made by that key or its subkeys: DENIED, "
             "signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signatureInvalid"])
    plain = attacker.sign(p, "--compress-algo", "none")
    kid_attacker = bytes.fromhex(attacker.fpr[-16:])
    kid_ed = bytes.fromhex(ed.fpr[-16:])
    issuer_sub = b"\x09\x10" + kid_attacker   # unhashed issuer key ID subpacket
    assert plain.count(issuer_sub) == 1
    forged = armor(plain.replace(issuer_sub, b"\x09\x10" + kid_ed))
    bad_case("pgp-forged-issuer-key-id",
             "The attacker's message with its unhashed issuer key ID subpacket rewritten to the "
             "attestor key's key ID (the hashed issuer fingerprint still names the attacker), "
             "ASCII-armored. binauthz tries the attestor key, which does not verify it: DENIED, "
             "signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, forged, ed.fpr), ["signatureInvalid"])
    sig = ed.sign(p_old, "--armor")
    bad_case("pgp-wrong-digest",
             "A valid attached signature whose literal data (and serializedPayload) is the "
             "payload for another digest, filed under the api image's digest. Section 5: DENIED, "
             "payloadDigestMismatch.",
             pgp_key_entry(ed), pgp_occ(p_old, sig, ed.fpr), ["payloadDigestMismatch"])
    bad_case("pgp-literal-differs-from-serialized-payload",
             "A valid attached signature over the payload for another digest, while "
             "serializedPayload is the payload for the api image. Section 11.2: the signed "
             "literal data must equal serializedPayload: DENIED, signedDataMismatch.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signedDataMismatch"])
    sig = ed.sign(p_old, "--armor", "--detach-sign")
    bad_case("pgp-detached-signature-other-payload",
             "A detached signature over the payload for another digest, with serializedPayload "
             "the payload for the api image: DENIED, signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signatureInvalid"])
    sig = gpg("--local-user", f"{ed.fpr}!", "--output", "-", "--clearsign", _scratch_file(p),
              faked=PGP_SIGN_TIME).stdout
    bad_case("pgp-clearsigned-rejected",
             "The signature is `gpg --clearsign` output. Section 11.2: clear-signed messages "
             "are not accepted (they sign normalised text, not the payload's bytes): DENIED, "
             "signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signatureInvalid"])
    sig = rsa.sign(p, "--armor", "--digest-algo", "SHA1")
    bad_case("pgp-sha1-signature",
             "An RSA signature with hash SHA-1 (gpg --digest-algo SHA1). Section 11.3: data "
             "signatures need SHA-2 or SHA-3: DENIED, signatureInvalid.",
             pgp_key_entry(rsa), pgp_occ(p, sig, rsa.fpr), ["signatureInvalid"])
    sig = ed.sign(p, "--armor", "--compress-algo", "bzip2")
    bad_case("pgp-bzip2-compressed",
             "A signed message compressed with BZip2 (gpg --compress-algo bzip2). Section 11.2: "
             "binauthz reads uncompressed, ZIP and ZLIB messages (gpg's default is ZIP): DENIED, "
             "signatureInvalid.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr), ["signatureInvalid"])
    sig = ed.sign(p, "--armor")
    bad_case("pgp-key-id-lower-case-in-signature",
             "publicKeyId is the key's fingerprint in lower case. Key ids are compared exactly "
             "(section 5) and a PGP key's id is the upper-case fingerprint: DENIED, "
             "unknownKeyId.",
             pgp_key_entry(ed), pgp_occ(p, sig, ed.fpr.lower()), ["unknownKeyId"])

    # --- PGP and PKIX together ---------------------------------------------------------------
    sig = rsa.sign(p, "--armor")
    case(g, "pgp-and-pkix-attestors",
         "The default rule requires built-by-ci (ECDSA P-256, PKIX) and release-signer (GnuPG "
         "RSA-3072); both have a good occurrence: ALLOWED, verifiedBy both.",
         cfg=config(policy(rule(REQUIRE, [CI, PGP_ATTESTOR])),
                    [ci_attestor(), pgp_attestor(pgp_key_entry(rsa))]),
         req=pgp_request([ci_occ(), pgp_occ(p, sig, rsa.fpr)]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID), (PGP_ATTESTOR, rsa.fpr))))

    # --- config and request errors -----------------------------------------------------------
    # The exports, written now that the revoked key carries its revocation.
    for k in (rsa, ed, p256, sub, expired, expiring, revoked, attacker, small, k1):
        k.write()
    with (KEYS_DIR / "README.md").open("a") as f:
        f.write("\n`pgp-*.asc` are GnuPG keys (public and secret exports) for the PGP cases.\n")
    req = pgp_request([])

    def key_err(name: str, description: str, entry: dict, contains: str) -> None:
        case(g, name, description, cfg=config(pol, [pgp_attestor(entry)]), req=req,
             err=expect_error("config", "invalid", contains))

    key_err("pgp-key-id-other-fingerprint",
            "The key's id is another key's fingerprint. Section 11.1: a supplied id that "
            "disagrees with the fingerprint is an error: invalid.",
            pgp_key_entry(ed, rsa.fpr), "publicKeys[0].id")
    key_err("pgp-private-key-rejected",
            "asciiArmoredPgpPublicKey holds `gpg --armor --export-secret-keys` output. Section "
            "11.1: only a public key block is accepted: invalid.",
            pgp_key_entry(ed, text=(KEYS_DIR / "pgp-ed25519.sec.asc").read_text()),
            "asciiArmoredPgpPublicKey")
    key_err("pgp-two-keys-in-one-block",
            "asciiArmoredPgpPublicKey holds `gpg --armor --export` of two keys in one block. "
            "Section 11.1: exactly one key per entry: invalid.",
            pgp_key_entry(ed, text=gpg("--armor", "--export", ed.fpr, rsa.fpr,
                                       faked=None).stdout.decode()),
            "asciiArmoredPgpPublicKey")
    key_err("pgp-rsa-1024-key",
            "A GnuPG RSA-1024 key. Section 11.1: RSA below 2048 bits is never accepted: invalid.",
            pgp_key_entry(small), "asciiArmoredPgpPublicKey")
    key_err("pgp-secp256k1-key",
            "A GnuPG ECDSA key on secp256k1. Section 11.1: ECDSA keys must be on NIST P-256, "
            "P-384 or P-521: invalid.",
            pgp_key_entry(k1), "asciiArmoredPgpPublicKey")
    key_err("pgp-key-garbage",
            "asciiArmoredPgpPublicKey is a public key armor whose body is not an OpenPGP key: "
            "invalid.",
            pgp_key_entry(ed, text="-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n"
                                   "-----END PGP PUBLIC KEY BLOCK-----\n"),
            "asciiArmoredPgpPublicKey")
    case(g, "pgp-evaluation-time-with-offset",
         "evaluationTime is 2026-06-01T02:00:00+02:00. Section 8.1: evaluationTime is an RFC "
         "3339 time in UTC, written with Z: request error, invalid.",
         cfg=config(pol, [pgp_attestor(pgp_key_entry(ed))]),
         req=pgp_request([], "2026-06-01T02:00:00+02:00"),
         err=expect_error("request", "invalid", "evaluationTime"))
    occ = legacy_occ(armored, rsa.fpr)
    occ["attestation"]["attestation"]["pgpSignedAttestation"]["contentType"] = \
        "CONTENT_TYPE_UNSPECIFIED"
    case(g, "pgp-legacy-content-type-unspecified",
         "A legacy pgpSignedAttestation with contentType CONTENT_TYPE_UNSPECIFIED. Section 11.4: "
         "only SIMPLE_SIGNING_JSON (or no contentType) is accepted; section 5: an occurrence that "
         "cannot be read is skipped, and the image it is filed under is denied: DENIED, "
         "occurrenceMalformed.",
         cfg=config(pol, [pgp_attestor(pgp_key_entry(rsa))]), req=pgp_request([occ]),
         exp=expect(False, denied(IMG_API, ["occurrenceMalformed"])))


def group_gcloud_documents() -> None:
    """Documents written outside the project, read as gcloud's `policy import` reads them
    (issue 14): single values for lists, null fields, names gcloud overwrites or GCP refuses,
    key ids that are not URIs, rules that are not mappings, and platform policies."""
    g = "documents as gcloud reads them"
    base_image = "us-docker.pkg.dev/acme/base-images/migrate:1.2"

    single = config(policy(rule(REQUIRE, [CI])), [ci_attestor()])
    single["policy"]["defaultAdmissionRule"]["requireAttestationsBy"] = CI
    case(g, "policy-single-attestor-name",
         "The policy is YAML text whose requireAttestationsBy is one attestor name, not a list "
         "(`requireAttestationsBy: projects/acme/attestors/built-by-ci`, as public repositories "
         "write it). Spec §2: gcloud's import reads a single value for a repeated field as a list "
         "of one, and so does binauthz; the image is attested: ALLOWED.",
         config_text=to_yaml(single) + "\n", req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))
    pol = policy(rule(REQUIRE, [CI]))
    pol["admissionWhitelistPatterns"] = {"namePattern": "us-docker.pkg.dev/acme/base-images/**"}
    case(g, "policy-single-allowlist-pattern",
         "admissionWhitelistPatterns is one {namePattern} mapping, not a list. Spec §2: a list "
         "of one; the base image matches it: ALLOWED at stage allowlist.",
         cfg=config(pol, [ci_attestor()]), req=request([base_image]),
         exp=expect(True, img(base_image, "ALLOWED", "allowlist", ["allowlisted"],
                              pattern="us-docker.pkg.dev/acme/base-images/**")))
    a = ci_attestor()
    a["userOwnedGrafeasNote"]["publicKeys"] = a["userOwnedGrafeasNote"]["publicKeys"][0]
    case(g, "attestor-single-public-key",
         "The attestor's publicKeys is one key mapping, not a list. Spec §2: a list of one; the "
         "signature by that key verifies: ALLOWED.",
         cfg=config(policy(rule(REQUIRE, [CI])), [a]), req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))
    pol = policy(rule(REQUIRE, [CI]))
    pol.update({"description": None, "globalPolicyEvaluationMode": None,
                "admissionWhitelistPatterns": None, "clusterAdmissionRules": None, "etag": None})
    kp = "gke.gcr.io/kube-proxy:v1"
    case(g, "policy-null-fields-are-absent",
         "description, globalPolicyEvaluationMode, admissionWhitelistPatterns, "
         "clusterAdmissionRules and etag are null. Spec §2: a field set to null is absent, as in "
         "gcloud's import; so globalPolicyEvaluationMode means DISABLE and the system image "
         "gke.gcr.io/kube-proxy:v1 meets the default rule (a tag: DENIED), while the attested "
         "image is ALLOWED.",
         cfg=config(pol, [ci_attestor()]), req=request([IMG_API, kp], [ci_occ()]),
         exp=expect(False, attested(IMG_API, (CI, CI_KEY_ID)), denied(kp, ["tagReference"])))
    pol = policy(rule(REQUIRE, [CI]))
    pol["name"] = "projects//policy"
    case(g, "policy-name-without-project",
         "The policy name is projects//policy, what projects/$PROJECT_ID/policy becomes in a "
         "shell heredoc whose variable is unset. Spec §2.1: gcloud's import overwrites the name, "
         "so it is accepted (policy lint reports it, BZ031): ALLOWED.",
         cfg=config(pol, [ci_attestor()]), req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (CI, CI_KEY_ID))))
    number = "projects/415104041262/attestors/built-by-ci"
    a = attestor(number, CI_NOTE, [pkix_key(KEYS["ec-p256"], "ECDSA_P256_SHA256", CI_KEY_ID)])
    case(g, "attestor-in-project-number",
         "The attestor is named by its project's number (projects/415104041262/attestors/...). "
         "Spec §2.1: a resource name takes a project id or number: ALLOWED.",
         cfg=config(policy(rule(REQUIRE, [number])), [a]), req=request([IMG_API], [ci_occ()]),
         exp=expect(True, attested(IMG_API, (number, CI_KEY_ID))))
    simple_attested_case(
        g, "key-id-gcpkms-uri",
        "The key's id is gcpkms://projects/acme/.../cryptoKeyVersions/1 (a URI with a scheme, as "
        "cosign names KMS keys). Spec §2.2: a key id is any RFC 3986 URI-reference: ALLOWED.",
        "ECDSA_P256_SHA256",
        "gcpkms://projects/acme/locations/global/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/1")

    def err_case(name: str, description: str, cfg: dict, code: str, contains: str) -> None:
        case(g, name, description, cfg=cfg, req=request([IMG_API]),
             err=expect_error("config", code, contains))

    placeholder = "projects/PROJECT_ID/attestors/built-by-ci"
    err_case("attestor-project-id-placeholder",
             "The rule requires projects/PROJECT_ID/attestors/built-by-ci, a template never filled "
             "in. Spec §2.1: the project must be a GCP project id (lower case): invalid.",
             config(policy(rule(REQUIRE, [placeholder])), [attestor(placeholder, CI_NOTE, [])]),
             "invalid", "PROJECT_ID")
    err_case("note-reference-project-upper-case",
             "The attestor's noteReference is projects/Acme/notes/built-by-ci. Spec §2.2: the "
             "note's project must be a GCP project id (lower case): invalid.",
             config(policy(rule(REQUIRE, [CI])), [attestor(CI, "projects/Acme/notes/built-by-ci", [])]),
             "invalid", "noteReference")
    err_case("key-id-not-a-uri",
             "The key's id is `:{invalid-key-id}`. Spec §2.2: a PKIX key id must be an RFC 3986 "
             "URI-reference, and this has no scheme before its `:` and braces: invalid.",
             config(policy(rule(REQUIRE, [CI])),
                    [ci_attestor([pkix_key(KEYS["ec-p256"], "ECDSA_P256_SHA256", ":{invalid-key-id}")])]),
             "invalid", "publicKeys[0].id")
    pol = policy(rule(ALLOW))
    pol["defaultAdmissionRule"] = "ALWAYS_ALLOW"
    err_case("rule-is-a-string",
             "defaultAdmissionRule is the string ALWAYS_ALLOW. Spec §2.1: a rule is a mapping; the "
             "error says what it holds: invalid.",
             config(pol), "invalid", "evaluationMode, enforcementMode and requireAttestationsBy")
    err_case("evaluation-mode-as-mapping",
             "evaluationMode is the mapping {ALWAYS_ALLOW: null}, which some readers take as the "
             "enum value ALWAYS_ALLOW. Spec §2.1: enum values are strings: invalid.",
             config(policy({"evaluationMode": {ALLOW: None}, "enforcementMode": ENFORCED})),
             "invalid", "evaluationMode")
    pol = policy(rule(ALLOW))
    pol["admissionWhitelistPatterns"] = [None]
    err_case("allowlist-entry-null",
             "admissionWhitelistPatterns holds null. Spec §2: null is an absent field, but a list "
             "entry is not a field: invalid.",
             config(pol), "invalid", "admissionWhitelistPatterns[0]")
    err_case("platform-policy-refused",
             "The policy is a check-based platform policy (gkePolicy, made by `gcloud beta "
             "container binauthz policy create --platform=gke`). Spec §1: valid GCP input that "
             "binauthz does not read: unsupported.",
             config({"name": "projects/acme/platforms/gke/policies/prod",
                     "gkePolicy": {"checkSets": [{"checks": [{"alwaysDeny": True}]}]}}),
             "unsupported", "gkePolicy")


# ---------------------------------------------------------------------------------------------
# Cloud Run (spec section 13): services and jobs as gcloud exports them (v1) and as the Admin API
# v2 returns them, their Binary Authorization setting and breakglass, the default rule only, and
# allowlist patterns that name a tag.
# ---------------------------------------------------------------------------------------------

def group_cloud_run() -> None:
    g = "cloud run"
    # The namespace rule is keyed by acme, the project a v1 export puts in metadata.namespace: on
    # GKE it would admit everything there; on Cloud Run it never applies.
    pol = policy(rule(REQUIRE, [CI]),
                 allowlist=["us-docker.pkg.dev/acme/tools/**",
                            "us-docker.pkg.dev/acme/base-images/envoy:*"],
                 kubernetesNamespaceAdmissionRules={"acme": rule(ALLOW)})
    cfg = config(pol, [ci_attestor()])
    envoy = "us-docker.pkg.dev/acme/base-images/envoy:1.30"
    tool = "us-docker.pkg.dev/acme/tools/migrate:3"
    source = f"us-central1-docker.pkg.dev/acme/cloud-run-source-deploy/checkout@sha256:{D_LEDGER}"
    on = {"run.googleapis.com/binary-authorization": "default"}

    def containers(*images: str) -> list[dict]:
        return [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]

    def service(*images: str, annotations: dict | None = None, template_annotations=None) -> dict:
        meta: dict = {"name": "payments-api", "namespace": "acme",
                      "labels": {"cloud.googleapis.com/location": "us-central1"}}
        if annotations is not None:
            meta["annotations"] = annotations
        tmeta: dict = {"name": "payments-api-00042-abc"}
        if template_annotations is not None:
            tmeta["annotations"] = template_annotations
        return {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": meta,
                "spec": {"template": {"metadata": tmeta,
                                      "spec": {"containers": containers(*images)}}}}

    def job(*images: str, annotations: dict | None = None) -> dict:
        meta: dict = {"name": "nightly-settlement", "namespace": "415104041262",
                      "labels": {"cloud.googleapis.com/location": "europe-west1"}}
        if annotations is not None:
            meta["annotations"] = annotations
        return {"apiVersion": "run.googleapis.com/v1", "kind": "Job", "metadata": meta,
                "spec": {"template": {"spec": {"taskCount": 1, "template": {
                    "spec": {"containers": containers(*images)}}}}}}

    def v2(kind: str, *images: str, binauthz: dict | None = None) -> dict:
        body: dict = {"name": f"projects/acme/locations/us-central1/{kind}s/payments-{kind}"}
        if kind == "service":
            body["template"] = {"revision": "payments-service-v7", "containers": containers(*images)}
        else:
            body["template"] = {"taskCount": 1, "template": {"containers": containers(*images)}}
        if binauthz is not None:
            body["binaryAuthorization"] = binauthz
        return body

    def req(obj: dict, attestations: list[dict] | None = None, context: dict | None = None) -> dict:
        r: dict = {"object": obj}
        if attestations is not None:
            r["attestations"] = attestations
        if context is not None:
            r["context"] = context
        return r

    def ok(image: str) -> dict:
        return attested(image, (CI, CI_KEY_ID))

    case(g, "cloud-run-service-attested",
         "A Cloud Run service as `gcloud run services describe --format export` prints it "
         "(serving.knative.dev/v1), with run.googleapis.com/binary-authorization: default. Its "
         "metadata.namespace acme is the project, not a Kubernetes namespace, and Cloud Run applies "
         "the default rule only (spec section 13), so the ALWAYS_ALLOW rule for acme does not apply: "
         "the attested image is ALLOWED by the default rule, and a note says the namespace rules "
         "were not applied.",
         cfg=cfg, req=req(service(IMG_API, annotations=on), [ci_occ()]),
         exp=expect(True, ok(IMG_API), notes=["kubernetesNamespaceAdmissionRules"]))
    case(g, "cloud-run-service-sidecar-denied",
         "A service with a sidecar: every container of the revision template is evaluated. The "
         "sidecar's image has no attestation: DENIED, so the revision is blocked.",
         cfg=cfg, req=req(service(IMG_API, IMG_LEDGER, annotations=on), [ci_occ()]),
         exp=expect(False, ok(IMG_API), denied(IMG_LEDGER, ["noAttestation"])))
    case(g, "cloud-run-service-yaml-export",
         "The same service given as YAML text (the request document as gcloud's export would be "
         "pasted into it): read exactly as the JSON object.",
         cfg=cfg, request_text=to_yaml(req(service(IMG_API, annotations=on), [ci_occ()])),
         exp=expect(True, ok(IMG_API)))
    case(g, "cloud-run-not-enabled",
         "A service without the run.googleapis.com/binary-authorization annotation: Cloud Run does "
         "not check its images (spec section 13), so the unattested image is ALLOWED with stage "
         "and reason notEnabled, and a note offers assumeEnabled.",
         cfg=cfg, req=req(service(IMG_LEDGER)),
         exp=expect(True, img(IMG_LEDGER, "ALLOWED", "notEnabled", ["notEnabled"]),
                    notes=["assumeEnabled"]))
    case(g, "cloud-run-assume-enabled",
         "The same service with context.assumeEnabled: evaluated as if it used the project policy, "
         "so the unattested image is DENIED by the default rule.",
         cfg=cfg, req=req(service(IMG_LEDGER), context={"assumeEnabled": True}),
         exp=expect(False, denied(IMG_LEDGER, ["noAttestation"]), notes=["assumeEnabled"]))
    case(g, "cloud-run-breakglass-annotation",
         "run.googleapis.com/binary-authorization-breakglass (what `gcloud run services update "
         "--breakglass=JUSTIFICATION` sets) on an enabled service: the unattested image is admitted "
         "as BREAKGLASS, its justification carried into the decision.",
         cfg=cfg, req=req(service(IMG_LEDGER, annotations={
             **on, "run.googleapis.com/binary-authorization-breakglass": "INC-4711: payments outage"})),
         exp=expect(True, img(IMG_LEDGER, "BREAKGLASS", "breakglass", ["breakglass", "noAttestation"],
                              rule_kind="default")))
    case(g, "cloud-run-breakglass-without-binauthz",
         "A breakglass justification on a service that does not enable Binary Authorization. The "
         "v2 API says of breakglassJustification: \"If useDefault is False, then it must be "
         "empty\": request error (invalid) naming the annotation.",
         cfg=cfg, req=req(service(IMG_LEDGER, annotations={
             "run.googleapis.com/binary-authorization-breakglass": "INC-4711"})),
         err=expect_error("request", "invalid", "binary-authorization-breakglass"))
    named = {"run.googleapis.com/binary-authorization": "projects/acme/platforms/cloudRun/strict"}
    case(g, "cloud-run-named-policy-refused",
         "The service names a Cloud Run platform policy (projects/acme/platforms/cloudRun/strict), "
         "a check-based policy binauthz does not compile: request error (unsupported).",
         cfg=cfg, req=req(service(IMG_API, annotations=named), [ci_occ()]),
         err=expect_error("request", "unsupported", "projects/acme/platforms/cloudRun/strict"))
    case(g, "cloud-run-named-policy-assume-enabled",
         "The same service with assumeEnabled: the project policy binauthz was given is evaluated "
         "in the platform policy's place, and a note says so.",
         cfg=cfg, req=req(service(IMG_API, annotations=named), [ci_occ()], {"assumeEnabled": True}),
         exp=expect(True, ok(IMG_API), notes=["platform policy"]))
    case(g, "cloud-run-job-v1",
         "A Cloud Run job as `gcloud run jobs describe --format export` prints it "
         "(run.googleapis.com/v1 Job, containers under spec.template.spec.template.spec): the "
         "attested image is ALLOWED by the default rule.",
         cfg=cfg, req=req(job(IMG_API, annotations=on), [ci_occ()]),
         exp=expect(True, ok(IMG_API)))
    case(g, "cloud-run-job-not-enabled",
         "A job without the annotation: Cloud Run checks nothing when it runs, so the unattested "
         "image is ALLOWED with stage notEnabled.",
         cfg=cfg, req=req(job(IMG_LEDGER)),
         exp=expect(True, img(IMG_LEDGER, "ALLOWED", "notEnabled", ["notEnabled"])))
    case(g, "cloud-run-v2-service",
         "A Cloud Run Admin API v2 service body: no kind, recognised by its name "
         "projects/acme/locations/us-central1/services/... and its template; binaryAuthorization "
         "useDefault true. The attested image is ALLOWED, the other DENIED.",
         cfg=cfg, req=req(v2("service", IMG_API, IMG_LEDGER, binauthz={"useDefault": True}),
                          [ci_occ()]),
         exp=expect(False, ok(IMG_API), denied(IMG_LEDGER, ["noAttestation"])))
    case(g, "cloud-run-v2-job-breakglass",
         "A v2 job body (containers under template.template) with useDefault true and a "
         "breakglassJustification: the unattested image is admitted as BREAKGLASS.",
         cfg=cfg, req=req(v2("job", IMG_LEDGER, binauthz={
             "useDefault": True, "breakglassJustification": "INC-4712: settlement rerun"})),
         exp=expect(True, img(IMG_LEDGER, "BREAKGLASS", "breakglass", ["breakglass", "noAttestation"],
                              rule_kind="default")))
    case(g, "cloud-run-v2-use-default-false",
         "A v2 service with useDefault false (\"binary authorization will be disabled\"): "
         "not checked, stage notEnabled.",
         cfg=cfg, req=req(v2("service", IMG_LEDGER, binauthz={"useDefault": False})),
         exp=expect(True, img(IMG_LEDGER, "ALLOWED", "notEnabled", ["notEnabled"])))
    case(g, "cloud-run-v2-breakglass-without-use-default",
         "A v2 service with useDefault false and a breakglassJustification, which the API requires "
         "to be empty then: request error (invalid) naming the field.",
         cfg=cfg, req=req(v2("service", IMG_LEDGER, binauthz={
             "useDefault": False, "breakglassJustification": "INC-1"})),
         err=expect_error("request", "invalid", "binaryAuthorization.breakglassJustification"))
    case(g, "cloud-run-v2-use-default-and-policy",
         "useDefault and policy are one oneof field: a body giving both is a request error "
         "(invalid).",
         cfg=cfg, req=req(v2("service", IMG_API, binauthz={
             "useDefault": True, "policy": "projects/acme/platforms/cloudRun/strict"})),
         err=expect_error("request", "invalid", "binaryAuthorization"))
    case(g, "cloud-run-context-ignored",
         "A Cloud Run service with context cluster and namespace (selected rules on GKE): Cloud "
         "Run has neither, so they are ignored with a note and the default rule applies.",
         cfg=cfg, req=req(service(IMG_API, annotations=on), [ci_occ()],
                          {"cluster": "us-central1.prod", "namespace": "acme"}),
         exp=expect(True, ok(IMG_API), notes=["cluster, namespace"]))
    case(g, "cloud-run-allowlist-tag-pattern-not-used",
         "The allowlist pattern us-docker.pkg.dev/acme/base-images/envoy:* names a tag, which "
         "Cloud Run does not accept (spec section 13: such a pattern never matches on Cloud Run, "
         "the fail-closed choice): the sidecar envoy:1.30 is not allowlisted, and its tag is "
         "DENIED [tagReference] by the default rule, with notes.",
         cfg=cfg, req=req(service(envoy, annotations=on)),
         exp=expect(False, denied(envoy, ["tagReference"]), notes=["names a tag", "resolves a tag"]))
    case(g, "gke-allowlist-tag-pattern-used",
         "The same image as a GKE request: the tag pattern matches as GCP documents for GKE: "
         "ALLOWED by the allowlist.",
         cfg=cfg, req=request([envoy]),
         exp=expect(True, img(envoy, "ALLOWED", "allowlist", ["allowlisted"],
                              pattern="us-docker.pkg.dev/acme/base-images/envoy:*")))
    case(g, "cloud-run-allowlist-prefix-pattern",
         "A pattern without a tag (us-docker.pkg.dev/acme/tools/**) matches on Cloud Run: "
         "ALLOWED by the allowlist.",
         cfg=cfg, req=req(service(tool, annotations=on)),
         exp=expect(True, img(tool, "ALLOWED", "allowlist", ["allowlisted"],
                              pattern="us-docker.pkg.dev/acme/tools/**")))
    case(g, "cloud-run-tag-reference",
         "An image deployed by tag under REQUIRE_ATTESTATION: Cloud Run would resolve the tag when "
         "it deploys; binauthz cannot offline, so it is DENIED [tagReference] with a note saying so.",
         cfg=cfg, req=req(service(IMG_API_TAG, annotations=on), [ci_occ()]),
         exp=expect(False, denied(IMG_API_TAG, ["tagReference"]), notes=["resolves a tag"]))
    case(g, "cloud-run-source-deploy",
         "A source-deployed image (us-central1-docker.pkg.dev/acme/cloud-run-source-deploy/...) "
         "without attestation and without the documented exemption: DENIED, with a note naming "
         "the cloud-run-source-deploy pattern to exempt.",
         cfg=cfg, req=req(service(source, annotations=on)),
         exp=expect(False, denied(source, ["noAttestation"]), notes=["cloud-run-source-deploy/**"]))
    case(g, "cloud-run-host-context",
         "A host that extracted the images itself gives them with context.cloudRun (kind service, "
         "binaryAuthorization default): the same default-rule-only evaluation.",
         cfg=cfg, req=request([IMG_API], [ci_occ()],
                              {"cloudRun": {"kind": "service", "name": "payments-api",
                                            "binaryAuthorization": "default"}}),
         exp=expect(True, ok(IMG_API)))
    case(g, "cloud-run-assume-enabled-without-cloud-run",
         "assumeEnabled in a request without a Cloud Run object or context: request error "
         "(invalid) naming context.assumeEnabled.",
         cfg=cfg, req=request([IMG_API], [ci_occ()], {"assumeEnabled": True}),
         err=expect_error("request", "invalid", "assumeEnabled"))
    case(g, "cloud-run-annotation-on-template",
         "run.googleapis.com/binary-authorization on the revision template instead of the "
         "service's metadata, where Cloud Run reads it: binauthz does not guess, request error "
         "(invalid) naming spec.template.metadata.annotations.",
         cfg=cfg, req=req(service(IMG_API, template_annotations=on)),
         err=expect_error("request", "invalid", "spec.template.metadata.annotations"))
    case(g, "cloud-run-knative-revision",
         "A serving.knative.dev/v1 Revision is not a Cloud Run object binauthz reads: request "
         "error (invalid) naming the kind.",
         cfg=cfg, req=req({"apiVersion": "serving.knative.dev/v1", "kind": "Revision",
                           "metadata": {"name": "payments-api-00042-abc"}}),
         err=expect_error("request", "invalid", "Revision"))


GROUPS = [group_algorithms, group_key_ids, group_bad_signatures, group_rotation,
          group_multi_attestor, group_digest_binding, group_encodings, group_tags,
          group_invalid_references, group_modes,
          group_breakglass, group_allowlist, group_system_images, group_specific_rules,
          group_multiple_images, group_document_formats, group_config_errors,
          group_request_errors, group_occurrences, group_kubernetes, group_pgp,
          group_gcloud_documents, group_cloud_run]


def check_case(c: dict) -> None:
    """Sanity checks on the shape of a case (spec §9)."""
    json.loads(json.dumps(c))
    if "expect" in c:
        e = c["expect"]
        assert e["allowed"] == all(i["verdict"] != "DENIED" for i in e["images"]), c["name"]
        n = len(c["request"].get("images", e["images"])) if "request" in c else len(e["images"])
        assert n == len(e["images"]), c["name"]
        for i in e["images"]:
            assert i["reasonKinds"] == sorted(set(i["reasonKinds"])), c["name"]
            assert i["verdict"] in {"ALLOWED", "DENIED", "DRY_RUN_VIOLATION", "BREAKGLASS"}
            assert i["stage"] in {"breakglass", "systemImage", "allowlist", "rule", "notEnabled"}


def write_readme(counts: dict[str, int], total: int) -> None:
    rows = "\n".join(f"| {g} | {n} |" for g, n in counts.items())
    (OUT / "README.md").write_text(f"""# binauthz conformance vectors

The executable form of [`../README.md`](../README.md) (the spec); §9 there defines the case format.

- `cases/NNN-name.json`: one case each. A runner compiles `config` (serialized as JSON) or
  `configText`, evaluates `request` (serialized as JSON) or `requestText`, and compares the
  decision with `expect`, or the error with `expectError`. Each case's `description` says what
  it checks and which rule of the spec gives the expected result.
- `keys/`: the throwaway keys the signatures were made with (private keys included on purpose;
  they are test keys).
- `generate.py`: writes all of the above. Python 3.11 standard library plus the `openssl` CLI
  (OpenSSL 3.0) and GnuPG's `gpg` (the PGP group). It signs gcloud-identical payloads with
  openssl and gpg, verifies every good signature with them and checks that every deliberately bad
  one does not verify.

Regenerate (wipes and recreates `cases/` and `keys/`):

```sh
python3 spec/conformance/generate.py
```

Notes for runners:
- `rule` in `expect` gives only `kind` and `key`; it is given for images settled by a rule or by
  breakglass, never for `systemImage`/`allowlist` images (whose `rule` is null), and it is left
  out of the Istio cases (the spec does not say whether the reported key keeps `spiffe://`).
- `messageContains` is the field path, a fragment of it, or the offending value; it is absent in
  the `syntax` cases, where the parser's wording is not part of the spec.
- `verifiedBy` lists `{{attestor, keyId}}` for every satisfied attestor, sorted by attestor.
- `notesContain` (optional) lists texts that must each be part of at least one of the decision's
  `notes` (case-sensitive substring): a kind such as `BUILD`, or a skipped occurrence's name;
  notes are worded for people, so cases pin only such fragments.

Each run makes new keys and signatures (and so new files), but the same cases with the same
expected results. The committed files are the reference; regenerate only when adding or changing
cases.

## Cases ({total})

| group | cases |
|---|---|
{rows}
""")


def main() -> None:
    global _SCRATCH, OUT, CASES_DIR, KEYS_DIR
    import argparse
    parser = argparse.ArgumentParser(description="Regenerate the binauthz conformance vectors.")
    parser.add_argument("--out", type=Path, default=HERE, help="output directory (default: beside this script)")
    OUT = parser.parse_args().out.resolve()
    CASES_DIR, KEYS_DIR = OUT / "cases", OUT / "keys"
    _SCRATCH = Path(tempfile.mkdtemp(prefix="binauthz-conformance-"))
    for d in (CASES_DIR, KEYS_DIR):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    try:
        make_keys()
        for group in GROUPS:
            group()
    finally:
        shutil.rmtree(_SCRATCH, ignore_errors=True)
    counts: dict[str, int] = {}
    for n, (group, c) in enumerate(CASES, start=1):
        check_case(c)
        counts[group] = counts.get(group, 0) + 1
        (CASES_DIR / f"{n:03d}-{c['name']}.json").write_text(
            json.dumps(c, indent=2, sort_keys=False) + "\n")
    write_readme(counts, len(CASES))
    print(f"wrote {len(CASES)} cases to {CASES_DIR}, {len(KEYS)} keys to {KEYS_DIR}")


if __name__ == "__main__":
    main()
