use super::*;
use crate::crypto::oid::{OID_EC_PUBLIC_KEY, OID_P256, OID_RSA_ENCRYPTION};
use spki::der::Encode as _;
use spki::der::asn1::{BitStringRef, UintRef};

fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new(dotted).unwrap()
}

fn spki_der(alg_oid: &str, params: Option<&[u8]>, key: &[u8], unused_bits: u8) -> Vec<u8> {
    let params = params.map(|der| AnyRef::from_der(der).unwrap());
    SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: oid(alg_oid),
            parameters: params,
        },
        subject_public_key: BitStringRef::new(unused_bits, key).unwrap(),
    }
    .to_der()
    .unwrap()
}

const NULL: &[u8] = &[0x05, 0x00];

fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    rsa::pkcs1::RsaPublicKeyRef {
        modulus: UintRef::new(n).unwrap(),
        public_exponent: UintRef::new(e).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// A synthetic odd modulus of exactly `bits` bits (not a real RSA modulus, but the
/// public-key checks only need it to be odd and larger than `e`).
fn modulus(bits: usize) -> Vec<u8> {
    let mut n = vec![0xAB; bits.div_ceil(8)];
    if !bits.is_multiple_of(8) {
        n[0] = 0xFF >> (8 - bits % 8);
    }
    *n.last_mut().unwrap() |= 1;
    n
}

fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    spki_der(OID_RSA_ENCRYPTION, Some(NULL), &rsa_public_key_der(n, e), 0)
}

fn oid_der(dotted: &str) -> Vec<u8> {
    oid(dotted).to_der().unwrap()
}

const PSS_2048: SignatureAlgorithm = SignatureAlgorithm::RsaPss2048Sha256;
const P256: SignatureAlgorithm = SignatureAlgorithm::EcdsaP256Sha256;

fn rsa_err(n: &[u8], e: &[u8]) -> KeyError {
    PkixKey::from_spki_der(&rsa_spki(n, e), PSS_2048).unwrap_err()
}

#[test]
fn bit_len_counts_significant_bits() {
    assert_eq!(bit_len(&[]), 0);
    assert_eq!(bit_len(&[0, 0]), 0);
    assert_eq!(bit_len(&[1]), 1);
    assert_eq!(bit_len(&[0, 0x80]), 8);
    assert_eq!(bit_len(&[0x01, 0x00, 0x01]), 17);
    assert_eq!(bit_len(&modulus(2047)), 2047);
    assert_eq!(bit_len(&modulus(2048)), 2048);
}

#[test]
fn describe_exponent_small_and_large() {
    assert_eq!(describe_exponent(&[0x01, 0x00, 0x01]), "65537");
    assert_eq!(describe_exponent(&[]), "0");
    assert_eq!(describe_exponent(&[1; 9]), "of 65 bits");
}

#[test]
fn synthetic_rsa_key_is_accepted() {
    let key = PkixKey::from_spki_der(&rsa_spki(&modulus(2048), &[1, 0, 1]), PSS_2048).unwrap();
    assert_eq!(key.algorithm(), PSS_2048);
    assert_eq!(key.key_kind(), KeyKind::Rsa { modulus_bits: 2048 });
    // e = 3 is allowed.
    PkixKey::from_spki_der(&rsa_spki(&modulus(2048), &[3]), PSS_2048).unwrap();
}

