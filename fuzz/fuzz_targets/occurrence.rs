//! Any text as attestation occurrences (gcloud's JSON, v1 and legacy shapes): never a panic,
//! and every parsed occurrence binds exactly one well-formed sha256 digest taken from its
//! resourceUri.
#![no_main]

use binauthz_core::Occurrence;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(occurrences) = Occurrence::parse_many(text) {
        for o in occurrences {
            let digest = o.digest().to_string();
            assert_eq!(digest.len(), "sha256:".len() + 64);
            assert!(o.resource_uri().ends_with(&digest), "{}", o.resource_uri());
        }
    }
});
