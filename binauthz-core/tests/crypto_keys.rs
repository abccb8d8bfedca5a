//! PKIX key parsing and signature verification against OpenSSL-generated fixtures
//! (see `tests/fixtures/crypto/make.sh`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use SignatureAlgorithm::*;
use binauthz_core::crypto::{
    DigestAlgorithm, KeyError, KeyKind, MismatchHint, PkixKey, SignatureAlgorithm, VerifyError,
};

macro_rules! fixture_str {
    ($name:literal) => {
        include_str!(concat!("fixtures/crypto/", $name))
    };
}
macro_rules! fixture_bytes {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/crypto/", $name)).as_slice()
    };
}

const MESSAGE: &[u8] = fixture_bytes!("message.txt");

const EC_P256: &str = fixture_str!("ec_p256.pub.pem");
const EC_P384: &str = fixture_str!("ec_p384.pub.pem");
const EC_P521: &str = fixture_str!("ec_p521.pub.pem");
const RSA_1024: &str = fixture_str!("rsa_1024.pub.pem");
const RSA_2048: &str = fixture_str!("rsa_2048.pub.pem");
const RSA_3072: &str = fixture_str!("rsa_3072.pub.pem");
const RSA_4096: &str = fixture_str!("rsa_4096.pub.pem");
const ED25519: &str = fixture_str!("ed25519.pub.pem");

/// The usable keys with what they are.
const VALID_KEYS: [(&str, &str, KeyKind); 6] = [
    ("ec_p256", EC_P256, KeyKind::EcP256),
    ("ec_p384", EC_P384, KeyKind::EcP384),
    ("ec_p521", EC_P521, KeyKind::EcP521),
    ("rsa_2048", RSA_2048, KeyKind::Rsa { modulus_bits: 2048 }),
    ("rsa_3072", RSA_3072, KeyKind::Rsa { modulus_bits: 3072 }),
    ("rsa_4096", RSA_4096, KeyKind::Rsa { modulus_bits: 4096 }),
];

/// One good signature over `MESSAGE` for every algorithm.
fn good_signatures() -> [(SignatureAlgorithm, &'static str, &'static [u8]); 11] {
    [
        (
            RsaPss2048Sha256,
            RSA_2048,
            fixture_bytes!("rsa_pss_2048_sha256.sig"),
        ),
        (
            RsaPss3072Sha256,
            RSA_3072,
            fixture_bytes!("rsa_pss_3072_sha256.sig"),
        ),
        (
            RsaPss4096Sha256,
            RSA_4096,
            fixture_bytes!("rsa_pss_4096_sha256.sig"),
        ),
        (
            RsaPss4096Sha512,
            RSA_4096,
            fixture_bytes!("rsa_pss_4096_sha512.sig"),
        ),
        (
            RsaPkcs1_2048Sha256,
            RSA_2048,
            fixture_bytes!("rsa_pkcs1_2048_sha256.sig"),
        ),
        (
            RsaPkcs1_3072Sha256,
            RSA_3072,
            fixture_bytes!("rsa_pkcs1_3072_sha256.sig"),
        ),
        (
            RsaPkcs1_4096Sha256,
            RSA_4096,
            fixture_bytes!("rsa_pkcs1_4096_sha256.sig"),
        ),
        (
            RsaPkcs1_4096Sha512,
            RSA_4096,
            fixture_bytes!("rsa_pkcs1_4096_sha512.sig"),
        ),
        (
            EcdsaP256Sha256,
            EC_P256,
            fixture_bytes!("ecdsa_p256_sha256.sig"),
        ),
        (
            EcdsaP384Sha384,
            EC_P384,
            fixture_bytes!("ecdsa_p384_sha384.sig"),
        ),
        (
            EcdsaP521Sha512,
            EC_P521,
            fixture_bytes!("ecdsa_p521_sha512.sig"),
        ),
    ]
}

fn key(pem: &str, algorithm: SignatureAlgorithm) -> PkixKey {
    PkixKey::from_pem(pem, algorithm)
        .unwrap_or_else(|err| panic!("{algorithm}: unexpected key error: {err}"))
}

fn tampered(message: &[u8]) -> Vec<u8> {
    let mut changed = message.to_vec();
    changed[10] ^= 0x01;
    changed
}

