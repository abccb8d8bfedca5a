//! Differential test of the signature backends: AWS-LC (`Backend::Native`) and RustCrypto must
//! give the same answer, and the same error, for every Wycheproof vector in tests/wycheproof/ and
//! for every signature of every conformance case (spec/conformance/cases/), checked with each of
//! the case's PKIX keys, plus a tampered copy of each. The default backend's verdicts themselves
//! are checked by tests/wycheproof.rs and tests/conformance.rs.
//!
//! The same vectors check the structural half of a host's verification (spec §7.3):
//! `PkixKey::host_signature` refuses exactly the signatures `verify` calls malformed, with the
//! same error, so a host (WebCrypto) is only ever asked about a well-formed signature. That
//! WebCrypto then agrees with these verdicts is checked in Node and Chromium
//! (binauthz-wasm/tests/webcrypto.test.cjs).
#![cfg(all(feature = "native", not(target_arch = "wasm32")))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::Path;

use binauthz_core::PublicKey;
use binauthz_core::crypto::{Backend, PkixKey, SignatureAlgorithm, VerifyError};
use binauthz_core::{Attestor, Config, Occurrence, Request};
use serde_json::Value;

/// Tallies of the checks made, so that the test cannot pass by checking nothing.
#[derive(Default, Debug)]
struct Tally {
    checked: usize,
    accepted: usize,
    disagreements: Vec<String>,
}

impl Tally {
    /// Verifies with both backends and records whether they agree.
    fn compare(&mut self, key: &PkixKey, message: &[u8], signature: &[u8], label: &str) {
        let rust = key.verify_with(Backend::RustCrypto, message, signature);
        let native = key.verify_with(Backend::Native, message, signature);
        self.checked += 1;
        if rust.is_ok() && native.is_ok() {
            self.accepted += 1;
        }
        if rust != native {
            self.disagreements.push(format!(
                "{label} ({}): RustCrypto {rust:?}, native {native:?}",
                key.algorithm()
            ));
        }
        let host = key.host_signature(signature).map(drop);
        let structural = match &rust {
            Err(e @ VerifyError::Malformed { .. }) => Err(e.clone()),
            _ => Ok(()),
        };
        if host != structural {
            self.disagreements.push(format!(
                "{label} ({}): host form {host:?}, verify {rust:?}",
                key.algorithm()
            ));
        }
    }

