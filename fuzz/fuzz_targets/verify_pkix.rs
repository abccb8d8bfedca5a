//! Arbitrary (message, signature) pairs against a real key of every PKIX algorithm: never a
//! panic, and a signature verifies only over the one payload that key ever signed (ECDSA
//! signatures are malleable, so other signature bytes over that payload may verify). Every
//! backend compiled in (RustCrypto, and AWS-LC with the `native` feature) gives the same result,
//! and the form a host verifier is given (`host_signature`, spec §7.3) is refused exactly when
//! `verify` calls the signature malformed, with the same error.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::Engine;
use binauthz_core::PublicKey;
use binauthz_core::crypto::{Backend, PkixKey, VerifyError};
use libfuzzer_sys::fuzz_target;

/// The conformance cases with one valid signature per algorithm.
const CASES: [&str; 11] = [
    include_str!("../../spec/conformance/cases/001-alg-rsa-pss-2048-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/002-alg-rsa-pss-3072-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/003-alg-rsa-pss-4096-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/004-alg-rsa-pss-4096-sha512-valid.json"),
    include_str!("../../spec/conformance/cases/005-alg-rsa-sign-pkcs1-2048-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/006-alg-rsa-sign-pkcs1-3072-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/007-alg-rsa-sign-pkcs1-4096-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/008-alg-rsa-sign-pkcs1-4096-sha512-valid.json"),
    include_str!("../../spec/conformance/cases/009-alg-ecdsa-p256-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/010-alg-ecdsa-p384-sha384-valid.json"),
    include_str!("../../spec/conformance/cases/011-alg-ecdsa-p521-sha512-valid.json"),
];

/// (key, the payload it signed).
fn keys() -> &'static Vec<(PkixKey, Vec<u8>)> {
    static KEYS: OnceLock<Vec<(PkixKey, Vec<u8>)>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut out = Vec::new();
        for case in CASES {
            let Ok(case) = serde_json::from_str::<serde_json::Value>(case) else {
                continue;
            };
            let Ok(engine) = Engine::from_config_str(&case["config"].to_string()) else {
                continue;
            };
            let Ok(request) = binauthz_core::Request::from_value(case["request"].clone()) else {
                continue;
            };
            let Some(payload) = request.attestations().first().and_then(|o| o.payload()) else {
                continue;
            };
            for attestor in engine.attestors() {
                for key in attestor.keys() {
                    if let PublicKey::Pkix(k) = key.key() {
                        out.push((k.clone(), payload.to_vec()));
                    }
                }
            }
        }
        assert_eq!(out.len(), CASES.len(), "every seed case yields its key");
        out
    })
}

fuzz_target!(|data: &[u8]| {
    let split = data
        .first()
        .map_or(0, |b| usize::from(*b) * 4)
        .min(data.len());
    let (message, signature) = data.split_at(split);
    let message = message.get(1..).unwrap_or_default();
    for (key, signed) in keys() {
        let results: Vec<_> = Backend::ALL
            .iter()
            .map(|b| key.verify_with(*b, message, signature))
            .collect();
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
        let structural = match &results[0] {
            Err(e @ VerifyError::Malformed { .. }) => Err(e.clone()),
            _ => Ok(()),
        };
        assert_eq!(key.host_signature(signature).map(drop), structural);
        if key.verify(message, signature).is_ok() {
            assert_eq!(message, signed.as_slice(), "{:?}", key.algorithm());
        }
    }
});