#[test]
fn every_algorithm_verifies_an_openssl_signature() {
    for (algorithm, pem, sig) in good_signatures() {
        for name in algorithm.names() {
            let alg = SignatureAlgorithm::from_name(name).unwrap();
            let key = key(pem, alg);
            assert_eq!(key.algorithm(), algorithm);
            assert_eq!(key.key_kind(), algorithm.key_kind());
            key.verify(MESSAGE, sig)
                .unwrap_or_else(|err| panic!("{name}: {err}"));
        }
    }
}

#[test]
fn tampered_message_is_a_mismatch() {
    for (algorithm, pem, sig) in good_signatures() {
        let err = key(pem, algorithm)
            .verify(&tampered(MESSAGE), sig)
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::Mismatch {
                algorithm,
                hint: None
            },
            "{algorithm}"
        );
        assert_eq!(
            err.to_string(),
            format!("signature does not verify with this key ({algorithm})")
        );
        // Empty message too.
        assert!(matches!(
            key(pem, algorithm).verify(b"", sig),
            Err(VerifyError::Mismatch { .. })
        ));
    }
}

#[test]
fn tampered_signature_is_rejected() {
    for (algorithm, pem, sig) in good_signatures() {
        let key = key(pem, algorithm);
        for index in [0, 1, sig.len() / 2, sig.len() - 1] {
            let mut bad = sig.to_vec();
            bad[index] ^= 0x01;
            assert!(
                key.verify(MESSAGE, &bad).is_err(),
                "{algorithm} byte {index}"
            );
        }
        let mut longer = sig.to_vec();
        longer.push(0);
        assert!(matches!(
            key.verify(MESSAGE, &longer),
            Err(VerifyError::Malformed { .. })
        ));
        assert!(matches!(
            key.verify(MESSAGE, &sig[..sig.len() - 1]),
            Err(VerifyError::Malformed { .. })
        ));
    }
}

#[test]
fn signature_from_another_algorithm_key_is_rejected() {
    // RSA 4096 SHA-256 PKCS#1 signature checked as SHA-512 PKCS#1: wrong digest.
    let err = key(RSA_4096, RsaPkcs1_4096Sha512)
        .diagnose(MESSAGE, fixture_bytes!("rsa_pkcs1_4096_sha256.sig"))
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Mismatch {
            algorithm: RsaPkcs1_4096Sha512,
            hint: Some(MismatchHint::WrongDigest {
                found: DigestAlgorithm::Sha256,
                expected: DigestAlgorithm::Sha512
            })
        }
    );
    // A 2048-bit signature checked with a 4096-bit key is the wrong length.
    let err = key(RSA_4096, RsaPss4096Sha256)
        .verify(MESSAGE, fixture_bytes!("rsa_pss_2048_sha256.sig"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "signature is 256 bytes but RSA_PSS_4096_SHA256 signatures with this 4096-bit key are \
         exactly 512 bytes"
    );
    // A P-384 signature checked with a P-256 key: DER parses, r/s too long for P-256.
    let err = key(EC_P256, EcdsaP256Sha256)
        .verify(MESSAGE, fixture_bytes!("ecdsa_p384_sha384.sig"))
        .unwrap_err();
    assert!(matches!(err, VerifyError::Malformed { .. }), "{err:?}");
}

#[test]
fn pss_with_max_salt_is_rejected() {
    let err = key(RSA_2048, RsaPss2048Sha256)
        .diagnose(MESSAGE, fixture_bytes!("rsa_pss_2048_sha256_maxsalt.sig"))
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Mismatch {
            algorithm: RsaPss2048Sha256,
            hint: Some(MismatchHint::PssSaltLength { expected: 32 })
        }
    );
    assert_eq!(
        err.to_string(),
        "signature does not verify with this key (RSA_PSS_2048_SHA256): it is an RSA-PSS \
         signature whose salt length is not the required 32 bytes (the digest length); with \
         openssl sign using `-sigopt rsa_pss_saltlen:digest`"
    );
}

