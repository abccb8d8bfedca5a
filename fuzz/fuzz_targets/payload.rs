//! The signed payload: arbitrary bytes checked against a digest never panic and are accepted
//! only when `critical.image.docker-manifest-digest` is exactly that digest; any payload
//! gcloud's algorithm builds from an artifact URL passes the check for that URL's digest.
#![no_main]

use binauthz_core::Digest;
use binauthz_core::create_signature_payload;
use binauthz_core::internals::check_payload;
use libfuzzer_sys::fuzz_target;

const DIGEST: &str = "sha256:d64c6b66b20c10c1330b90ca360b7cff9bdb3337895067ebfa09caa2f8f80e98";

fuzz_target!(|data: &[u8]| {
    let Some(digest) = Digest::parse(DIGEST) else {
        return;
    };
    if check_payload(data, &digest).is_ok() {
        let value: serde_json::Value = serde_json::from_slice(data).unwrap_or_default();
        assert_eq!(
            value
                .pointer("/critical/image/docker-manifest-digest")
                .and_then(|v| v.as_str()),
            Some(DIGEST)
        );
    }
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(payload) = create_signature_payload(url) {
        assert!(payload.is_ascii());
        let (_, digest_text) = url.trim().rsplit_once('@').unwrap_or_default();
        let signed = Digest::parse(digest_text).unwrap_or(digest);
        assert!(
            check_payload(payload.as_bytes(), &signed).is_ok(),
            "{url:?}"
        );
    }
});
