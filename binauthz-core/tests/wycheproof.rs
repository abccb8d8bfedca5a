//! Wycheproof vectors (C2SP/wycheproof, Apache-2.0, files and LICENSE in tests/wycheproof/)
//! against binauthz's verification layer: every `valid` vector verifies, every `invalid` one is
//! rejected. `acceptable` vectors (legacy encodings such as a PKCS#1 DigestInfo without the NULL
//! parameter) are rejected too: binauthz accepts only the strict encodings, the fail-closed
//! choice, documented in spec/README.md §5.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use std::path::Path;

use binauthz_core::crypto::{PkixKey, SignatureAlgorithm};
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Runs one vector file; returns (groups, vectors checked).
fn run(file: &str, algorithm: SignatureAlgorithm) -> (usize, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/wycheproof")
        .join(file);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut failures = Vec::new();
    let (mut groups, mut vectors) = (0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        let pem = group["publicKeyPem"].as_str().unwrap();
        let key = PkixKey::from_pem(pem, algorithm)
            .unwrap_or_else(|e| panic!("{file}: group key rejected: {e}"));
        groups += 1;
        for t in group["tests"].as_array().unwrap() {
            vectors += 1;
            let msg = hex(t["msg"].as_str().unwrap());
            let sig = hex(t["sig"].as_str().unwrap());
            let verified = key.verify(&msg, &sig).is_ok();
            let expected = t["result"].as_str().unwrap() == "valid";
            if verified != expected {
                failures.push(format!(
                    "tcId {} ({}, {:?}): expected {}, got {}",
                    t["tcId"], t["result"], t["flags"], expected, verified
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {vectors} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    (groups, vectors)
}

macro_rules! vectors {
    ($($name:ident: $file:literal => $alg:ident,)*) => {$(
        #[test]
        fn $name() {
            let (groups, vectors) = run($file, SignatureAlgorithm::$alg);
            assert!(groups > 0 && vectors > 50, "{groups} groups, {vectors} vectors");
        }
    )*};
}

vectors! {
    ecdsa_p256_sha256: "ecdsa_secp256r1_sha256_test.json" => EcdsaP256Sha256,
    ecdsa_p384_sha384: "ecdsa_secp384r1_sha384_test.json" => EcdsaP384Sha384,
    ecdsa_p521_sha512: "ecdsa_secp521r1_sha512_test.json" => EcdsaP521Sha512,
    rsa_pss_2048_sha256: "rsa_pss_2048_sha256_mgf1_32_test.json" => RsaPss2048Sha256,
    rsa_pss_3072_sha256: "rsa_pss_3072_sha256_mgf1_32_test.json" => RsaPss3072Sha256,
    rsa_pss_4096_sha256: "rsa_pss_4096_sha256_mgf1_32_test.json" => RsaPss4096Sha256,
    rsa_pss_4096_sha512: "rsa_pss_4096_sha512_mgf1_64_test.json" => RsaPss4096Sha512,
    rsa_pkcs1_2048_sha256: "rsa_signature_2048_sha256_test.json" => RsaPkcs1_2048Sha256,
    rsa_pkcs1_3072_sha256: "rsa_signature_3072_sha256_test.json" => RsaPkcs1_3072Sha256,
    rsa_pkcs1_4096_sha256: "rsa_signature_4096_sha256_test.json" => RsaPkcs1_4096Sha256,
    rsa_pkcs1_4096_sha512: "rsa_signature_4096_sha512_test.json" => RsaPkcs1_4096Sha512,
}