#[test]
fn pkcs1_signature_is_rejected_for_pss_and_vice_versa() {
    let err = key(RSA_2048, RsaPss2048Sha256)
        .diagnose(MESSAGE, fixture_bytes!("rsa_pkcs1_2048_sha256.sig"))
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Mismatch {
            algorithm: RsaPss2048Sha256,
            hint: Some(MismatchHint::Pkcs1v15InsteadOfPss)
        }
    );
    assert!(err.to_string().contains("PKCS#1 v1.5 signature"), "{err}");

    let err = key(RSA_2048, RsaPkcs1_2048Sha256)
        .diagnose(MESSAGE, fixture_bytes!("rsa_pss_2048_sha256.sig"))
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Mismatch {
            algorithm: RsaPkcs1_2048Sha256,
            hint: Some(MismatchHint::PssInsteadOfPkcs1v15)
        }
    );
    // The max-salt PSS signature is also recognised as PSS.
    let err = key(RSA_2048, RsaPkcs1_2048Sha256)
        .diagnose(MESSAGE, fixture_bytes!("rsa_pss_2048_sha256_maxsalt.sig"))
        .unwrap_err();
    assert!(matches!(
        err,
        VerifyError::Mismatch {
            hint: Some(MismatchHint::PssInsteadOfPkcs1v15),
            ..
        }
    ));
}

#[test]
fn wrong_digest_is_diagnosed() {
    let err = key(RSA_2048, RsaPss2048Sha256)
        .diagnose(MESSAGE, fixture_bytes!("rsa_pss_2048_sha512.sig"))
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Mismatch {
            algorithm: RsaPss2048Sha256,
            hint: Some(MismatchHint::WrongDigest {
                found: DigestAlgorithm::Sha512,
                expected: DigestAlgorithm::Sha256
            })
        }
    );
    let err = key(EC_P384, EcdsaP384Sha384)
        .diagnose(MESSAGE, fixture_bytes!("ecdsa_p384_sha256.sig"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "signature does not verify with this key (ECDSA_P384_SHA384): it was made over a \
         SHA-256 digest but this algorithm uses SHA-384"
    );
}

#[test]
fn raw_p1363_ecdsa_signature_is_malformed() {
    let raw = fixture_bytes!("ecdsa_p256_sha256_p1363.sig");
    assert_eq!(raw.len(), 64);
    let err = key(EC_P256, EcdsaP256Sha256)
        .verify(MESSAGE, raw)
        .unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Malformed {
                algorithm: EcdsaP256Sha256,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "signature is not a DER-encoded ECDSA signature (raw r||s signatures are not accepted)"
        ),
        "{msg}"
    );
    assert!(msg.contains("look like a raw P-256 r||s"), "{msg}");
}

