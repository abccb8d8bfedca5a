//! PGP attestation signatures (`signatures[].signature`, `pgpSignedAttestation.signature`): the
//! input as binary packets or armor, parsed and verified with fixed keys (a primary key with
//! signing subkeys, and an RSA key), with and without a payload and an evaluation time. Never a
//! panic, and a signature that verifies always reports the payload it covers.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::Timestamp;
use binauthz_core::pgp::{PgpKey, SignedData, parse_signed_message};
use libfuzzer_sys::fuzz_target;

const KEYS: [&str; 2] = [
    include_str!("../../spec/conformance/keys/pgp-subkeys.pub.asc"),
    include_str!("../../spec/conformance/keys/pgp-rsa3072.pub.asc"),
];

fn keys() -> &'static Vec<PgpKey> {
    static PARSED: OnceLock<Vec<PgpKey>> = OnceLock::new();
    PARSED.get_or_init(|| {
        KEYS.iter()
            .filter_map(|k| PgpKey::from_armored(k).ok())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let parsed = parse_signed_message(data);
    if let Ok(m) = &parsed {
        assert!(!m.signatures.is_empty());
    }
    let payload: &[u8] = match &parsed {
        Ok(m) => match &m.data {
            SignedData::Attached(literal) => literal,
            SignedData::Detached => b"{}",
        },
        Err(_) => b"{}",
    };
    let at = Timestamp::from_unix_seconds(1_780_000_000);
    for key in keys() {
        for (p, t) in [(None, None), (Some(payload), Some(at))] {
            if let Ok(v) = key.verify(data, p, t) {
                if let Some(p) = p {
                    assert_eq!(v.payload, p);
                }
            }
        }
    }
});
