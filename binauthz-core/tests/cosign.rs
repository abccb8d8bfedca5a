//! The cosign vectors of spec/conformance/cosign/ (genuine OpenSSL signatures, see its README):
//! every genuine signature verifies with `CosignKey` and its payload signs the image's digest;
//! cosign's SHA-256-whatever-the-key rule is kept (a P-384 signature over SHA-384 is rejected);
//! a flipped bit is rejected; a payload for another digest is refused by the payload check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use std::path::PathBuf;

use binauthz_core::crypto::{CosignKey, VerifyError};
use binauthz_core::{
    CosignPayloadError, CosignSignature, CosignSignatures, Digest, cosign_signature_payload,
};

const REPOSITORY: &str = "us-docker.pkg.dev/acme/payments/api";
const DIGEST: &str = "sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
/// The keys of signatures.jsonl, line by line.
const KEYS: [&str; 4] = ["ec-p256", "ec-p384", "ec-p521", "rsa-2048"];

fn conformance() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(conformance().join(path)).unwrap()
}

fn key(name: &str) -> CosignKey {
    CosignKey::from_pem(&read(&format!("keys/{name}.pub.pem"))).unwrap()
}

fn signatures(file: &str) -> Vec<CosignSignature> {
    CosignSignatures::parse_lines(&read(&format!("cosign/{file}")))
        .unwrap()
        .into_iter()
        .collect()
}

fn digest() -> Digest {
    Digest::parse(DIGEST).unwrap()
}

#[test]
fn the_vectors_payload_is_the_one_binauthz_makes_byte_for_byte() {
    let made = cosign_signature_payload(REPOSITORY, &digest()).unwrap();
    assert_eq!(read("cosign/payload.json"), made);
    for sig in signatures("signatures.jsonl") {
        assert_eq!(sig.payload(), made.as_bytes());
    }
}

#[test]
fn every_genuine_signature_verifies_with_sha256_and_signs_the_images_digest() {
    let sigs = signatures("signatures.jsonl");
    assert_eq!(sigs.len(), KEYS.len());
    for (name, sig) in KEYS.iter().zip(&sigs) {
        let key = key(name);
        key.verify(sig.payload(), sig.signature())
            .unwrap_or_else(|e| panic!("{name} ({}): {e}", key.describe()));
        sig.parse_payload()
            .unwrap()
            .check_digest(&digest())
            .unwrap();
        // And with no other key: each signature is its own key's.
        for other in KEYS.iter().filter(|k| *k != name) {
            assert!(
                self::key(other)
                    .verify(sig.payload(), sig.signature())
                    .is_err(),
                "{name}'s signature verified with {other}"
            );
        }
    }
}

#[test]
fn a_p384_signature_over_sha384_is_rejected_because_cosign_hashes_with_sha256() {
    let sig = &signatures("p384-sha384.jsonl")[0];
    let err = key("ec-p384")
        .verify(sig.payload(), sig.signature())
        .unwrap_err();
    assert!(matches!(err, VerifyError::CosignMismatch { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "signature does not verify with this key (ECDSA P-384 with SHA-256 (cosign))"
    );
}

#[test]
fn a_flipped_bit_in_the_signature_or_the_payload_is_rejected() {
    for (name, sig) in KEYS.iter().zip(signatures("signatures.jsonl")) {
        let key = key(name);
        for byte in [0, sig.signature().len() / 2, sig.signature().len() - 1] {
            let mut bad = sig.signature().to_vec();
            bad[byte] ^= 0x01;
            assert!(
                key.verify(sig.payload(), &bad).is_err(),
                "{name} byte {byte}"
            );
        }
        let mut payload = sig.payload().to_vec();
        payload[10] ^= 0x01;
        let err = key.verify(&payload, sig.signature()).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Mismatch { .. } | VerifyError::CosignMismatch { .. }
            ),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn a_payload_for_another_digest_verifies_but_is_refused_by_the_payload_check() {
    let sig = &signatures("other-digest.jsonl")[0];
    key("ec-p256")
        .verify(sig.payload(), sig.signature())
        .unwrap();
    assert_eq!(
        sig.payload(),
        read("cosign/payload-other-digest.json").as_bytes()
    );
    let err = sig
        .parse_payload()
        .unwrap()
        .check_digest(&digest())
        .unwrap_err();
    assert!(
        matches!(err, CosignPayloadError::DigestMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the payload signs sha256:{}, not the image's digest {DIGEST}",
            "0".repeat(64)
        )
    );
}

#[test]
fn a_cosign_verification_is_charged_like_the_pkix_one_with_the_same_key() {
    use binauthz_core::budget::{Work, pkix_points};
    use binauthz_core::crypto::SignatureAlgorithm;
    assert_eq!(
        key("ec-p256").work(250),
        Work::verification(pkix_points(SignatureAlgorithm::EcdsaP256Sha256), 250)
    );
    assert_eq!(
        key("ec-p521").work(250),
        Work::verification(pkix_points(SignatureAlgorithm::EcdsaP521Sha512), 250)
    );
    assert_eq!(
        key("rsa-2048").work(250),
        Work::verification(pkix_points(SignatureAlgorithm::RsaPkcs1_2048Sha256), 250)
    );
}