#[test]
fn every_algorithm_rejects_every_other_key_kind() {
    let mut checked = 0;
    for algorithm in SignatureAlgorithm::ALL {
        for (name, pem, kind) in VALID_KEYS {
            let result = PkixKey::from_pem(pem, algorithm);
            if kind == algorithm.key_kind() {
                assert!(result.is_ok(), "{name} with {algorithm}");
                continue;
            }
            let err = result.unwrap_err();
            assert_eq!(
                err,
                KeyError::AlgorithmMismatch {
                    found: kind,
                    algorithm
                },
                "{name} with {algorithm}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "public key is {kind} but signatureAlgorithm {algorithm} needs {}",
                    algorithm.key_description()
                )
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 11 * 6 - 11);
}

#[test]
fn mismatch_messages_read_well() {
    assert_eq!(
        PkixKey::from_pem(RSA_3072, RsaPss2048Sha256)
            .unwrap_err()
            .to_string(),
        "public key is an RSA 3072-bit key but signatureAlgorithm RSA_PSS_2048_SHA256 needs an \
         RSA 2048-bit key"
    );
    assert_eq!(
        PkixKey::from_pem(EC_P384, EcdsaP256Sha256)
            .unwrap_err()
            .to_string(),
        "public key is an EC P-384 key but signatureAlgorithm ECDSA_P256_SHA256 needs an EC \
         P-256 key"
    );
    assert_eq!(
        PkixKey::from_pem(EC_P256, RsaPkcs1_4096Sha512)
            .unwrap_err()
            .to_string(),
        "public key is an EC P-256 key but signatureAlgorithm RSA_SIGN_PKCS1_4096_SHA512 needs \
         an RSA 4096-bit key"
    );
}

#[test]
fn rsa_1024_is_rejected_for_every_algorithm() {
    for algorithm in SignatureAlgorithm::ALL {
        let err = PkixKey::from_pem(RSA_1024, algorithm).unwrap_err();
        assert_eq!(err, KeyError::RsaKeyTooSmall { bits: 1024 });
        assert_eq!(
            err.to_string(),
            "RSA public key of 1024 bits is below the 2048-bit minimum"
        );
    }
}

#[test]
fn ed25519_is_rejected_for_every_algorithm() {
    for algorithm in SignatureAlgorithm::ALL {
        let err = PkixKey::from_pem(ED25519, algorithm).unwrap_err();
        assert_eq!(
            err,
            KeyError::UnsupportedKeyAlgorithm {
                oid: "1.3.101.112".to_owned(),
                name: Some("Ed25519")
            }
        );
        assert_eq!(
            err.to_string(),
            "public key algorithm `1.3.101.112` (Ed25519) is not supported by Binary \
             Authorization PKIX keys"
        );
    }
}

#[test]
fn other_unsupported_keys() {
    let err = PkixKey::from_pem(fixture_str!("secp256k1.pub.pem"), EcdsaP256Sha256).unwrap_err();
    assert_eq!(
        err.to_string(),
        "EC public key curve `1.3.132.0.10` (secp256k1) is not supported; Binary Authorization \
         supports P-256, P-384 and P-521"
    );

    let err =
        PkixKey::from_pem(fixture_str!("ec_p256_explicit.pub.pem"), EcdsaP256Sha256).unwrap_err();
    assert_eq!(err, KeyError::ExplicitCurveParameters);

    let err =
        PkixKey::from_pem(fixture_str!("ec_p256_compressed.pub.pem"), EcdsaP256Sha256).unwrap_err();
    assert!(
        matches!(err, KeyError::InvalidEcKey { curve: "P-256", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("compressed"), "{err}");

    let err = PkixKey::from_pem(fixture_str!("rsa_pss_oid.pub.pem"), RsaPss2048Sha256).unwrap_err();
    assert!(
        matches!(
            &err,
            KeyError::UnsupportedKeyAlgorithm { oid, name: Some("RSASSA-PSS") }
                if oid == "1.2.840.113549.1.1.10"
        ),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(
        "public key algorithm `1.2.840.113549.1.1.10` (RSASSA-PSS) is not supported by Binary \
         Authorization PKIX keys; "
    ));
}

#[test]
fn non_spki_pem_blocks_are_rejected() {
    let err =
        PkixKey::from_pem(fixture_str!("rsa_2048_pkcs1.pub.pem"), RsaPss2048Sha256).unwrap_err();
    assert!(matches!(err, KeyError::Pem { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(
            "public key is not a PEM `PUBLIC KEY` block: found a \
             `-----BEGIN RSA PUBLIC KEY-----` block"
        ),
        "{err}"
    );
    let err = PkixKey::from_pem(fixture_str!("ec_p256.key.pem"), EcdsaP256Sha256).unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");
}

#[test]
fn crlf_pem_is_accepted() {
    let crlf = fixture_str!("ec_p256_crlf.pub.pem");
    assert!(crlf.contains("\r\n"));
    let from_crlf = key(crlf, EcdsaP256Sha256);
    let from_lf = key(EC_P256, EcdsaP256Sha256);
    assert_eq!(from_crlf, from_lf);
    assert_eq!(from_crlf.default_key_id(), from_lf.default_key_id());
    from_crlf
        .verify(MESSAGE, fixture_bytes!("ecdsa_p256_sha256.sig"))
        .unwrap();
    // Surrounding whitespace is fine too.
    key(&format!("\n  {RSA_2048}\n\t\n"), RsaPkcs1_2048Sha256);
}

#[test]
fn pem_with_trailing_garbage_is_rejected() {
    let err =
        PkixKey::from_pem(fixture_str!("ec_p256_trailing.pub.pem"), EcdsaP256Sha256).unwrap_err();
    assert_eq!(
        err.to_string(),
        "public key is not a PEM `PUBLIC KEY` block: there is content after the \
         `-----END PUBLIC KEY-----` line"
    );
    let err = PkixKey::from_pem(&format!("{EC_P256}{EC_P256}"), EcdsaP256Sha256).unwrap_err();
    assert!(err.to_string().contains("more than one PEM block"), "{err}");
    let err = PkixKey::from_pem(&format!("key:\n{EC_P256}"), EcdsaP256Sha256).unwrap_err();
    assert!(matches!(err, KeyError::Pem { .. }), "{err:?}");
}

#[test]
fn default_key_ids_match_openssl() {
    let expected = fixture_str!("key_ids.txt");
    let mut seen = 0;
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let (name, id) = line.split_once(' ').unwrap();
        let (_, pem, kind) = VALID_KEYS
            .iter()
            .find(|(key_name, _, _)| *key_name == name)
            .unwrap();
        let algorithm = SignatureAlgorithm::ALL
            .into_iter()
            .find(|alg| alg.key_kind() == *kind)
            .unwrap();
        let key = key(pem, algorithm);
        assert_eq!(key.default_key_id(), id, "{name}");
        assert!(id.starts_with("ni:///sha-256;"));
        assert_eq!(
            binauthz_core::crypto::default_key_id_for_spki_der(key.spki_der()),
            id
        );
        seen += 1;
    }
    assert_eq!(seen, 6);
}

#[test]
fn spki_der_round_trips() {
    for (name, pem, kind) in VALID_KEYS {
        let algorithm = SignatureAlgorithm::ALL
            .into_iter()
            .find(|alg| alg.key_kind() == kind)
            .unwrap();
        let parsed = key(pem, algorithm);
        let again = PkixKey::from_spki_der(parsed.spki_der(), algorithm).unwrap();
        assert_eq!(parsed, again, "{name}");
        assert_eq!(parsed.spki_der()[0], 0x30);
    }
}

#[test]
fn key_is_send_sync_clone_debug() {
    fn assert_key_traits<T: Send + Sync + Clone + std::fmt::Debug + Eq + std::hash::Hash>() {}
    fn assert_error_traits<T: std::error::Error + Send + Sync + Clone + Eq + 'static>() {}
    assert_key_traits::<PkixKey>();
    assert_error_traits::<KeyError>();
    assert_error_traits::<VerifyError>();
    let key = key(RSA_4096, RsaPss4096Sha512);
    let debug = format!("{:?}", key.clone());
    assert!(debug.contains("RsaPss4096Sha512"), "{debug}");
    assert!(debug.contains("ni:///sha-256;"), "{debug}");
    assert!(debug.len() < 200, "{debug}");
}

#[test]
fn error_messages_are_lower_case_sentences_without_trailing_period() {
    let mut messages = Vec::new();
    for pem in [
        "",
        "garbage",
        RSA_1024,
        ED25519,
        fixture_str!("secp256k1.pub.pem"),
        fixture_str!("ec_p256_explicit.pub.pem"),
        fixture_str!("ec_p256_compressed.pub.pem"),
        fixture_str!("rsa_pss_oid.pub.pem"),
        fixture_str!("rsa_2048_pkcs1.pub.pem"),
        fixture_str!("ec_p256_trailing.pub.pem"),
        EC_P384,
        RSA_3072,
    ] {
        messages.push(
            PkixKey::from_pem(pem, EcdsaP256Sha256)
                .unwrap_err()
                .to_string(),
        );
    }
    let p256 = key(EC_P256, EcdsaP256Sha256);
    let rsa = key(RSA_2048, RsaPss2048Sha256);
    for err in [
        p256.verify(MESSAGE, b"").unwrap_err(),
        p256.verify(MESSAGE, fixture_bytes!("ecdsa_p256_sha256_p1363.sig"))
            .unwrap_err(),
        p256.verify(b"x", fixture_bytes!("ecdsa_p256_sha256.sig"))
            .unwrap_err(),
        rsa.verify(MESSAGE, &[1; 3]).unwrap_err(),
        rsa.verify(MESSAGE, fixture_bytes!("rsa_pss_2048_sha256_maxsalt.sig"))
            .unwrap_err(),
    ] {
        messages.push(err.to_string());
    }
    for message in messages {
        let first = message.chars().next().unwrap();
        assert!(
            first.is_lowercase() || message.starts_with("RSA ") || message.starts_with("EC "),
            "{message}"
        );
        assert!(!message.ends_with('.'), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
}

/// Deterministic xorshift64* byte generator.
struct Rng(u64);

impl Rng {
    fn next_u8(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u8()).collect()
    }
}

/// Wraps bytes in a DER header with the given tag (short or long length form).
fn der_wrap(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(body);
    out
}

#[test]
fn verify_never_panics_on_random_signatures() {
    let keys: Vec<PkixKey> = good_signatures()
        .into_iter()
        .map(|(algorithm, pem, _)| key(pem, algorithm))
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for len in 0..600 {
        let random = rng.bytes(len);
        // Random bytes shaped like DER SEQUENCE { INTEGER, INTEGER } of various sizes.
        let half = len / 2;
        let mut r = rng.bytes(half);
        let mut s = rng.bytes(len - half);
        if let Some(first) = r.first_mut() {
            *first &= 0x7F;
        }
        if let Some(first) = s.first_mut() {
            *first &= 0x7F;
        }
        let mut body = der_wrap(0x02, &r);
        body.extend(der_wrap(0x02, &s));
        let der_shaped = der_wrap(0x30, &body);
        let mut sequence_prefixed = random.clone();
        if len >= 2 {
            sequence_prefixed[0] = 0x30;
            sequence_prefixed[1] = (len - 2).min(0x7F) as u8;
        }
        // Well-formed ECDSA signatures reach full (slow in debug builds) curve
        // arithmetic, so only every fourth length gets one.
        let candidates: &[&Vec<u8>] = if len % 4 == 0 {
            &[&random, &der_shaped, &sequence_prefixed]
        } else {
            &[&random, &sequence_prefixed]
        };
        for key in &keys {
            for sig in candidates {
                assert!(
                    key.verify(&random, sig).is_err(),
                    "{} len {len}",
                    key.algorithm()
                );
            }
        }
    }
    // Every RSA key also sees random full-length signatures, below and above the modulus.
    for key in &keys {
        if let KeyKind::Rsa { modulus_bits } = key.key_kind() {
            for _ in 0..4 {
                let sig = rng.bytes(modulus_bits / 8);
                assert!(key.verify(MESSAGE, &sig).is_err());
            }
        }
    }
}

#[test]
fn key_parsing_never_panics_on_corrupted_input() {
    let mut rng = Rng(42);
    for (name, pem, kind) in VALID_KEYS {
        let algorithm = SignatureAlgorithm::ALL
            .into_iter()
            .find(|alg| alg.key_kind() == kind)
            .unwrap();
        let der = key(pem, algorithm).spki_der().to_vec();
        for cut in 0..der.len() {
            assert!(
                PkixKey::from_spki_der(&der[..cut], algorithm).is_err(),
                "{name} cut {cut}"
            );
        }
        for index in 0..der.len() {
            let mut corrupted = der.clone();
            corrupted[index] ^= rng.next_u8() | 1;
            // Must not panic; a flip inside the key material may still parse.
            let _ = PkixKey::from_spki_der(&corrupted, algorithm);
        }
        for index in 0..pem.len() {
            let mut text = pem.as_bytes().to_vec();
            text[index] = b"A/+=-\r\n x"[usize::from(rng.next_u8()) % 9];
            if let Ok(text) = std::str::from_utf8(&text) {
                let _ = PkixKey::from_pem(text, algorithm);
            }
        }
    }
    for len in 0..300 {
        let bytes = rng.bytes(len);
        for algorithm in [RsaPss2048Sha256, EcdsaP256Sha256] {
            assert!(PkixKey::from_spki_der(&bytes, algorithm).is_err());
            let text = String::from_utf8_lossy(&bytes);
            assert!(PkixKey::from_pem(&text, algorithm).is_err());
        }
    }
}

#[test]
fn verify_never_diagnoses_and_diagnose_adds_the_hint() {
    // Diagnosis costs up to four more verifications, so `verify` (what the engine runs for
    // every signature) reports a bare mismatch and only `diagnose` looks for the cause.
    let pss = key(RSA_2048, RsaPss2048Sha256);
    let pkcs1 = fixture_bytes!("rsa_pkcs1_2048_sha256.sig");
    assert_eq!(
        pss.verify(MESSAGE, pkcs1),
        Err(VerifyError::Mismatch {
            algorithm: RsaPss2048Sha256,
            hint: None
        })
    );
    assert_eq!(
        pss.diagnose(MESSAGE, pkcs1),
        Err(VerifyError::Mismatch {
            algorithm: RsaPss2048Sha256,
            hint: Some(MismatchHint::Pkcs1v15InsteadOfPss)
        })
    );
    // A valid signature is valid either way; a malformed one is malformed either way.
    for (algorithm, pem, sig) in good_signatures() {
        let k = key(pem, algorithm);
        assert_eq!(k.diagnose(MESSAGE, sig), Ok(()), "{algorithm}");
        assert!(matches!(
            k.diagnose(MESSAGE, &sig[..sig.len() - 1]),
            Err(VerifyError::Malformed { .. })
        ));
    }
}
