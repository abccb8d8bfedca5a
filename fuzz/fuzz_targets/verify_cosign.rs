//! Cosign signatures from arbitrary bytes: `cosign download signature` lines, payloads, PEM keys
//! and (payload, signature) pairs against the real keys of spec/conformance/cosign/. Never a
//! panic; a signature verifies only over a payload that key ever signed (ECDSA signatures are
//! malleable, so other signature bytes over it may verify); a payload binauthz makes reads back
//! with its digest and repository.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::crypto::CosignKey;
use binauthz_core::{CosignPayload, CosignSignatures, Digest, cosign_signature_payload};
use libfuzzer_sys::fuzz_target;

const KEYS: [&str; 4] = [
    include_str!("../../spec/conformance/keys/ec-p256.pub.pem"),
    include_str!("../../spec/conformance/keys/ec-p384.pub.pem"),
    include_str!("../../spec/conformance/keys/ec-p521.pub.pem"),
    include_str!("../../spec/conformance/keys/rsa-2048.pub.pem"),
];
/// Every payload the conformance keys signed.
const SIGNED: [&str; 2] = [
    include_str!("../../spec/conformance/cosign/payload.json"),
    include_str!("../../spec/conformance/cosign/payload-other-digest.json"),
];
const DIGEST: &str = "sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";

fn keys() -> &'static Vec<CosignKey> {
    static KEYS_PARSED: OnceLock<Vec<CosignKey>> = OnceLock::new();
    KEYS_PARSED.get_or_init(|| {
        KEYS.iter()
            .map(|pem| CosignKey::from_pem(pem).expect("a conformance key"))
            .collect()
    })
}

fn check_verifies_only_what_was_signed(payload: &[u8], signature: &[u8]) {
    for key in keys() {
        if key.verify(payload, signature).is_ok() {
            assert!(
                SIGNED.iter().any(|s| s.as_bytes() == payload),
                "{} verified an unsigned payload",
                key.describe()
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Whole inputs as each reader's input.
    if let Ok(sigs) = CosignSignatures::parse_lines(&text) {
        for sig in sigs.as_slice() {
            let _ = sig.parse_payload();
            check_verifies_only_what_was_signed(sig.payload(), sig.signature());
        }
    }
    if let Ok(payload) = CosignPayload::parse(data) {
        let _ = payload.check_digest(&Digest::parse(DIGEST).expect("a digest"));
    }
    if let Ok(key) = CosignKey::from_pem(&text) {
        let _ = key.describe();
        let _ = key.work(data.len());
        let _ = key.verify(data, data);
    }
    // A (payload, signature) split: the first byte says where.
    let split = data
        .first()
        .map_or(0, |b| usize::from(*b) * 2)
        .min(data.len());
    let (payload, signature) = data.split_at(split);
    let payload = payload.get(1..).unwrap_or_default();
    check_verifies_only_what_was_signed(payload, signature);
    // The genuine payloads with arbitrary signature bytes: nothing to assert but no panic, and
    // the same check (a verified payload is a signed one) holds trivially.
    for signed in SIGNED {
        check_verifies_only_what_was_signed(signed.as_bytes(), data);
    }
    // The payload binauthz makes for any repository reads back with it.
    let repository = text.split(['\n', '@']).next().unwrap_or_default();
    let digest = Digest::parse(DIGEST).expect("a digest");
    if let Ok(made) = cosign_signature_payload(repository, &digest) {
        let read = CosignPayload::parse(made.as_bytes()).expect("a payload binauthz made");
        assert_eq!(read.digest(), &digest);
        assert_eq!(read.docker_reference(), repository);
    }
});