#[test]
fn rsa_exponent_checks() {
    let n = modulus(2048);
    let err = rsa_err(&n, &[1, 0, 0]);
    assert!(matches!(err, KeyError::InvalidRsaKey { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "RSA public key is invalid: the public exponent 65536 is even; it must be odd"
    );
    let err = rsa_err(&n, &[1]).to_string();
    assert!(err.contains("exponent 1 must be greater than 1"), "{err}");
    let err = rsa_err(&n, &[0]).to_string();
    assert!(err.contains("exponent 0 must be greater than 1"), "{err}");
    let err = rsa_err(&n, &[0x01, 0, 0, 0, 0, 1]).to_string();
    assert!(err.contains("larger than the supported maximum"), "{err}");
}

#[test]
fn rsa_modulus_checks() {
    let mut even = modulus(2048);
    *even.last_mut().unwrap() &= 0xFE;
    let err = rsa_err(&even, &[1, 0, 1]).to_string();
    assert!(err.contains("modulus is even"), "{err}");

    assert_eq!(
        rsa_err(&modulus(2049), &[1, 0, 1]),
        KeyError::AlgorithmMismatch {
            found: KeyKind::Rsa { modulus_bits: 2049 },
            algorithm: PSS_2048
        }
    );
    assert_eq!(
        rsa_err(&modulus(2049), &[1, 0, 1]).to_string(),
        "public key is an RSA 2049-bit key but signatureAlgorithm RSA_PSS_2048_SHA256 \
         needs an RSA 2048-bit key"
    );
    assert_eq!(
        rsa_err(&modulus(2047), &[1, 0, 1]).to_string(),
        "RSA public key of 2047 bits is below the 2048-bit minimum"
    );
    assert_eq!(
        rsa_err(&modulus(512), &[1, 0, 1]),
        KeyError::RsaKeyTooSmall { bits: 512 }
    );
    assert_eq!(
        rsa_err(&[0], &[1, 0, 1]),
        KeyError::RsaKeyTooSmall { bits: 0 }
    );
    // Too small is reported even for an EC algorithm.
    assert_eq!(
        PkixKey::from_spki_der(&rsa_spki(&modulus(1024), &[3]), P256).unwrap_err(),
        KeyError::RsaKeyTooSmall { bits: 1024 }
    );
    // Huge moduli are just the wrong size.
    assert_eq!(
        rsa_err(&modulus(16384), &[1, 0, 1]),
        KeyError::AlgorithmMismatch {
            found: KeyKind::Rsa {
                modulus_bits: 16384
            },
            algorithm: PSS_2048
        }
    );
}

#[test]
fn rsa_parameters_must_be_null() {
    let key = rsa_public_key_der(&modulus(2048), &[1, 0, 1]);
    let missing = spki_der(OID_RSA_ENCRYPTION, None, &key, 0);
    let err = PkixKey::from_spki_der(&missing, PSS_2048).unwrap_err();
    assert!(
        matches!(err, KeyError::InvalidAlgorithmParameters { .. }),
        "{err:?}"
    );
    let wrong = spki_der(OID_RSA_ENCRYPTION, Some(&oid_der(OID_P256)), &key, 0);
    let err = PkixKey::from_spki_der(&wrong, PSS_2048)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("must be NULL but are an ASN.1 OBJECT IDENTIFIER"),
        "{err}"
    );
    let garbage = spki_der(OID_RSA_ENCRYPTION, Some(NULL), &[0x30, 0x03, 0x02, 0x01], 0);
    let err = PkixKey::from_spki_der(&garbage, PSS_2048).unwrap_err();
    assert!(matches!(err, KeyError::InvalidRsaKey { .. }), "{err:?}");
}

#[test]
fn bit_string_with_unused_bits_is_rejected() {
    let key = rsa_public_key_der(&modulus(2048), &[1, 0, 1]);
    let der = spki_der(OID_RSA_ENCRYPTION, Some(NULL), &key, 1);
    let err = PkixKey::from_spki_der(&der, PSS_2048).unwrap_err();
    assert!(matches!(err, KeyError::Spki { .. }), "{err:?}");
}

#[test]
fn trailing_data_after_spki_is_rejected() {
    let mut der = rsa_spki(&modulus(2048), &[1, 0, 1]);
    der.push(0);
    let err = PkixKey::from_spki_der(&der, PSS_2048).unwrap_err();
    assert!(matches!(err, KeyError::Spki { .. }), "{err:?}");
}

#[test]
fn ec_parameter_checks() {
    let point = [0x04; 65];
    let cases: Vec<(Option<Vec<u8>>, &str)> = vec![
        (None, "no named-curve parameter"),
        (Some(NULL.to_vec()), "implicitlyCA"),
        (
            Some(vec![0x02, 0x01, 0x01]),
            "INTEGER instead of a named-curve OID",
        ),
        (
            Some(vec![0x30, 0x03, 0x02, 0x01, 0x01]),
            "explicit curve parameters",
        ),
    ];
    for (params, needle) in cases {
        let der = spki_der(OID_EC_PUBLIC_KEY, params.as_deref(), &point, 0);
        let err = PkixKey::from_spki_der(&der, P256).unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let der = spki_der(OID_EC_PUBLIC_KEY, Some(&oid_der("1.3.132.0.33")), &point, 0);
    assert_eq!(
        PkixKey::from_spki_der(&der, P256).unwrap_err().to_string(),
        "EC public key curve `1.3.132.0.33` (P-224) is not supported; Binary Authorization \
         supports P-256, P-384 and P-521"
    );
    let der = spki_der(OID_EC_PUBLIC_KEY, Some(&oid_der("1.2.3.4")), &point, 0);
    assert_eq!(
        PkixKey::from_spki_der(&der, P256).unwrap_err(),
        KeyError::UnsupportedCurve {
            oid: "1.2.3.4".to_owned(),
            name: None
        }
    );
}

#[test]
fn ec_point_checks() {
    let p256 = oid_der(OID_P256);
    let check = |point: &[u8], needle: &str| {
        let der = spki_der(OID_EC_PUBLIC_KEY, Some(&p256), point, 0);
        let err = PkixKey::from_spki_der(&der, P256).unwrap_err();
        assert!(
            matches!(err, KeyError::InvalidEcKey { curve: "P-256", .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    };
    check(&[], "empty");
    check(&[0x00], "infinity");
    check(
        &[0x04; 64],
        "uncompressed point is 64 bytes but must be 65 bytes",
    );
    check(&[0x02; 33], "compressed");
    check(&[0x07; 65], "0x07");
    let mut not_on_curve = [0u8; 65];
    not_on_curve[0] = 0x04;
    not_on_curve[64] = 1;
    check(&not_on_curve, "not on the curve");
}

#[test]
fn unknown_algorithm_oid() {
    let der = spki_der("1.2.3.4.5", None, &[1, 2, 3], 0);
    assert_eq!(
        PkixKey::from_spki_der(&der, P256).unwrap_err().to_string(),
        "public key algorithm `1.2.3.4.5` is not supported by Binary Authorization PKIX keys"
    );
    let der = spki_der("2.16.840.1.101.3.4.3.18", None, &[1, 2, 3], 0);
    assert!(
        PkixKey::from_spki_der(&der, P256)
            .unwrap_err()
            .to_string()
            .contains("(ML-DSA-65)")
    );
}

#[test]
fn ecdsa_out_of_range_scalars_are_malformed() {
    let key = PkixKey::from_pem(
        include_str!("../../../tests/fixtures/crypto/ec_p256.pub.pem"),
        P256,
    )
    .unwrap();
    let order: [u8; 32] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63,
        0x25, 0x51,
    ];
    let mut r_is_order = vec![0x30, 0x26, 0x02, 0x21, 0x00];
    r_is_order.extend_from_slice(&order);
    r_is_order.extend_from_slice(&[0x02, 0x01, 0x01]);
    for sig in [
        vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01],
        vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00],
        r_is_order,
    ] {
        let err = key.verify(b"m", &sig).unwrap_err();
        assert!(
            err.to_string()
                .contains("r or s is zero or not below the P-256 group order"),
            "{err}"
        );
    }
    // Small but in-range scalars are well formed and simply do not verify.
    let err = key
        .verify(b"m", &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01])
        .unwrap_err();
    assert!(matches!(err, VerifyError::Mismatch { .. }), "{err:?}");
    // BER (non-minimal) encodings and trailing bytes are not DER.
    for sig in [
        vec![0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00],
        vec![0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00],
    ] {
        let err = key.verify(b"m", &sig).unwrap_err();
        assert!(
            matches!(err, VerifyError::Malformed { .. }),
            "{sig:02x?}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains("not a DER-encoded ECDSA signature")
        );
    }
}

#[test]
fn ecdsa_high_and_low_s_both_verify() {
    let key = PkixKey::from_pem(
        include_str!("../../../tests/fixtures/crypto/ec_p256.pub.pem"),
        P256,
    )
    .unwrap();
    let message = include_bytes!("../../../tests/fixtures/crypto/message.txt");
    let good = include_bytes!("../../../tests/fixtures/crypto/ecdsa_p256_sha256.sig");
    key.verify(message, good).unwrap();
    let sig = p256::ecdsa::Signature::from_der(good).unwrap();
    let (r, s) = sig.split_scalars();
    let negated = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    key.verify(message, negated.to_der().as_bytes()).unwrap();
}

#[test]
fn rsa_signature_shape_checks() {
    let n = modulus(2048);
    let key = PkixKey::from_spki_der(&rsa_spki(&n, &[1, 0, 1]), PSS_2048).unwrap();
    let err = key.verify(b"m", &[1; 255]).unwrap_err();
    assert!(matches!(err, VerifyError::Malformed { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "signature is 255 bytes but RSA_PSS_2048_SHA256 signatures with this 2048-bit key \
         are exactly 256 bytes"
    );
    let err = key.verify(b"m", &n).unwrap_err();
    assert!(
        err.to_string().contains("not below the key's RSA modulus"),
        "{err}"
    );
    let err = key.verify(b"m", &[0xFF; 256]).unwrap_err();
    assert!(matches!(err, VerifyError::Malformed { .. }), "{err:?}");
    let err = key.verify(b"m", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "signature is empty (expected a signature for RSA_PSS_2048_SHA256)"
    );
    let err = key.verify(b"m", &[0x01; 256]).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Mismatch {
            algorithm: PSS_2048,
            hint: None
        }
    );
    assert_eq!(
        err.to_string(),
        "signature does not verify with this key (RSA_PSS_2048_SHA256)"
    );
}

/// AWS-LC must load every key our parser accepts: one it refused would reject every signature
/// made with that key under the default backend.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[test]
fn native_backend_loads_every_key_we_accept() {
    // e = 3 and e = 2^33 - 1 are the smallest and largest exponents we accept.
    let exponents: [&[u8]; 3] = [&[3], &[1, 0, 1], &[1, 0xFF, 0xFF, 0xFF, 0xFF]];
    for algorithm in SignatureAlgorithm::ALL {
        let KeyKind::Rsa { modulus_bits } = algorithm.key_kind() else {
            continue;
        };
        for e in exponents {
            let key = PkixKey::from_spki_der(&rsa_spki(&modulus(modulus_bits), e), algorithm)
                .unwrap_or_else(|err| panic!("{algorithm} e={e:02x?}: {err}"));
            assert!(key.native.is_some(), "{algorithm} e={e:02x?}");
        }
    }
    for (pem, algorithm) in [
        (
            include_str!("../../../tests/fixtures/crypto/ec_p256.pub.pem"),
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
        (
            include_str!("../../../tests/fixtures/crypto/ec_p384.pub.pem"),
            SignatureAlgorithm::EcdsaP384Sha384,
        ),
        (
            include_str!("../../../tests/fixtures/crypto/ec_p521.pub.pem"),
            SignatureAlgorithm::EcdsaP521Sha512,
        ),
    ] {
        let key = PkixKey::from_pem(pem, algorithm).unwrap();
        assert!(key.native.is_some(), "{algorithm}");
    }
}

/// A signature only RustCrypto accepts is rejected by the native backend (fail closed). No real
/// signature does that, so AWS-LC is taken out of the key to make it say no.
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
#[test]
fn native_backend_fails_closed_when_only_rustcrypto_accepts() {
    let mut key = PkixKey::from_pem(
        include_str!("../../../tests/fixtures/crypto/ec_p256.pub.pem"),
        P256,
    )
    .unwrap();
    let message = include_bytes!("../../../tests/fixtures/crypto/message.txt");
    let good = include_bytes!("../../../tests/fixtures/crypto/ecdsa_p256_sha256.sig");
    key.verify_with(Backend::Native, message, good).unwrap();
    key.native = None;
    key.verify_with(Backend::RustCrypto, message, good).unwrap();
    assert_eq!(
        key.verify_with(Backend::Native, message, good),
        Err(VerifyError::Mismatch {
            algorithm: P256,
            hint: None
        })
    );
    assert_eq!(
        key.verify(message, good),
        key.verify_with(Backend::Native, message, good)
    );
    // Rejections still carry RustCrypto's explanation.
    let err = key.verify(message, &good[..good.len() - 1]).unwrap_err();
    assert!(matches!(err, VerifyError::Malformed { .. }), "{err:?}");
}

#[test]
fn default_backend_is_native_exactly_when_compiled_in() {
    let native = cfg!(all(feature = "native", not(target_arch = "wasm32")));
    assert_eq!(Backend::default(), Backend::DEFAULT);
    assert_eq!(Backend::ALL.len(), if native { 2 } else { 1 });
    assert_eq!(Backend::ALL.first(), Some(&Backend::RustCrypto));
    assert_eq!(Backend::ALL.last(), Some(&Backend::DEFAULT));
}
