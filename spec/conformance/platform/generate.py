#!/usr/bin/env python3
"""Writes the platform-policy conformance vectors (spec/README.md §15) into cases/.

Python 3.11 standard library and the `openssl` CLI. Signatures are made with the committed test
keys of ../keys (simple-signing attestations exactly as gcloud's payloads, cosign signatures over
cosign's own payload bytes, SHA-256 whatever the curve, as cosign signs), and every good signature
is verified with openssl before use, every deliberately bad one checked not to verify.

Each case gives the policy as text, the request, and `expect`: the verdicts the spec gives, by
hand (pod, image, check set chosen, each check's verdict, fragments of the explanations). The
Rust runner (binauthz-core/tests/platform_conformance.rs) checks `expect`; with
`BINAUTHZ_BLESS=1` it also records the engine's full `response` and `cvEvents` in each case, which
the C, Go and Node runners compare byte for byte (the same input gives the same output in every
binding). Regenerating keeps no recorded output: run the Rust runner with BINAUTHZ_BLESS=1 after.
"""
import base64
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = HERE.parent / "keys"
OUT = HERE / "cases"


def openssl(*args, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *map(str, args)], input=data, capture_output=True)


def sign(key: str, data: bytes, hash_name: str = "sha256", pss: bool = False) -> bytes:
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        args = ["dgst", f"-{hash_name}", "-sign", KEYS / f"{key}.pem"]
        if pss:
            args += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
                     "-sigopt", f"rsa_mgf1_md:{hash_name}"]
        r = openssl(*args, f.name)
        assert r.returncode == 0, r.stderr
        sig = r.stdout
        vargs = ["dgst", f"-{hash_name}", "-verify", KEYS / f"{key}.pub.pem", "-signature", "/dev/stdin"]
        if pss:
            vargs += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
                      "-sigopt", f"rsa_mgf1_md:{hash_name}"]
        v = subprocess.run(["openssl", *map(str, vargs), f.name], input=sig, capture_output=True)
        assert v.returncode == 0, f"openssl did not verify {key} {hash_name}"
        return sig


def does_not_verify(key: str, data: bytes, sig: bytes, hash_name: str = "sha256") -> None:
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        v = subprocess.run(["openssl", "dgst", f"-{hash_name}", "-verify", str(KEYS / f"{key}.pub.pem"),
                            "-signature", "/dev/stdin", f.name], input=sig, capture_output=True)
        assert v.returncode != 0, "a negative vector verifies"


