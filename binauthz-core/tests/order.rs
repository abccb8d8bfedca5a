//! Issue 13, finding 9 (spec §12): a decision is byte-identical under any permutation of the
//! request's occurrences, of each occurrence's signatures, and of the attestor's keys — also when
//! occurrences share their name, resource URI and payload, and when rotation keys share an id.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use binauthz_core::{Engine, create_signature_payload};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use proptest::prelude::*;
use serde_json::{Value, json};

const IMAGE: &str =
    "gcr.io/acme/app@sha256:5b2f0d0c3ad9b7b6f5b9a1b1d1a8cfe0a36e2c1a6f9b7f0e6c2d4e8a9b0c1d2e";
const NOTE: &str = "projects/acme/notes/ci";

fn signer(n: u8) -> SigningKey {
    let mut scalar = [0x22u8; 32];
    scalar[31] = n;
    SigningKey::from_slice(&scalar).unwrap()
}

fn key(id: &str, n: u8) -> Value {
    json!({"id": id, "pkixPublicKey": {
        "publicKeyPem": signer(n).verifying_key().to_public_key_pem(LineEnding::LF).unwrap(),
        "signatureAlgorithm": "ECDSA_P256_SHA256"}})
}

fn config(keys: &[Value]) -> String {
    json!({
        "policy": {"defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "requireAttestationsBy": ["projects/acme/attestors/ci"],
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}},
        "attestors": [{"name": "projects/acme/attestors/ci",
            "userOwnedGrafeasNote": {"noteReference": NOTE, "publicKeys": keys}}]
    })
    .to_string()
}

fn payload() -> String {
    create_signature_payload(IMAGE).unwrap()
}

fn genuine(n: u8) -> String {
    let sig: DerSignature = signer(n).sign(payload().as_bytes());
    BASE64.encode(sig.as_bytes())
}

/// A well-formed P-256 signature that verifies with no key.
fn forged(n: u8) -> String {
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend([0x11 + n; 32]);
    der.extend([0x02, 0x20]);
    der.extend([0x33 + n; 32]);
    BASE64.encode(der)
}

/// Occurrences that all share one name, resource URI and payload: only their signatures differ.
fn occurrence(signatures: &[(&str, String)]) -> Value {
    let sigs: Vec<Value> = signatures
        .iter()
        .map(|(id, s)| json!({"publicKeyId": id, "signature": s}))
        .collect();
    json!({"name": "projects/acme/occurrences/same", "resourceUri": format!("https://{IMAGE}"),
        "noteName": NOTE, "attestation": {"serializedPayload": BASE64.encode(payload()), "signatures": sigs}})
}

fn shuffle<T>(items: &mut [T], rng: &mut u64) {
    for i in (1..items.len()).rev() {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        items.swap(i, (*rng % (i as u64 + 1)) as usize);
    }
}

/// The decision as JSON, diagnostics included, from a fresh engine without a cache.
fn decide(keys: &[Value], occurrences: &[Value]) -> String {
    let engine = Engine::from_config_str(&config(keys))
        .unwrap()
        .with_cache_capacity(0);
    let request = json!({"images": [IMAGE], "attestations": occurrences}).to_string();
    serde_json::to_string(&engine.evaluate_str(&request).unwrap()).unwrap()
}

/// Keys `a` (one key) and `b` (a rotation: two keys, different material, one id).
fn keys() -> Vec<Value> {
    vec![key("a", 1), key("b", 2), key("b", 3)]
}

fn permuted(seed: u64, keys: &[Value], occurrences: &[Value]) -> String {
    let mut rng = seed | 1;
    let mut keys = keys.to_vec();
    shuffle(&mut keys, &mut rng);
    let mut occurrences = occurrences.to_vec();
    shuffle(&mut occurrences, &mut rng);
    for o in &mut occurrences {
        shuffle(
            o["attestation"]["signatures"].as_array_mut().unwrap(),
            &mut rng,
        );
    }
    decide(&keys, &occurrences)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Two valid attestations by different keys, in occurrences that look alike but for their
    /// signatures: which one `verifiedBy` names (and so the audit record) used to follow the
    /// request's order.
    #[test]
    fn verified_by_does_not_depend_on_order(seed in any::<u64>()) {
        let occurrences = [
            occurrence(&[("a", genuine(1))]),
            occurrence(&[("b", forged(1)), ("b", genuine(3))]),
            occurrence(&[("a", forged(2)), ("b", forged(3))]),
        ];
        let reference = decide(&keys(), &occurrences);
        prop_assert!(reference.contains("\"allowed\":true"));
        prop_assert_eq!(permuted(seed, &keys(), &occurrences), reference);
    }

    /// No valid attestation: the reasons (one per key tried, rotation keys included) used to
    /// follow the order of the rotation keys in the attestor.
    #[test]
    fn reasons_do_not_depend_on_order(seed in any::<u64>()) {
        let occurrences = [
            occurrence(&[("b", forged(1)), ("a", forged(4)), ("c", forged(5))]),
            occurrence(&[("b", forged(2))]),
            occurrence(&[("a", forged(3)), ("b", forged(6))]),
        ];
        let reference = decide(&keys(), &occurrences);
        prop_assert!(reference.contains("\"allowed\":false"));
        prop_assert_eq!(permuted(seed, &keys(), &occurrences), reference);
    }
}
