//! Arbitrary signature bytes against fixed keys of several algorithms: never a panic, never
//! a valid signature.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::crypto::{PkixKey, SignatureAlgorithm};
use libfuzzer_sys::fuzz_target;

const P256: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyg93jWQyJFMVhXZm55RzBVhZWwB3\nlUrG4x5+DFhGGlvhNgXSR3+1TAEPc9WfcazAVmA6ptwOFm19Eyx41j7yXg==\n-----END PUBLIC KEY-----\n";

fn keys() -> &'static Vec<PkixKey> {
    static KEYS: OnceLock<Vec<PkixKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [(P256, SignatureAlgorithm::EcdsaP256Sha256)]
            .iter()
            .filter_map(|(pem, alg)| PkixKey::from_pem(pem, *alg).ok())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (message, signature) = data.split_at(split);
    for key in keys() {
        assert!(key.verify(message, signature).is_err());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for alg in SignatureAlgorithm::ALL {
            let _ = PkixKey::from_pem(text, alg);
        }
    }
});
