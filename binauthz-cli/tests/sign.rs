//! `binauthz create-signature-payload` and `binauthz sign` end to end: the payload bytes, the
//! occurrence shape, every key type signing an occurrence that `binauthz evaluate` accepts, key
//! selection and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Run, binauthz, example, root, temp_dir};
use serde_json::{Value, json};

const HEX: &str = "37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";
const HELLO_APP: &str = "us-docker.pkg.dev/google-samples/containers/gke/hello-app";
/// The image the temporary policies are evaluated for.
const IMAGE: &str =
    "gcr.io/test/app@sha256:37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";
const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";

/// The bytes gcloud prints for the hello-app URL (GCP docs; binauthz-core's payload tests).
fn gcloud_hello_app_payload() -> String {
    format!(
        "{{\n  \"critical\": {{\n    \"identity\": {{\n      \"docker-reference\": \"{HELLO_APP}\"\n    }},\n    \"image\": {{\n      \"docker-manifest-digest\": \"sha256:{HEX}\"\n    }},\n    \"type\": \"Google cloud binauthz container signature\"\n  }}\n}}\n"
    )
}

fn conformance_key(name: &str) -> String {
    root()
        .join("spec/conformance/keys")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Writes an attestor `projects/test/attestors/NAME` (note `projects/test/notes/NAME`) with keys
/// `(id, public key file under spec/conformance/keys, signatureAlgorithm)` to NAME.attestor.json.
fn write_attestor(dir: &Path, name: &str, keys: &[(&str, &str, &str)]) -> String {
    write_attestor_file(dir, name, name, keys)
}

/// Like [`write_attestor`], to FILE.attestor.json.
fn write_attestor_file(dir: &Path, file: &str, name: &str, keys: &[(&str, &str, &str)]) -> String {
    let public_keys: Vec<Value> = keys
        .iter()
        .map(|(id, pem, alg)| {
            json!({
                "id": id,
                "pkixPublicKey": {
                    "publicKeyPem": std::fs::read_to_string(conformance_key(pem)).unwrap(),
                    "signatureAlgorithm": alg,
                },
            })
        })
        .collect();
    let attestor = json!({
        "name": format!("projects/test/attestors/{name}"),
        "userOwnedGrafeasNote": {
            "noteReference": format!("projects/test/notes/{name}"),
            "publicKeys": public_keys,
        },
    });
    let path_ = dir.join(format!("{file}.attestor.json"));
    std::fs::write(&path_, attestor.to_string()).unwrap();
    path(&path_)
}

/// Writes a policy whose default rule requires `projects/test/attestors/NAME`, enforced.
fn write_policy(dir: &Path, name: &str) -> String {
    let policy = json!({
        "defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": [format!("projects/test/attestors/{name}")],
        },
    });
    let file = dir.join(format!("{name}.policy.json"));
    std::fs::write(&file, policy.to_string()).unwrap();
    path(&file)
}

fn sign(artifact: &str, attestor: &str, key: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "sign",
        "--artifact-url",
        artifact,
        "--attestor",
        attestor,
        "--private-key",
        key,
    ];
    args.extend_from_slice(extra);
    binauthz(&args)
}

