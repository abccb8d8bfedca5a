//! A signature in the form a host's own verifier takes (WebCrypto's `SubtleCrypto.verify`), for
//! hosts that verify a [`VerificationPlan`](crate::VerificationPlan) themselves.
//!
//! The structure of the signature is judged here, in Rust, before a host is asked: a host only
//! ever sees a signature this crate could not reject without doing the arithmetic, so a host
//! that is more lenient about encodings (raw `r || s`, BER, `r` or `s` out of range, short RSA
//! values) cannot widen what is accepted.

use super::super::algorithm::{DigestAlgorithm, KeyKind, SignatureScheme};
use super::super::error::VerifyError;
use super::verify::{parse_p256, parse_p384, parse_p521, rsa_structure};
use super::{Inner, PkixKey};

/// One signature check as WebCrypto expresses it: the parameters of `importKey("spki", …)` and
/// `verify(…)`, and the signature in the encoding `verify` expects. Names are WebCrypto's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSignature {
    /// The algorithm's WebCrypto name: `"ECDSA"`, `"RSA-PSS"` or `"RSASSA-PKCS1-v1_5"`.
    pub name: &'static str,
    /// The digest's WebCrypto name: `"SHA-256"`, `"SHA-384"` or `"SHA-512"`.
    pub hash: &'static str,
    /// For ECDSA, the curve: `"P-256"`, `"P-384"` or `"P-521"`.
    pub named_curve: Option<&'static str>,
    /// For RSA-PSS, the salt length in bytes (the digest's length, as GCP requires).
    pub salt_length: Option<usize>,
    /// The signature: IEEE P1363 `r || s`, each as long as the curve's field, for ECDSA (the
    /// DER the attestation carries, converted); the bytes as they are for RSA.
    pub signature: Vec<u8>,
}

impl PkixKey {
    /// This signature as a host's WebCrypto verifies it, after the checks that need no
    /// arithmetic (length, DER, range) — the ones [`PkixKey::verify`] makes first, with the
    /// same errors.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Malformed`] when the bytes cannot be a signature for this key, exactly as
    /// [`PkixKey::verify`] would report them.
    pub fn host_signature(&self, signature: &[u8]) -> Result<HostSignature, VerifyError> {
        let algorithm = self.algorithm;
        if signature.is_empty() {
            return Err(super::empty_signature(algorithm));
        }
        let converted = match &self.inner {
            Inner::Rsa { modulus, .. } => {
                rsa_structure(algorithm, modulus, signature)?;
                signature.to_vec()
            }
            Inner::P256(_) => parse_p256(algorithm, signature)?.to_bytes().to_vec(),
            Inner::P384(_) => parse_p384(algorithm, signature)?.to_bytes().to_vec(),
            Inner::P521(_) => parse_p521(algorithm, signature)?.to_bytes().to_vec(),
        };
        Ok(HostSignature {
            name: webcrypto_name(algorithm.scheme()),
            hash: webcrypto_hash(algorithm.digest()),
            named_curve: match algorithm.key_kind() {
                KeyKind::EcP256 => Some("P-256"),
                KeyKind::EcP384 => Some("P-384"),
                KeyKind::EcP521 => Some("P-521"),
                KeyKind::Rsa { .. } => None,
            },
            salt_length: (algorithm.scheme() == SignatureScheme::RsaPss)
                .then(|| algorithm.digest().output_len()),
            signature: converted,
        })
    }
}

fn webcrypto_name(scheme: SignatureScheme) -> &'static str {
    match scheme {
        SignatureScheme::Ecdsa => "ECDSA",
        SignatureScheme::RsaPss => "RSA-PSS",
        SignatureScheme::RsaPkcs1v15 => "RSASSA-PKCS1-v1_5",
    }
}

fn webcrypto_hash(digest: DigestAlgorithm) -> &'static str {
    digest.name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SignatureAlgorithm;

    fn p256_key() -> PkixKey {
        PkixKey::from_pem(
            include_str!("../../../tests/fixtures/crypto/ec_p256.pub.pem"),
            SignatureAlgorithm::EcdsaP256Sha256,
        )
        .unwrap()
    }

    #[test]
    fn a_der_ecdsa_signature_becomes_fixed_width_r_and_s() {
        // SEQUENCE { INTEGER 1, INTEGER 2 }: short integers are left-padded to 32 bytes each.
        let host = p256_key()
            .host_signature(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02])
            .unwrap();
        assert_eq!(host.name, "ECDSA");
        assert_eq!(host.hash, "SHA-256");
        assert_eq!(host.named_curve, Some("P-256"));
        assert_eq!(host.salt_length, None);
        let mut expected = vec![0u8; 64];
        expected[31] = 1;
        expected[63] = 2;
        assert_eq!(host.signature, expected);
    }

    #[test]
    fn what_verify_calls_malformed_never_reaches_a_host() {
        let key = p256_key();
        for bad in [
            &[][..],
            &[7u8; 64][..],                                          // raw r || s
            &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02],       // r = 0
            &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x02], // not minimal DER
        ] {
            let host = key.host_signature(bad).unwrap_err();
            let verify = key.verify(b"message", bad).unwrap_err();
            assert_eq!(host.to_string(), verify.to_string(), "{bad:?}");
            assert!(matches!(host, VerifyError::Malformed { .. }), "{bad:?}");
        }
    }
}
