//! Properties that must hold for every input, checked with proptest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use binauthz_core::{Attestor, Engine, ImageRef, Occurrence, Policy, Request};
use common::case;
use proptest::prelude::*;
use serde_json::Value;

/// A committed case with a valid attestation for one image: (engine, request, attested digest hex).
fn attested_case(name: &str) -> (Engine, Value, String) {
    let c = case(name);
    let engine = Engine::from_config_str(&c["config"].to_string()).unwrap();
    let request = c["request"].clone();
    let image = request["images"][0].as_str().unwrap().to_owned();
    let hex = image.rsplit_once("@sha256:").unwrap().1.to_owned();
    assert!(engine.evaluate_str(&request.to_string()).unwrap().allowed);
    (engine, request, hex)
}

fn hex_digest() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 32)
        .prop_map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// No byte string makes any parser panic; each returns a value or an error.
    #[test]
    fn parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Engine::from_config_bytes(&bytes);
        let _ = Request::parse_bytes(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Policy::parse(text);
            let _ = Attestor::parse_many(text);
            let _ = Occurrence::parse_many(text);
            let _ = ImageRef::parse(text);
            let _ = binauthz_core::create_signature_payload(text);
        }
    }

    /// Text that looks like our documents (YAML/JSON punctuation and field names) never panics.
    #[test]
    fn parsers_never_panic_on_document_like_text(
        text in "([{}\\[\\]:,\"' \n-]|defaultAdmissionRule|evaluationMode|ALWAYS_ALLOW|images|attestations|&a|\\*a|[a-z0-9@./]){0,80}"
    ) {
        let _ = Engine::from_config_str(&text);
        let _ = Request::parse(&text);
        let _ = Policy::parse(&text);
    }

    /// An attestation signed for digest A never admits an image with digest B, whether the
    /// occurrence is filed under A (it is then not even considered) or claims B in resourceUri.
    #[test]
    fn attestation_for_one_digest_never_admits_another(b in hex_digest(), relabel in any::<bool>()) {
        let (engine, mut request, a) = attested_case("alg-ecdsa-p256-sha256-valid");
        prop_assume!(a != b);
        let image = request["images"][0].as_str().unwrap().replace(&a, &b);
        request["images"][0] = Value::String(image);
        if relabel {
            for occ in request["attestations"].as_array_mut().unwrap() {
                let uri = occ["resourceUri"].as_str().unwrap().replace(&a, &b);
                occ["resourceUri"] = Value::String(uri);
            }
        }
        let decision = engine.evaluate_str(&request.to_string()).unwrap();
        prop_assert!(!decision.allowed);
    }

}

// Fewer cases: each one is a full signature verification, slow in debug builds.
proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Flipping any bit of the signature or the payload never leaves the image admitted.
    #[test]
    fn tampering_never_admits(which in 0usize..2, bit in 0usize..4096) {
        use base64::Engine as _;
        let (engine, mut request, _) = attested_case("alg-rsa-pss-2048-sha256-valid");
        let occ = &mut request["attestations"][0];
        let field = if which == 0 {
            &mut occ["attestation"]["signatures"][0]["signature"]
        } else {
            &mut occ["attestation"]["serializedPayload"]
        };
        let std = base64::engine::general_purpose::STANDARD;
        let mut bytes = std.decode(field.as_str().unwrap()).unwrap();
        let bit = bit % (bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        *field = Value::String(std.encode(&bytes));
        let decision = engine.evaluate_str(&request.to_string()).unwrap();
        prop_assert!(!decision.allowed);
    }

    /// The same request gives the same decision, however its attestations and their signatures
    /// are ordered.
    #[test]
    fn evaluation_is_deterministic_and_order_independent(seed in any::<u64>()) {
        for name in ["several-occurrences-one-valid", "several-signatures-last-valid", "two-attestors-one-signature-invalid"] {
            let c = case(name);
            let engine = Engine::from_config_str(&c["config"].to_string()).unwrap();
            let request = c["request"].clone();
            let first = engine.evaluate_str(&request.to_string()).unwrap();
            prop_assert_eq!(&first, &engine.evaluate_str(&request.to_string()).unwrap());
            let mut shuffled = request.clone();
            let mut rng = seed;
            let mut next = move || { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; rng };
            let occs = shuffled["attestations"].as_array_mut().unwrap();
            for i in (1..occs.len()).rev() {
                occs.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            for occ in occs.iter_mut() {
                let sigs = occ["attestation"]["signatures"].as_array_mut().unwrap();
                for i in (1..sigs.len()).rev() {
                    sigs.swap(i, (next() % (i as u64 + 1)) as usize);
                }
            }
            let second = engine.evaluate_str(&shuffled.to_string()).unwrap();
            prop_assert_eq!(first.allowed, second.allowed);
            prop_assert_eq!(&first.images, &second.images);
        }
    }
}