/// Signs IMAGE, checks the run succeeded, writes the occurrence and returns (its file, its JSON).
fn sign_ok(dir: &Path, attestor: &str, key: &str, extra: &[&str]) -> (String, Value) {
    let r = sign(IMAGE, attestor, key, extra);
    assert_eq!(r.status, 0, "sign failed: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let occurrence: Value = serde_json::from_str(&r.stdout).unwrap();
    let n = std::fs::read_dir(dir).unwrap().count();
    let file = dir.join(format!("occurrence-{n}.json"));
    std::fs::write(&file, &r.stdout).unwrap();
    (path(&file), occurrence)
}

fn evaluate(policy: &str, attestor: &str, attestations: Option<&str>) -> Run {
    let mut args = vec!["evaluate", "--policy", policy, "--attestor", attestor];
    if let Some(a) = attestations {
        args.extend_from_slice(&["--attestations", a]);
    }
    args.extend_from_slice(&["--image", IMAGE]);
    binauthz(&args)
}

fn public_key_id(occurrence: &Value) -> &str {
    occurrence["attestation"]["signatures"][0]["publicKeyId"]
        .as_str()
        .unwrap()
}

fn signature(occurrence: &Value) -> Vec<u8> {
    STANDARD
        .decode(
            occurrence["attestation"]["signatures"][0]["signature"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
}

// ---- create-signature-payload ----

#[test]
fn payload_is_byte_identical_to_gcloud() {
    let r = binauthz(&[
        "create-signature-payload",
        "--artifact-url",
        &format!("{HELLO_APP}@sha256:{HEX}"),
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout, gcloud_hello_app_payload());
    assert!(r.stderr.is_empty());
}

#[test]
fn payload_drops_the_scheme_and_the_tag() {
    for url in [
        format!("https://{HELLO_APP}@sha256:{HEX}"),
        format!("http://{HELLO_APP}:1.0@sha256:{HEX}"),
        format!("{HELLO_APP}:latest@sha256:{HEX}"),
    ] {
        let r = binauthz(&["create-signature-payload", "--artifact-url", &url]);
        assert_eq!(r.status, 0, "{url}: {}", r.stderr);
        assert_eq!(r.stdout, gcloud_hello_app_payload(), "{url}");
    }
    // A registry port is not a tag.
    let r = binauthz(&[
        "create-signature-payload",
        "--artifact-url",
        &format!("localhost:5000/app:v2@sha256:{HEX}"),
    ]);
    assert!(
        r.stdout
            .contains("\"docker-reference\": \"localhost:5000/app\""),
        "{}",
        r.stdout
    );
}

#[test]
fn payload_without_a_valid_digest_is_refused_with_exit_2() {
    for (url, needle) in [
        (format!("{HELLO_APP}:1.0"), "has no digest"),
        (HELLO_APP.to_owned(), "has no digest"),
        (
            format!("{HELLO_APP}@sha256:123"),
            "invalid digest: sha256:123",
        ),
        (
            format!("{HELLO_APP}@sha256:{}", HEX.to_uppercase()),
            "invalid digest",
        ),
        (format!("{HELLO_APP}@sha512:{HEX}"), "invalid digest"),
        (format!("@sha256:{HEX}"), "no repository"),
    ] {
        let r = binauthz(&["create-signature-payload", "--artifact-url", &url]);
        assert_eq!(r.status, 2, "{url}");
        assert!(r.stdout.is_empty(), "{url}: {}", r.stdout);
        assert!(
            r.stderr.contains("--artifact-url") && r.stderr.contains(needle),
            "{url}: {}",
            r.stderr
        );
    }
    let r = binauthz(&["create-signature-payload"]);
    assert_eq!(r.status, 2, "the flag is required");
}

// ---- sign: the occurrence ----

#[test]
fn occurrence_has_gclouds_shape() {
    let attestors = example("attestors.yaml");
    let key = example("keys/built-by-ci.pem");
    let tagged = format!("https://{HELLO_APP}:1.0@sha256:{HEX}");
    let r = sign(&tagged, &attestors, &key, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let occ: Value = serde_json::from_str(&r.stdout).unwrap();
    let keys: Vec<&str> = occ
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["attestation", "kind", "noteName", "resourceUri"],
        "no made-up name or times"
    );
    assert_eq!(occ["kind"], "ATTESTATION");
    assert_eq!(occ["noteName"], "projects/acme/notes/built-by-ci");
    assert_eq!(
        occ["resourceUri"],
        format!("https://{HELLO_APP}@sha256:{HEX}"),
        "https:// + the URL without its tag"
    );
    let payload = STANDARD
        .decode(occ["attestation"]["serializedPayload"].as_str().unwrap())
        .unwrap();
    assert_eq!(payload, gcloud_hello_app_payload().as_bytes());
    let sigs = occ["attestation"]["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(
        public_key_id(&occ),
        "//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/binauthz/cryptoKeys/built-by-ci/cryptoKeyVersions/1"
    );
    let der = signature(&occ);
    assert_eq!(der.first(), Some(&0x30), "ECDSA signatures are DER");
    // One JSON document and a newline, nothing else.
    assert!(r.stdout.ends_with("}\n") && r.stdout.starts_with('{'));
}

#[test]
fn ecdsa_signing_is_deterministic() {
    let attestors = example("attestors.yaml");
    let key = example("keys/built-by-ci.pem");
    let a = sign(API, &attestors, &key, &[]);
    let b = sign(API, &attestors, &key, &[]);
    assert_eq!(a.status, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}

/// The README example: both example attestors sign the api image; the policy admits it.
#[test]
fn example_keys_sign_occurrences_the_example_policy_accepts() {
    let dir = temp_dir("sign-examples");
    let attestors = example("attestors.yaml");
    let mut files = Vec::new();
    for key in ["built-by-ci", "security-scan"] {
        let r = sign(API, &attestors, &example(&format!("keys/{key}.pem")), &[]);
        assert_eq!(r.status, 0, "{key}: {}", r.stderr);
        let file = dir.join(format!("{key}.json"));
        std::fs::write(&file, &r.stdout).unwrap();
        files.push(path(&file));
    }
    let policy = example("policy.yaml");
    let mut args = vec!["evaluate", "--policy", &policy, "--attestor", &attestors];
    for f in &files {
        args.extend_from_slice(&["--attestations", f]);
    }
    args.extend_from_slice(&["--image", API, "--output", "json"]);
    let r = binauthz(&args);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let decision: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(decision["allowed"], true);

    // Only the built-by-ci occurrence: the default rule also needs security-scan.
    let only_ci = [
        "evaluate",
        "--policy",
        &policy,
        "--attestor",
        &attestors,
        "--attestations",
        &files[0],
        "--image",
        API,
    ];
    assert_eq!(binauthz(&only_ci).status, 1);
}

// ---- sign: every key type ----

/// Signs IMAGE with `key` for an attestor with that one public key and `alg`, and checks that
/// `evaluate` denies without the occurrence and admits with it. Returns the occurrence.
fn round_trip(test: &str, key: &str, alg: &str, extra: &[&str]) -> Value {
    let dir = temp_dir(test);
    let attestor = write_attestor(&dir, "signer", &[("", &format!("{key}.pub.pem"), alg)]);
    let policy = write_policy(&dir, "signer");
    let denied = evaluate(&policy, &attestor, None);
    assert_eq!(
        denied.status, 1,
        "{alg}: {}{}",
        denied.stdout, denied.stderr
    );
    let (file, occurrence) = sign_ok(
        &dir,
        &attestor,
        &conformance_key(&format!("{key}.pem")),
        extra,
    );
    let r = evaluate(&policy, &attestor, Some(&file));
    assert_eq!(r.status, 0, "{alg}: {}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("ALLOWED "), "{alg}: {}", r.stdout);
    assert!(
        public_key_id(&occurrence).starts_with("ni:///sha-256;"),
        "a key without an id has the derived id"
    );
    occurrence
}

#[test]
fn ecdsa_p256_occurrence_is_admitted() {
    let occ = round_trip("sign-p256", "ec-p256", "ECDSA_P256_SHA256", &[]);
    assert_eq!(signature(&occ).first(), Some(&0x30));
}

#[test]
fn ecdsa_p384_occurrence_is_admitted() {
    round_trip("sign-p384", "ec-p384", "ECDSA_P384_SHA384", &[]);
}

#[test]
fn ecdsa_p521_occurrence_is_admitted() {
    round_trip("sign-p521", "ec-p521", "EC_SIGN_P521_SHA512", &[]);
}

#[test]
fn rsa_pss_2048_occurrence_is_admitted() {
    let occ = round_trip("sign-pss-2048", "rsa-2048", "RSA_PSS_2048_SHA256", &[]);
    assert_eq!(signature(&occ).len(), 256);
}

#[test]
fn rsa_pss_3072_occurrence_is_admitted() {
    round_trip("sign-pss-3072", "rsa-3072", "RSA_SIGN_PSS_3072_SHA256", &[]);
}

#[test]
fn rsa_pkcs1_occurrence_is_admitted() {
    let a = round_trip(
        "sign-pkcs1-2048",
        "rsa-2048",
        "RSA_SIGN_PKCS1_2048_SHA256",
        &[],
    );
    // PKCS#1 v1.5 is deterministic.
    let b = round_trip(
        "sign-pkcs1-2048-again",
        "rsa-2048",
        "RSA_SIGN_PKCS1_2048_SHA256",
        &[],
    );
    assert_eq!(signature(&a), signature(&b));
    round_trip(
        "sign-pkcs1-3072",
        "rsa-3072",
        "RSA_SIGN_PKCS1_3072_SHA256",
        &["--algorithm", "RSA_SIGN_PKCS1_3072_SHA256"],
    );
}

/// SEC1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`) files sign like their PKCS#8 forms.
#[test]
fn sec1_and_pkcs1_private_key_files_are_accepted() {
    use p256::pkcs8::{DecodePrivateKey as _, LineEnding};
    use rsa::pkcs1::EncodeRsaPrivateKey as _;

    let dir = temp_dir("sign-key-formats");
    let p256_pkcs8 = std::fs::read_to_string(conformance_key("ec-p256.pem")).unwrap();
    let sec1 = p256::SecretKey::from_pkcs8_pem(&p256_pkcs8)
        .unwrap()
        .to_sec1_pem(LineEnding::LF)
        .unwrap();
    let rsa_pkcs8 = std::fs::read_to_string(conformance_key("rsa-2048.pem")).unwrap();
    let pkcs1 = rsa::PrivateKey::from_pkcs8_pem(&rsa_pkcs8)
        .unwrap()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap();
    for (file, text, pub_pem, alg) in [
        (
            "sec1.pem",
            sec1.as_str(),
            "ec-p256.pub.pem",
            "ECDSA_P256_SHA256",
        ),
        (
            "pkcs1.pem",
            pkcs1.as_str(),
            "rsa-2048.pub.pem",
            "RSA_PSS_2048_SHA256",
        ),
    ] {
        let key = dir.join(file);
        std::fs::write(&key, text).unwrap();
        let attestor = write_attestor(&dir, "signer", &[("k", pub_pem, alg)]);
        let policy = write_policy(&dir, "signer");
        let (occ_file, occ) = sign_ok(&dir, &attestor, &path(&key), &[]);
        assert_eq!(public_key_id(&occ), "k");
        let r = evaluate(&policy, &attestor, Some(&occ_file));
        assert_eq!(r.status, 0, "{file}: {}{}", r.stdout, r.stderr);
    }
}

// ---- sign: choosing the key, and refusals ----

#[test]
fn a_key_that_is_not_the_attestors_is_refused_with_exit_2() {
    let dir = temp_dir("sign-wrong-key");
    let attestor = write_attestor(
        &dir,
        "signer",
        &[
            ("key-1", "ec-p256.pub.pem", "ECDSA_P256_SHA256"),
            ("key-2", "rsa-2048.pub.pem", "RSA_PSS_2048_SHA256"),
        ],
    );
    let r = sign(
        IMAGE,
        &attestor,
        &conformance_key("ec-p256-attacker.pem"),
        &[],
    );
    assert_eq!(r.status, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    for needle in [
        "ec-p256-attacker.pem",
        "matches none of the keys of attestor projects/test/attestors/signer",
        "`key-1` (ECDSA_P256_SHA256)",
        "`key-2` (RSA_PSS_2048_SHA256)",
        "an EC P-256 key",
    ] {
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
    // The examples: the security-scan key is not built-by-ci's.
    let r = sign(
        API,
        &example("attestors.yaml"),
        &conformance_key("rsa-3072.pem"),
        &[],
    );
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("matches none"), "{}", r.stderr);
}

#[test]
fn public_key_id_chooses_among_rotated_keys() {
    let dir = temp_dir("sign-rotation");
    // The old key, the new key, and the new key again under its KMS-style id (a migration).
    let attestor = write_attestor(
        &dir,
        "signer",
        &[
            ("key-old", "ec-p256.pub.pem", "ECDSA_P256_SHA256"),
            ("key-new", "ec-p256-rotated.pub.pem", "ECDSA_P256_SHA256"),
            ("kms-v2", "ec-p256-rotated.pub.pem", "ECDSA_P256_SHA256"),
        ],
    );
    let policy = write_policy(&dir, "signer");

    // The old private key matches one entry: no choice to make.
    let (file, occ) = sign_ok(&dir, &attestor, &conformance_key("ec-p256.pem"), &[]);
    assert_eq!(public_key_id(&occ), "key-old");
    assert_eq!(evaluate(&policy, &attestor, Some(&file)).status, 0);

    // The new private key matches two entries: --public-key-id must choose.
    let rotated = conformance_key("ec-p256-rotated.pem");
    let r = sign(IMAGE, &attestor, &rotated, &[]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("several attestor keys")
            && r.stderr.contains("`key-new`")
            && r.stderr.contains("`kms-v2`")
            && r.stderr.contains("--public-key-id"),
        "{}",
        r.stderr
    );
    for id in ["key-new", "kms-v2"] {
        let (file, occ) = sign_ok(&dir, &attestor, &rotated, &["--public-key-id", id]);
        assert_eq!(public_key_id(&occ), id);
        let r = evaluate(&policy, &attestor, Some(&file));
        assert_eq!(r.status, 0, "{id}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains(&format!("key `{id}`")), "{}", r.stdout);
    }

    // An id that belongs to another key is refused.
    let r = sign(IMAGE, &attestor, &rotated, &["--public-key-id", "key-old"]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("--public-key-id") && r.stderr.contains("`key-old`"),
        "{}",
        r.stderr
    );
}

#[test]
fn algorithm_chooses_among_keys_listed_with_several_algorithms() {
    let dir = temp_dir("sign-algorithm");
    let key = conformance_key("rsa-2048.pem");
    // One RSA key listed twice under the same id: PSS and PKCS#1 v1.5.
    let both = write_attestor_file(
        &dir,
        "both",
        "signer",
        &[
            ("rsa", "rsa-2048.pub.pem", "RSA_PSS_2048_SHA256"),
            ("rsa", "rsa-2048.pub.pem", "RSA_SIGN_PKCS1_2048_SHA256"),
        ],
    );
    let r = sign(IMAGE, &both, &key, &[]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("--algorithm") && !r.stderr.contains("--public-key-id"),
        "{}",
        r.stderr
    );

    // The same attestor trusting the key with one algorithm only tells which one was used.
    let pss = write_attestor_file(
        &dir,
        "pss",
        "signer",
        &[("rsa", "rsa-2048.pub.pem", "RSA_PSS_2048_SHA256")],
    );
    let pkcs1 = write_attestor_file(
        &dir,
        "pkcs1",
        "signer",
        &[("rsa", "rsa-2048.pub.pem", "RSA_SIGN_PKCS1_2048_SHA256")],
    );
    let policy = write_policy(&dir, "signer");
    let (file, _) = sign_ok(
        &dir,
        &both,
        &key,
        &["--algorithm", "RSA_SIGN_PSS_2048_SHA256"],
    );
    assert_eq!(
        evaluate(&policy, &pss, Some(&file)).status,
        0,
        "PSS (alias)"
    );
    assert_eq!(
        evaluate(&policy, &pkcs1, Some(&file)).status,
        1,
        "not PKCS#1"
    );
    let (file, _) = sign_ok(
        &dir,
        &both,
        &key,
        &["--algorithm", "RSA_SIGN_PKCS1_2048_SHA256"],
    );
    assert_eq!(evaluate(&policy, &pkcs1, Some(&file)).status, 0, "PKCS#1");
    assert_eq!(evaluate(&policy, &pss, Some(&file)).status, 1, "not PSS");

    // --algorithm must agree with the matching key, and be a GCP name.
    let r = sign(IMAGE, &pkcs1, &key, &["--algorithm", "RSA_PSS_2048_SHA256"]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("does not agree"), "{}", r.stderr);
    let r = sign(IMAGE, &pkcs1, &key, &["--algorithm", "PS256"]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("not a signature algorithm") && r.stderr.contains("ECDSA_P256_SHA256"),
        "{}",
        r.stderr
    );
}

#[test]
fn attestor_lists_are_searched_for_the_key() {
    let attestors = example("attestors.yaml");
    let key = example("keys/security-scan.pem");
    let r = sign(API, &attestors, &key, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let occ: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(occ["noteName"], "projects/acme/notes/security-scan");
    let r = sign(
        API,
        &attestors,
        &key,
        &["--attestor-name", "projects/acme/attestors/built-by-ci"],
    );
    assert_eq!(r.status, 2, "the key is not built-by-ci's");
    let r = sign(
        API,
        &attestors,
        &key,
        &["--attestor-name", "projects/acme/attestors/nope"],
    );
    assert_eq!(r.status, 2);
    assert!(
        r.stderr
            .contains("projects/acme/attestors/built-by-ci, projects/acme/attestors/security-scan"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_inputs_are_refused_with_exit_2() {
    let dir = temp_dir("sign-bad-inputs");
    let attestors = example("attestors.yaml");
    let key = example("keys/built-by-ci.pem");
    let encrypted = dir.join("encrypted.pem");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let missing: PathBuf = dir.join("missing.pem");
    let cases: Vec<(String, String, &str)> = vec![
        (format!("{HELLO_APP}:1.0"), key.clone(), "--artifact-url"),
        (API.to_owned(), path(&encrypted), "encrypted"),
        (
            API.to_owned(),
            example("keys/built-by-ci.pub.pem"),
            "public key",
        ),
        (API.to_owned(), path(&missing), "cannot open"),
    ];
    for (url, key, needle) in cases {
        let r = sign(&url, &attestors, &key, &[]);
        assert_eq!(r.status, 2, "{needle}");
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains(needle), "{needle}: {}", r.stderr);
    }
    let r = sign(API, &example("policy.yaml"), &key, &[]);
    assert_eq!(r.status, 2, "a policy is not an attestor");
}

/// The cosign payload for the API image, as `cosign sign` makes it.
fn cosign_api_payload() -> String {
    "{\"critical\":{\"identity\":{\"docker-reference\":\"us-docker.pkg.dev/acme/payments/api\"},\"image\":{\"docker-manifest-digest\":\"sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6\"},\"type\":\"cosign container image signature\"},\"optional\":null}".to_owned()
}

#[test]
fn type_cosign_prints_cosigns_payload_without_a_trailing_newline() {
    let r = binauthz(&[
        "create-signature-payload",
        "--type",
        "cosign",
        "--artifact-url",
        &format!(
            "https://us-docker.pkg.dev/acme/payments/api:v1@{}",
            &API[API.len() - 71..]
        ),
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout, cosign_api_payload());
    let r = binauthz(&[
        "create-signature-payload",
        "--type",
        "gcloud",
        "--artifact-url",
        API,
    ]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Google cloud binauthz container signature")
    );
    let r = binauthz(&[
        "create-signature-payload",
        "--type",
        "cosign",
        "--artifact-url",
        "us-docker.pkg.dev/acme/payments/api:v1",
    ]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("has no digest"), "{}", r.stderr);
}

#[test]
fn a_cosign_signature_made_by_sign_type_cosign_verifies_with_cosign_key() {
    use binauthz_core::CosignSignatures;
    use binauthz_core::crypto::CosignKey;
    for name in ["ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-4096"] {
        let r = binauthz(&[
            "sign",
            "--type",
            "cosign",
            "--artifact-url",
            API,
            "--private-key",
            &conformance_key(&format!("{name}.pem")),
        ]);
        assert_eq!(r.status, 0, "{name}: {}", r.stderr);
        assert_eq!(r.stdout.lines().count(), 1, "{name}: one line");
        let line: Value = serde_json::from_str(&r.stdout).unwrap();
        let fields: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(fields, ["Base64Signature", "Payload"]);
        let sigs = CosignSignatures::parse_lines(&r.stdout).unwrap();
        let sig = &sigs.as_slice()[0];
        assert_eq!(sig.payload(), cosign_api_payload().as_bytes());
        let pem = std::fs::read_to_string(conformance_key(&format!("{name}.pub.pem"))).unwrap();
        let key = CosignKey::from_pem(&pem).unwrap();
        key.verify(sig.payload(), sig.signature())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let digest = binauthz_core::Digest::parse(&API[API.len() - 71..]).unwrap();
        sig.parse_payload().unwrap().check_digest(&digest).unwrap();
    }
}

#[test]
fn type_rejects_unknown_values_and_cosign_refuses_attestor_flags() {
    for command in ["create-signature-payload", "sign"] {
        let r = binauthz(&[command, "--type", "notation", "--artifact-url", API]);
        assert_eq!(r.status, 2, "{command}");
        assert!(r.stderr.contains("notation"), "{command}: {}", r.stderr);
        assert!(r.stderr.contains("cosign"), "{command}: {}", r.stderr);
    }
    let key = conformance_key("ec-p256.pem");
    let attestors = example("attestors.yaml");
    for extra in [
        ["--attestor", attestors.as_str()],
        ["--algorithm", "ECDSA_P256_SHA256"],
    ] {
        let mut args = vec![
            "sign",
            "--type",
            "cosign",
            "--artifact-url",
            API,
            "--private-key",
            &key,
        ];
        args.extend(extra);
        let r = binauthz(&args);
        assert_eq!(r.status, 2, "{extra:?}");
        assert!(
            r.stderr.contains("does not apply to --type cosign"),
            "{}",
            r.stderr
        );
    }
    // Without --type cosign, an attestor file is still required.
    let r = binauthz(&["sign", "--artifact-url", API, "--private-key", &key]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("--attestor"), "{}", r.stderr);
}
