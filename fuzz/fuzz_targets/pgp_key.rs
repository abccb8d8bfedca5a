//! Armored PGP public keys (attestor `asciiArmoredPgpPublicKey`): the input as text, and the
//! input as the binary body of a `PGP PUBLIC KEY BLOCK` armor, so the fuzzer reaches the OpenPGP
//! key parser without having to write base64. Never a panic.
#![no_main]

use binauthz_core::Timestamp;
use binauthz_core::pgp::PgpKey;
use libfuzzer_sys::fuzz_target;

/// A detached signature by nobody in particular, verified with every key that parses.
const MESSAGE: &[u8] = b"{\"critical\": {}}\n";

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() / 3 * 4 + 8);
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 16 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (j, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if j <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn exercise(key: &PgpKey) {
    assert_eq!(key.fingerprint().len() % 2, 0);
    let _ = (
        key.primary_algorithm(),
        key.user_ids(),
        key.expires(),
        key.revoked(),
    );
    let _ = key.signing_subkeys();
    let at = Timestamp::from_unix_seconds(1_780_000_000);
    let _ = key.verify(MESSAGE, Some(MESSAGE), Some(at));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(key) = PgpKey::from_armored(text)
    {
        exercise(&key);
    }
    let armored = format!(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{}\n-----END PGP PUBLIC KEY BLOCK-----\n",
        base64(data)
    );
    if let Ok(key) = PgpKey::from_armored(&armored) {
        exercise(&key);
    }
});