    fn assert_agreed(&self, what: &str) {
        assert!(
            self.disagreements.is_empty(),
            "{what}: the backends disagree on {} of {} checks:\n{}",
            self.disagreements.len(),
            self.checked,
            self.disagreements.join("\n")
        );
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A copy with one bit flipped in the middle (an empty input gains a byte instead).
fn flipped(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match out.get_mut(bytes.len() / 2) {
        Some(byte) => *byte ^= 0x01,
        None => out.push(0),
    }
    out
}

const WYCHEPROOF: [(&str, SignatureAlgorithm); 11] = [
    (
        "ecdsa_secp256r1_sha256_test.json",
        SignatureAlgorithm::EcdsaP256Sha256,
    ),
    (
        "ecdsa_secp384r1_sha384_test.json",
        SignatureAlgorithm::EcdsaP384Sha384,
    ),
    (
        "ecdsa_secp521r1_sha512_test.json",
        SignatureAlgorithm::EcdsaP521Sha512,
    ),
    (
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        SignatureAlgorithm::RsaPss2048Sha256,
    ),
    (
        "rsa_pss_3072_sha256_mgf1_32_test.json",
        SignatureAlgorithm::RsaPss3072Sha256,
    ),
    (
        "rsa_pss_4096_sha256_mgf1_32_test.json",
        SignatureAlgorithm::RsaPss4096Sha256,
    ),
    (
        "rsa_pss_4096_sha512_mgf1_64_test.json",
        SignatureAlgorithm::RsaPss4096Sha512,
    ),
    (
        "rsa_signature_2048_sha256_test.json",
        SignatureAlgorithm::RsaPkcs1_2048Sha256,
    ),
    (
        "rsa_signature_3072_sha256_test.json",
        SignatureAlgorithm::RsaPkcs1_3072Sha256,
    ),
    (
        "rsa_signature_4096_sha256_test.json",
        SignatureAlgorithm::RsaPkcs1_4096Sha256,
    ),
    (
        "rsa_signature_4096_sha512_test.json",
        SignatureAlgorithm::RsaPkcs1_4096Sha512,
    ),
];

#[test]
fn backends_agree_on_every_wycheproof_vector() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wycheproof");
    let mut tally = Tally::default();
    let mut files = 0;
    for (file, algorithm) in WYCHEPROOF {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        let before = tally.checked;
        for group in doc["testGroups"].as_array().unwrap() {
            let pem = group["publicKeyPem"].as_str().unwrap();
            let key = PkixKey::from_pem(pem, algorithm)
                .unwrap_or_else(|e| panic!("{file}: group key rejected: {e}"));
            for t in group["tests"].as_array().unwrap() {
                let label = format!("{file} tcId {} ({})", t["tcId"], t["result"]);
                let msg = hex(t["msg"].as_str().unwrap());
                let sig = hex(t["sig"].as_str().unwrap());
                tally.compare(&key, &msg, &sig, &label);
            }
        }
        assert!(tally.checked - before > 50, "{file}: too few vectors");
        files += 1;
    }
    tally.assert_agreed("Wycheproof");
    println!("{files} files, {tally:?}");
    // 3,068 vectors in the 11 files, of which 952 are valid.
    assert!(
        tally.checked > 3000,
        "only {} vectors checked",
        tally.checked
    );
    assert!(
        tally.accepted > 900,
        "only {} vectors accepted",
        tally.accepted
    );
}

/// A case's document given either as an object or as text (YAML or JSON).
fn document(case: &Value, object: &str, text: &str) -> Option<(String, Value)> {
    if let Some(value) = case.get(object) {
        return Some((value.to_string(), value.clone()));
    }
    let text = case.get(text)?.as_str()?;
    let value = serde_yaml::from_str(text.trim_start_matches('\u{feff}')).unwrap_or(Value::Null);
    Some((text.to_owned(), value))
}

/// The attestors of a case: of the whole config when it is valid, otherwise of each attestor
/// that is valid on its own (error cases still carry good keys and signatures).
fn attestors(case: &Value) -> Vec<Attestor> {
    let Some((text, value)) = document(case, "config", "configText") else {
        return Vec::new();
    };
    if let Ok(config) = Config::parse(&text) {
        return config.attestors;
    }
    let list = value["attestors"].as_array().cloned().unwrap_or_default();
    list.into_iter()
        .filter_map(|a| Attestor::from_value(a).ok())
        .collect()
}

/// The occurrences of a case, in the same way as [`attestors`].
fn occurrences(case: &Value) -> Vec<Occurrence> {
    let Some((text, value)) = document(case, "request", "requestText") else {
        return Vec::new();
    };
    if let Ok(request) = Request::parse(&text) {
        return request.attestations().to_vec();
    }
    let list = value["attestations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    list.into_iter()
        .filter_map(|o| Occurrence::from_value(o).ok())
        .collect()
}

#[test]
fn backends_agree_on_every_conformance_signature() {
    let paths = common::case_paths();
    // Signatures checked with the keys their `publicKeyId` names, and with every other key.
    let (mut named, mut others) = (Tally::default(), Tally::default());
    for path in &paths {
        let file = path.file_name().unwrap().to_string_lossy();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let keys: Vec<(String, PkixKey)> = attestors(&case)
            .iter()
            .flat_map(|a| a.keys())
            .filter_map(|k| match k.key() {
                PublicKey::Pkix(key) => Some((k.id().as_str().to_owned(), key.clone())),
                _ => None,
            })
            .collect();
        for occurrence in occurrences(&case) {
            let Some(payload) = occurrence.payload() else {
                continue;
            };
            for (i, signature) in occurrence.signatures().iter().enumerate() {
                let sig = signature.bytes();
                for (id, key) in &keys {
                    let label = format!("{file} {} signature {i} key {id}", occurrence.label());
                    let tally = if id == signature.public_key_id() {
                        &mut named
                    } else {
                        &mut others
                    };
                    tally.compare(key, payload, sig, &label);
                    tally.compare(
                        key,
                        &flipped(payload),
                        sig,
                        &format!("{label}, payload flipped"),
                    );
                    tally.compare(
                        key,
                        payload,
                        &flipped(sig),
                        &format!("{label}, signature flipped"),
                    );
                }
            }
        }
    }
    named.assert_agreed("conformance, named keys");
    others.assert_agreed("conformance, other keys");
    println!("named keys: {named:?}\nother keys: {others:?}");
    // The committed cases give 297 named-key checks (99 signature and key pairs, each also
    // tampered twice), 87 of them accepted.
    assert!(
        named.checked > 250,
        "only {} named-key checks",
        named.checked
    );
    assert!(named.accepted > 60, "only {} accepted", named.accepted);
}
