//! Any bytes as attestors (gcloud's YAML/JSON, with PEM keys inside) and as raw DER
//! SubjectPublicKeyInfo for every algorithm: an error or a key, never a panic.
#![no_main]

use binauthz_core::Attestor;
use binauthz_core::api::validate_attestors;
use binauthz_core::crypto::{PkixKey, SignatureAlgorithm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for alg in SignatureAlgorithm::ALL {
        if let Ok(key) = PkixKey::from_spki_der(data, alg) {
            // A key that parsed re-parses from its own DER to the same key.
            assert_eq!(PkixKey::from_spki_der(key.spki_der(), alg).ok(), Some(key));
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Attestor::parse_many(text);
    let validated = validate_attestors(text);
    assert_eq!(parsed.is_ok(), validated.is_ok(), "{text:?}");
    for alg in SignatureAlgorithm::ALL {
        let _ = PkixKey::from_pem(text, alg);
    }
});