def pem(key: str) -> str:
    return (KEYS / f"{key}.pub.pem").read_text()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def digest_of(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


D_API = digest_of("acme/payments-api:1.4.2")
D_LEDGER = digest_of("acme/ledger:2.0.0")
D_NGINX = digest_of("library/nginx:1.27")
REPO_API = "us-docker.pkg.dev/acme/prod/payments-api"
REPO_LEDGER = "us-docker.pkg.dev/acme/prod/ledger"
IMG_API = f"{REPO_API}@sha256:{D_API}"
IMG_LEDGER = f"{REPO_LEDGER}@sha256:{D_LEDGER}"
IMG_API_TAG = f"{REPO_API}:1.4.2"
IMG_EVIL = f"docker.io/evil/miner@sha256:{digest_of('evil')}"
NOW = "2026-11-30T12:00:00Z"
KMS_ID = ("//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/ci/"
          "cryptoKeys/signer/cryptoKeyVersions/1")


def gcloud_payload(repo: str, digest_hex: str) -> bytes:
    d = {"critical": {"identity": {"docker-reference": repo},
                      "image": {"docker-manifest-digest": f"sha256:{digest_hex}"},
                      "type": "Google cloud binauthz container signature"}}
    return (json.dumps(d, indent=2, separators=(",", ": "), sort_keys=True) + "\n").encode()


def cosign_payload(repo: str, digest_hex: str) -> bytes:
    """sigstore's payload as Go's json.Marshal writes it: critical, identity, image, type; no
    spaces; optional null."""
    return ('{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":'
            '"sha256:%s"},"type":"cosign container image signature"},"optional":null}'
            % (repo, digest_hex)).encode()


_n = 0


def occurrence(repo: str, digest_hex: str, payload: bytes, sigs, project: str = "acme") -> dict:
    global _n
    _n += 1
    return {
        "name": f"projects/{project}/occurrences/occ-{_n:04d}",
        "resourceUri": f"https://{repo}@sha256:{digest_hex}",
        "noteName": f"projects/{project}/notes/built-by-ci",
        "kind": "ATTESTATION",
        "attestation": {"serializedPayload": b64(payload),
                        "signatures": [{"publicKeyId": k, "signature": b64(s)} for k, s in sigs]},
    }


def attested(key: str, key_id: str, hash_name: str = "sha256", pss: bool = False,
             repo: str = REPO_API, digest_hex: str = D_API, project: str = "acme",
             signed_digest: str | None = None) -> dict:
    p = gcloud_payload(repo, signed_digest or digest_hex)
    return occurrence(repo, digest_hex, p, [(key_id, sign(key, p, hash_name, pss))], project)


def cosign_sig(key: str, repo: str = REPO_API, digest_hex: str = D_API, hash_name: str = "sha256",
               payload: bytes | None = None) -> dict:
    """One line of `cosign download signature`."""
    p = payload or cosign_payload(repo, digest_hex)
    return {"Base64Signature": b64(sign(key, p, hash_name)), "Payload": b64(p)}


def pod(images, ns: str = "prod", sa: str | None = None, name: str = "web",
        init: list[str] | None = None) -> dict:
    spec: dict = {"containers": [{"name": f"c{i}", "image": im} for i, im in enumerate(images)]}
    if init:
        spec["initContainers"] = [{"name": f"init{i}", "image": im} for i, im in enumerate(init)]
    if sa:
        spec["serviceAccountName"] = sa
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": spec}


def policy_text(check_sets: list, allow: list[str] | None = None) -> str:
    g: dict = {}
    if allow is not None:
        g["imageAllowlist"] = {"allowPattern": allow}
    g["checkSets"] = check_sets
    return json.dumps({"gkePolicy": g}, indent=2)


def yaml_policy(text: str) -> str:
    return text


def catch_all(*checks, **kw) -> dict:
    s = {"displayName": kw.pop("display", "everything else"), "checks": list(checks)}
    s.update(kw)
    return s


def simple_check(*keys, projects=None, display="signed by CI") -> dict:
    c: dict = {"displayName": display, "simpleSigningAttestationCheck": {
        "attestationAuthenticators": [{"displayName": "ci", "pkixPublicKeySet": {"pkixPublicKeys": list(keys)}}]}}
    if projects:
        c["simpleSigningAttestationCheck"]["containerAnalysisAttestationProjects"] = projects
    return c


def pkix(key: str, alg: str, key_id: str | None = KMS_ID) -> dict:
    k = {"publicKeyPem": pem(key), "signatureAlgorithm": alg}
    if key_id is not None:
        k["keyId"] = key_id
    return k


def sigstore_check(*keys: str) -> dict:
    return {"displayName": "cosign", "sigstoreSignatureCheck": {"sigstoreAuthorities": [
        {"displayName": "release", "publicKeySet": {"publicKeys": [{"publicKeyPem": pem(k)} for k in keys]}}]}}


def vuln_check(fixable="MEDIUM", unfixable="HIGH", **kw) -> dict:
    v = {"maximumFixableSeverity": fixable, "maximumUnfixableSeverity": unfixable}
    v.update(kw)
    return {"displayName": "vulnerabilities", "vulnerabilityCheck": v}


def scan(digest_hex: str = D_API, project: str = "acme", repo: str = REPO_API) -> dict:
    return {"name": f"projects/{project}/occurrences/scan-{digest_hex[:8]}", "kind": "DISCOVERY",
            "resourceUri": f"https://{repo}@sha256:{digest_hex}", "noteName": f"projects/{project}/notes/scan",
            "discovery": {"analysisStatus": "FINISHED_SUCCESS"}}


def vuln(cve: str, severity: str, fix: bool, digest_hex: str = D_API, project: str = "acme") -> dict:
    return {"name": f"projects/{project}/occurrences/v-{cve}", "kind": "VULNERABILITY",
            "resourceUri": f"https://{REPO_API}@sha256:{digest_hex}",
            "noteName": f"projects/goog-vulnz/notes/{cve}",
            "vulnerability": {"effectiveSeverity": severity, "fixAvailable": fix, "shortDescription": cve}}


def image(im: str, verdict: str, *, check_set: int | None = None, checks: list[str] | None = None,
          allowlist: str | None = None, contains: list[str] | None = None) -> dict:
    e: dict = {"image": im, "verdict": verdict}
    if allowlist is not None:
        e["allowlist"] = allowlist
    if check_set is not None:
        e["checkSet"] = check_set
    if checks is not None:
        e["checks"] = checks
    if contains:
        e["explanationContains"] = contains
    return e


def pod_expect(verdict: str, *images: dict, ns: str = "prod", sa: str = "default") -> dict:
    return {"verdict": verdict, "namespace": ns, "serviceAccount": sa, "images": list(images)}


CASES: list[dict] = []


def case(group: str, name: str, description: str, policy: str, request: dict | None = None, *,
         pods: list[dict] | None = None, verdict: str | None = None, error: tuple | None = None,
         cv_pod_events: int | None = None) -> None:
    c: dict = {"name": name, "group": group, "description": description, "policyText": policy,
               "request": request if request is not None else {"object": pod([IMG_API])}}
    if error:
        stage, code, path = error
        c["expectError"] = {"stage": stage, "code": code, "path": path}
    else:
        exp = {"verdict": verdict, "pods": pods}
        if cv_pod_events is not None:
            exp["cvPodEvents"] = cv_pod_events
        c["expect"] = exp
    CASES.append(c)


def config_error(name: str, description: str, check_sets: list, path: str, code: str = "invalid",
                 allow=None) -> None:
    case("policy errors", name, description, policy_text(check_sets, allow), error=("config", code, path))


def build() -> None:
    deny = {"displayName": "deny", "alwaysDeny": True}
    # ---- policy errors (§15.1) ----
    case("policy errors", "not-a-platform-policy",
         "A document without gkePolicy is not a check-based platform policy (§15.1).",
         json.dumps({"defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW"}}),
         error=("config", "invalid", "defaultAdmissionRule"))
    config_error("unknown-field", "Unknown fields are refused, as gcloud refuses them (§15.1).",
                 [catch_all({"alwaysDenyy": True})], "gkePolicy.checkSets[0].checks[0].alwaysDenyy")
    config_error("two-kinds", "A check has exactly one kind (§15.1).",
                 [catch_all({"alwaysDeny": True, "trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/a/b"]}})],
                 "gkePolicy.checkSets[0].checks[0]")
    config_error("no-kind", "A check without a kind is refused (§15.1).",
                 [catch_all({"displayName": "nothing"})], "gkePolicy.checkSets[0].checks[0]")
    config_error("always-deny-false", "`alwaysDeny: false` is proto3's default and sets no check (§15.1).",
                 [catch_all({"alwaysDeny": False})], "gkePolicy.checkSets[0].checks[0].alwaysDeny")
    config_error("catch-all-not-last", "A check set without scope must be the last (§15.1).",
                 [catch_all(deny), {"scope": {"kubernetesNamespace": "prod"}, "checks": []}],
                 "gkePolicy.checkSets[0].scope")
    config_error("last-set-has-scope", "The last check set must be a catch-all without scope (§15.1).",
                 [{"scope": {"kubernetesNamespace": "prod"}, "checks": [deny]}],
                 "gkePolicy.checkSets[0].scope")
    config_error("decreasing-specificity",
                 "A namespace's check set listed before a service account of that namespace breaks decreasing specificity (§15.1).",
                 [{"scope": {"kubernetesNamespace": "prod"}, "checks": []},
                  {"scope": {"kubernetesServiceAccount": "prod:deployer"}, "checks": [deny]}, catch_all(deny)],
                 "gkePolicy.checkSets[1].scope")
    config_error("scope-with-both", "A scope names a namespace or a service account, not both (§15.1).",
                 [{"scope": {"kubernetesNamespace": "prod", "kubernetesServiceAccount": "prod:sa"}, "checks": []},
                  catch_all(deny)], "gkePolicy.checkSets[0].scope")
    config_error("service-account-format", "A service account scope is `namespace:name` (§15.1).",
                 [{"scope": {"kubernetesServiceAccount": "deployer"}, "checks": []}, catch_all(deny)],
                 "gkePolicy.checkSets[0].scope.kubernetesServiceAccount")
    config_error("eleven-projects", "At most 10 projects per list (§15.1).",
                 [catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256"),
                                         projects=[f"projects/p{i}" for i in range(11)]))],
                 "gkePolicy.checkSets[0].checks[0].simpleSigningAttestationCheck.containerAnalysisAttestationProjects",
                 code="limit")
    config_error("project-format", "A project is `projects/PROJECT_ID` (§15.1).",
                 [catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256"), projects=["acme"]))],
                 "gkePolicy.checkSets[0].checks[0].simpleSigningAttestationCheck.containerAnalysisAttestationProjects[0]")
    config_error("trusted-dir-pattern", "`sub*domain.gcr.io/nginx` is invalid: only a leading or trailing `*` (§15.3).",
                 [catch_all({"trustedDirectoryCheck": {"trustedDirPatterns": ["sub*domain.gcr.io/nginx"]}})],
                 "gkePolicy.checkSets[0].checks[0].trustedDirectoryCheck.trustedDirPatterns[0]")
    config_error("trusted-dir-leading-star", "`*pkg.dev/...` is invalid: a leading `*` matches only a subdomain (§15.3).",
                 [catch_all({"trustedDirectoryCheck": {"trustedDirPatterns": ["*pkg.dev/my-project/my-repo"]}})],
                 "gkePolicy.checkSets[0].checks[0].trustedDirectoryCheck.trustedDirPatterns[0]")
    config_error("vulnerability-both-required", "maximumUnfixableSeverity is required, not defaulted (§15.4).",
                 [catch_all({"vulnerabilityCheck": {"maximumFixableSeverity": "HIGH"}})],
                 "gkePolicy.checkSets[0].checks[0].vulnerabilityCheck.maximumUnfixableSeverity")
    config_error("vulnerability-unspecified", "MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED is not usable (§15.4).",
                 [catch_all(vuln_check(fixable="MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED"))],
                 "gkePolicy.checkSets[0].checks[0].vulnerabilityCheck.maximumFixableSeverity")
    config_error("freshness-zero", "maxUploadAgeDays must be greater than 0 (§15.4).",
                 [catch_all({"imageFreshnessCheck": {"maxUploadAgeDays": 0}})],
                 "gkePolicy.checkSets[0].checks[0].imageFreshnessCheck.maxUploadAgeDays")
    config_error("unknown-algorithm", "signatureAlgorithm is one of the 19 names (§15.4).",
                 [catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA1")))],
                 "gkePolicy.checkSets[0].checks[0].simpleSigningAttestationCheck.attestationAuthenticators[0].pkixPublicKeySet.pkixPublicKeys[0].signatureAlgorithm")
    config_error("no-authenticators", "attestationAuthenticators is required (§15.4).",
                 [catch_all({"simpleSigningAttestationCheck": {"attestationAuthenticators": []}})],
                 "gkePolicy.checkSets[0].checks[0].simpleSigningAttestationCheck.attestationAuthenticators")
    config_error("sigstore-key-not-pem", "A sigstore authority's key must be a PEM public key (§15.4).",
                 [catch_all({"sigstoreSignatureCheck": {"sigstoreAuthorities": [
                     {"publicKeySet": {"publicKeys": [{"publicKeyPem": "not a key"}]}}]}})],
                 "gkePolicy.checkSets[0].checks[0].sigstoreSignatureCheck.sigstoreAuthorities[0].publicKeySet.publicKeys[0].publicKeyPem")
    config_error("allow-pattern", "allowPattern is read as admissionWhitelistPatterns: no wildcard in the registry (§15.3).",
                 [catch_all(deny)], "gkePolicy.imageAllowlist.allowPattern[0]", allow=["gcr.io*"])
    config_error("key-mismatch", "A PEM key that is not of the algorithm's kind is refused (§15.4).",
                 [catch_all(simple_check(pkix("rsa-2048", "ECDSA_P256_SHA256")))],
                 "gkePolicy.checkSets[0].checks[0].simpleSigningAttestationCheck.attestationAuthenticators[0].pkixPublicKeySet.pkixPublicKeys[0].publicKeyPem")

    # ---- request errors ----
    case("request errors", "no-object", "The request needs an object (§15.5).",
         policy_text([catch_all(deny)]), {"attestations": []}, error=("request", "invalid", "object"))
    case("request errors", "bad-upload-time", "An upload time must be RFC 3339 (§15.5).",
         policy_text([catch_all(deny)]),
         {"object": pod([IMG_API]), "dockerImages": [{"uri": IMG_API, "uploadTime": "yesterday"}]},
         error=("request", "invalid", "dockerImages[0].uploadTime"))
    case("request errors", "cloud-run-object", "A Cloud Run object is not a GKE pod (§15.5).",
         policy_text([catch_all(deny)]),
         {"object": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "s"},
                     "spec": {"template": {"spec": {"containers": [{"image": IMG_API}]}}}}},
         error=("request", "unsupported", "object"))

    # ---- selection and allowlists (§15.2) ----
    case("evaluation", "no-check-sets", "An empty checkSets allows every image (§15.2).",
         policy_text([]), pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", contains=["no check sets"]))],
         verdict="CONFORMANT", cv_pod_events=0)
    case("evaluation", "policy-allowlist", "A policy-level allowPattern exempts the image from the whole policy (§15.2).",
         policy_text([catch_all(deny)], allow=["us-docker.pkg.dev/acme/prod/**"]),
         pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", allowlist="us-docker.pkg.dev/acme/prod/**"))],
         verdict="CONFORMANT", cv_pod_events=0)
    case("evaluation", "always-deny", "alwaysDeny denies every image its check set reaches (§15.4).",
         policy_text([catch_all(deny)]),
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT", cv_pod_events=1)
    sets = [{"displayName": "deployer", "scope": {"kubernetesServiceAccount": "prod:deployer"}, "checks": [deny]},
            {"displayName": "prod", "scope": {"kubernetesNamespace": "prod"},
             "checks": [{"trustedDirectoryCheck": {"trustedDirPatterns": ["*-docker.pkg.dev/acme/prod"]}}]},
            catch_all()]
    case("evaluation", "most-specific-scope",
         "Exactly one check set per pod, the most specific matching scope: service account, then namespace, then the catch-all; a pod without serviceAccountName runs as `default` (§15.2). A list of pods is evaluated pod by pod.",
         policy_text(sets),
         {"object": {"kind": "List", "apiVersion": "v1", "items": [
             pod([IMG_API], sa="deployer", name="a"), pod([IMG_API], name="b"), pod([IMG_EVIL], ns="dev", name="c")]}},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]), sa="deployer"),
               pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=1, checks=["CONFORMANT"])),
               pod_expect("CONFORMANT", image(IMG_EVIL, "CONFORMANT", check_set=2, contains=["no checks"]), ns="dev")],
         verdict="NON_CONFORMANT", cv_pod_events=1)
    case("evaluation", "set-allowlist", "A check set's allowlist skips all of its checks (§15.2).",
         policy_text([catch_all(deny, imageAllowlist={"allowPattern": [f"{REPO_API}@*"]})]),
         pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, contains=["check set's image allowlist"]))],
         verdict="CONFORMANT", cv_pod_events=0)
    case("evaluation", "check-allowlist", "A check's allowlist skips that check only (§15.2).",
         policy_text([catch_all({"alwaysDeny": True, "imageAllowlist": {"allowPattern": [f"{REPO_API}@*"]}},
                                {"trustedDirectoryCheck": {"trustedDirPatterns": ["gcr.io/other/**"]}})]),
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["ALLOWLISTED", "NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT")
    case("evaluation", "trusted-directory",
         "trustedDirPatterns: a leading `*` matches a location prefix, a trailing `**` any depth; an image outside every directory does not conform (§15.3). Init containers are evaluated too.",
         policy_text([catch_all({"trustedDirectoryCheck": {"trustedDirPatterns": ["*-docker.pkg.dev/acme/prod", "gcr.io/acme/**"]}})]),
         {"object": pod([IMG_API, IMG_EVIL], init=[f"gcr.io/acme/tools/migrate@sha256:{D_LEDGER}"])},
         pods=[pod_expect("NON_CONFORMANT",
                          image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"]),
                          image(IMG_EVIL, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["docker.io/evil/miner"]),
                          image(f"gcr.io/acme/tools/migrate@sha256:{D_LEDGER}", "CONFORMANT", check_set=0, checks=["CONFORMANT"]))],
         verdict="NON_CONFORMANT", cv_pod_events=1)
    case("evaluation", "docker-hub-short-name", "`nginx` lives in docker.io/library, as the registry reads it (§15.3).",
         policy_text([catch_all({"trustedDirectoryCheck": {"trustedDirPatterns": ["docker.io/library"]}})]),
         {"object": pod([f"nginx@sha256:{D_NGINX}"])},
         pods=[pod_expect("CONFORMANT", image(f"nginx@sha256:{D_NGINX}", "CONFORMANT", check_set=0, checks=["CONFORMANT"]))],
         verdict="CONFORMANT")

    # ---- simpleSigningAttestationCheck (§15.4) ----
    for key, alg, hash_name, pss in [("ec-p256", "ECDSA_P256_SHA256", "sha256", False),
                                     ("ec-p384", "EC_SIGN_P384_SHA384", "sha384", False),
                                     ("ec-p521", "ECDSA_P521_SHA512", "sha512", False),
                                     ("rsa-2048", "RSA_SIGN_PSS_2048_SHA256", "sha256", True),
                                     ("rsa-4096", "RSA_SIGN_PKCS1_4096_SHA512", "sha512", False)]:
        case("simple signing", f"simple-signing-{alg.lower().replace('_', '-')}",
             f"A gcloud-identical payload signed by openssl with {alg} verifies with the authenticator's key (§15.4).",
             policy_text([catch_all(simple_check(pkix(key, alg)))]),
             {"object": pod([IMG_API]), "attestations": [attested(key, KMS_ID, hash_name, pss)]},
             pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"]))],
             verdict="CONFORMANT", cv_pod_events=0)
    spki = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(KEYS / "ec-p256.pub.pem"), "-outform", "DER"],
                          capture_output=True, check=True).stdout
    default_id = "ni:///sha-256;" + base64.urlsafe_b64encode(hashlib.sha256(spki).digest()).decode().rstrip("=")
    case("simple signing", "simple-signing-default-key-id",
         "A key without keyId gets the default ni:///sha-256; id of its DER encoding (§15.4).",
         policy_text([catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256", key_id=None)))]),
         {"object": pod([IMG_API]), "attestations": [attested("ec-p256", default_id)]},
         pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"], contains=[default_id]))],
         verdict="CONFORMANT")
    case("simple signing", "simple-signing-untrusted-key",
         "A signature by a key no authenticator trusts, under the trusted key's id, does not verify (§15.4).",
         policy_text([catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256")))]),
         {"object": pod([IMG_API]), "attestations": [attested("ec-p256-attacker", KMS_ID)]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["does not verify"]))],
         verdict="NON_CONFORMANT", cv_pod_events=1)
    case("simple signing", "simple-signing-tag", "A tag never satisfies a check: the image needs a digest (§15.4).",
         policy_text([catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256")))]),
         {"object": pod([IMG_API_TAG]), "attestations": [attested("ec-p256", KMS_ID)]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API_TAG, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["by tag"]))],
         verdict="NON_CONFORMANT")
    case("simple signing", "simple-signing-other-digest",
         "A valid signature over a payload for another digest does not attest this image (§15.4).",
         policy_text([catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256")))]),
         {"object": pod([IMG_API]), "attestations": [attested("ec-p256", KMS_ID, signed_digest=D_LEDGER)]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["verified, but"]))],
         verdict="NON_CONFORMANT")
    case("simple signing", "simple-signing-projects",
         "containerAnalysisAttestationProjects: an attestation in another project does not count, one in a listed project does (§15.4).",
         policy_text([catch_all(simple_check(pkix("ec-p256", "ECDSA_P256_SHA256"), projects=["projects/acme-attest"]))]),
         {"object": {"kind": "List", "items": [pod([IMG_API], name="a"), pod([IMG_LEDGER], name="b")]},
          "attestations": [attested("ec-p256", KMS_ID, project="acme"),
                           attested("ec-p256", KMS_ID, repo=REPO_LEDGER, digest_hex=D_LEDGER, project="acme-attest")]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["is not in projects/acme-attest"])),
               pod_expect("CONFORMANT", image(IMG_LEDGER, "CONFORMANT", check_set=0, checks=["CONFORMANT"]))],
         verdict="NON_CONFORMANT", cv_pod_events=1)
    two_auth = {"displayName": "ci", "simpleSigningAttestationCheck": {"attestationAuthenticators": [
        {"displayName": "old", "pkixPublicKeySet": {"pkixPublicKeys": [pkix("rsa-3072", "RSA_SIGN_PKCS1_3072_SHA256", "old-key")]}},
        {"displayName": "new", "pkixPublicKeySet": {"pkixPublicKeys": [pkix("ec-p256-rotated", "ECDSA_P256_SHA256", "new-key")]}}]}}
    case("simple signing", "simple-signing-any-authenticator", "Any one authenticator's key suffices (OR) (§15.4).",
         policy_text([catch_all(two_auth)]),
         {"object": pod([IMG_API]), "attestations": [attested("ec-p256-rotated", "new-key")]},
         pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"], contains=["authenticator `new`"]))],
         verdict="CONFORMANT")

    # ---- sigstoreSignatureCheck (§15.4) ----
    for key in ["ec-p256", "ec-p384", "ec-p521", "rsa-2048"]:
        case("sigstore", f"cosign-{key}",
             f"A cosign signature made with {key} over cosign's own payload bytes, SHA-256 as cosign hashes for every key, verifies (§15.4).",
             policy_text([catch_all(sigstore_check(key))]),
             {"object": pod([IMG_API]), "cosignSignatures": [cosign_sig(key)]},
             pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"]))],
             verdict="CONFORMANT", cv_pod_events=0)
    p = cosign_payload(REPO_API, D_API)
    sha384_sig = sign("ec-p384", p, "sha384")
    does_not_verify("ec-p384", p, sha384_sig, "sha256")
    case("sigstore", "cosign-p384-with-sha384",
         "cosign hashes with SHA-256 whatever the curve: a P-384 signature over SHA-384 does not verify (§15.4).",
         policy_text([catch_all(sigstore_check("ec-p384"))]),
         {"object": pod([IMG_API]), "cosignSignatures": [{"Base64Signature": b64(sha384_sig), "Payload": b64(p)}]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT")
    case("sigstore", "cosign-untrusted-key", "A signature by a key no authority lists does not count (§15.4).",
         policy_text([catch_all(sigstore_check("ec-p256"))]),
         {"object": pod([IMG_API]), "cosignSignatures": [cosign_sig("ec-p256-attacker")]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT")
    case("sigstore", "cosign-any-key", "Any key of any authority suffices (OR) (§15.4).",
         policy_text([catch_all(sigstore_check("ec-p256-attacker", "ec-p256-rotated"))]),
         {"object": pod([IMG_API]), "cosignSignatures": [cosign_sig("ec-p256-rotated")]},
         pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"]))],
         verdict="CONFORMANT")
    case("sigstore", "cosign-gcloud-payload",
         "A gcloud payload type is not a cosign signature payload, even when the signature verifies (§15.4).",
         policy_text([catch_all(sigstore_check("ec-p256"))]),
         {"object": pod([IMG_API]), "cosignSignatures": [cosign_sig("ec-p256", payload=gcloud_payload(REPO_API, D_API))]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["could not be read"]))],
         verdict="NON_CONFORMANT")
    case("sigstore", "cosign-other-image", "A signature for another digest does not sign this image (§15.4).",
         policy_text([catch_all(sigstore_check("ec-p256"))]),
         {"object": pod([IMG_API]), "cosignSignatures": [cosign_sig("ec-p256", repo=REPO_LEDGER, digest_hex=D_LEDGER)]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["no cosign signature"]))],
         verdict="NON_CONFORMANT")

    # ---- imageFreshnessCheck (§15.4) ----
    fresh = policy_text([catch_all({"imageFreshnessCheck": {"maxUploadAgeDays": 30}})])
    case("freshness", "fresh-image", "Uploaded 10 days before the evaluation time, within 30 (§15.4).", fresh,
         {"object": pod([IMG_API]), "evaluationTime": NOW,
          "dockerImages": [{"uri": IMG_API, "uploadTime": "2026-11-20T12:00:00Z"}]},
         pods=[pod_expect("CONFORMANT", image(IMG_API, "CONFORMANT", check_set=0, checks=["CONFORMANT"]))], verdict="CONFORMANT")
    case("freshness", "stale-image", "Uploaded 31 days before the evaluation time, more than 30 (§15.4).", fresh,
         {"object": pod([IMG_API]), "evaluationTime": NOW,
          "dockerImages": [{"uri": IMG_API, "uploadTime": "2026-10-30T11:59:59Z"}]},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"], contains=["31 days"]))],
         verdict="NON_CONFORMANT")
    case("freshness", "no-upload-time", "Without the image's upload time the check is ERROR, not an allow (§15.4).", fresh,
         {"object": pod([IMG_API]), "evaluationTime": NOW},
         pods=[pod_expect("ERROR", image(IMG_API, "ERROR", check_set=0, checks=["ERROR"], contains=["upload time"]))],
         verdict="ERROR", cv_pod_events=1)
    case("freshness", "no-evaluation-time", "Without an evaluation time the check is ERROR (§15.4).", fresh,
         {"object": pod([IMG_API]), "dockerImages": [{"uri": IMG_API, "uploadTime": "2026-11-20T12:00:00Z"}]},
         pods=[pod_expect("ERROR", image(IMG_API, "ERROR", check_set=0, checks=["ERROR"], contains=["evaluationTime"]))],
         verdict="ERROR")

    # ---- vulnerabilityCheck (§15.4) ----
    def vcase(name, description, check, vulns, verdict, contains=None, scans=None):
        case("vulnerability", name, description, policy_text([catch_all(check)]),
             {"object": pod([IMG_API]), "vulnerabilities": (scans if scans is not None else [scan()]) + vulns},
             pods=[pod_expect(verdict, image(IMG_API, verdict, check_set=0, checks=[verdict], contains=contains))],
             verdict=verdict)
    vcase("vuln-within-limits", "A fixable MEDIUM and an unfixable HIGH are within MEDIUM/HIGH (§15.4).", vuln_check(),
          [vuln("CVE-2024-0001", "MEDIUM", True), vuln("CVE-2024-0002", "HIGH", False)], "CONFORMANT")
    vcase("vuln-fixable-too-severe", "A fixable HIGH exceeds maximumFixableSeverity MEDIUM (§15.4).", vuln_check(),
          [vuln("CVE-2024-0003", "HIGH", True)], "NON_CONFORMANT", ["CVE-2024-0003"])
    vcase("vuln-allowed-cve", "An allowedCves entry is skipped whatever its severity (§15.4).",
          vuln_check(allowedCves=["CVE-2024-0003"]), [vuln("CVE-2024-0003", "CRITICAL", True)], "CONFORMANT")
    vcase("vuln-blocked-cve", "A blockedCves entry fails even below the thresholds (§15.4).",
          vuln_check(blockedCves=["CVE-2024-0004"]), [vuln("CVE-2024-0004", "LOW", False)], "NON_CONFORMANT", ["blockedCves"])
    vcase("vuln-block-all", "BLOCK_ALL passes nothing, not even MINIMAL (§15.4).", vuln_check(fixable="BLOCK_ALL"),
          [vuln("CVE-2024-0005", "MINIMAL", True)], "NON_CONFORMANT")
    vcase("vuln-allow-all-unspecified", "ALLOW_ALL passes a vulnerability of unspecified severity; CRITICAL does not (§15.4).",
          vuln_check(unfixable="ALLOW_ALL"), [vuln("CVE-2024-0006", "SEVERITY_UNSPECIFIED", False)], "CONFORMANT")
    vcase("vuln-no-scan", "No finished scan found is ERROR (§15.4).", vuln_check(), [], "ERROR", ["no finished vulnerability scan"], scans=[])
    vcase("vuln-scan-other-project", "A scan outside containerAnalysisVulnerabilityProjects is no scan (§15.4).",
          vuln_check(containerAnalysisVulnerabilityProjects=["projects/acme-scans"]), [], "ERROR", ["projects/acme-scans"])

    # ---- slsaCheck (§15.4) ----
    case("slsa", "slsa-not-offline", "SLSA provenance cannot be verified offline: ERROR, documented (§15.4).",
         policy_text([catch_all({"slsaCheck": {"rules": [{"trustedBuilder": "GOOGLE_CLOUD_BUILD",
                                                          "trustedSourceRepoPatterns": ["github.com/acme/*"]}]}})]),
         pods=[pod_expect("ERROR", image(IMG_API, "ERROR", check_set=0, checks=["ERROR"], contains=["not supported offline"]))],
         verdict="ERROR")

    # ---- precedence (§15.2) ----
    case("precedence", "non-conformance-over-error", "In one image, a non-conformant check outranks an error (§15.2).",
         policy_text([catch_all({"imageFreshnessCheck": {"maxUploadAgeDays": 1}}, deny)]),
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["ERROR", "NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT")
    case("precedence", "error-over-conformance",
         "A pod whose images conform but one, which errs, is ERROR; a list with a non-conformant pod is NON_CONFORMANT (§15.2).",
         policy_text([catch_all({"imageFreshnessCheck": {"maxUploadAgeDays": 1},
                                 "imageAllowlist": {"allowPattern": [f"{REPO_LEDGER}@*"]}})]),
         {"object": {"kind": "List", "items": [pod([IMG_API, IMG_LEDGER], name="a")]}},
         pods=[pod_expect("ERROR", image(IMG_API, "ERROR", check_set=0, checks=["ERROR"]),
                          image(IMG_LEDGER, "CONFORMANT", check_set=0, checks=["ALLOWLISTED"]))],
         verdict="ERROR", cv_pod_events=1)

    # ---- objects (§15.5) ----
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
              "request": {"uid": "u1", "namespace": "prod", "operation": "CREATE",
                          "kind": {"group": "", "version": "v1", "kind": "Pod"},
                          "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                     "spec": {"containers": [{"name": "c", "image": IMG_API}]}}}}
    case("objects", "admission-review", "An AdmissionReview's namespace scopes its pod (§15.5).",
         policy_text([{"scope": {"kubernetesNamespace": "prod"}, "checks": [deny]}, catch_all()]),
         {"object": review},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT")
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "prod"},
                  "spec": {"template": {"spec": {"serviceAccountName": "deployer",
                                                 "containers": [{"name": "api", "image": IMG_API}]}}}}
    case("objects", "deployment-template", "A Deployment is evaluated as the pods its template makes, service account included (§15.5).",
         policy_text([{"scope": {"kubernetesServiceAccount": "prod:deployer"}, "checks": [deny]}, catch_all()]),
         {"object": deployment},
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]), sa="deployer")],
         verdict="NON_CONFORMANT")
    case("objects", "yaml-policy", "A policy in YAML, as gcloud imports it, reads like its JSON (§15.1).",
         "gkePolicy:\n  checkSets:\n  - displayName: everything\n    checks:\n    - alwaysDeny: true\n",
         pods=[pod_expect("NON_CONFORMANT", image(IMG_API, "NON_CONFORMANT", check_set=0, checks=["NON_CONFORMANT"]))],
         verdict="NON_CONFORMANT")


def main() -> None:
    build()
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for i, c in enumerate(CASES, 1):
        (OUT / f"{i:03d}-{c['name']}.json").write_text(json.dumps(c, indent=2) + "\n")
    print(f"{len(CASES)} platform cases written to {OUT}")


if __name__ == "__main__":
    sys.exit(main())
