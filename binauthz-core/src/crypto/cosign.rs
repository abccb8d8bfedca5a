//! Cosign public keys: verification of key-based cosign signatures (the legacy `.sig` layout).
//!
//! Cosign verifies a key-based signature over the simple-signing payload with SHA-256 *whatever
//! the key*: `signature.LoadVerifier(pub, crypto.SHA256)` in `sigstore/sigstore`
//! (`pkg/signature/verifier.go`) gives ECDSA with SHA-256 on every curve and RSA PKCS#1 v1.5
//! with SHA-256. GCP's PKIX algorithms pair P-384 with SHA-384 and P-521 with SHA-512, so this
//! module must not reuse that table: a cosign P-384 key verifies SHA-256 signatures only.
//!
//! The key itself is read and validated by the PKIX reader ([`PkixKey::from_pem`]): its kind
//! comes from the `SubjectPublicKeyInfo`, and the PKIX algorithm with that kind and SHA-256 (when
//! there is one: P-256, RSA PKCS#1 v1.5) verifies, with the native backend when it is compiled
//! in. P-384 and P-521 keys verify a SHA-256 prehash with RustCrypto.
//!
//! What a verification costs is `CosignKey::work`, defined with the other costs in
//! [`crate::budget`] (which uses this layer, so this module cannot use it).

use std::fmt;

use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::{Digest as _, Sha256};
use spki::SubjectPublicKeyInfoRef;
use spki::der::Decode as _;

use super::algorithm::{KeyKind, SignatureAlgorithm};
use super::error::{KeyError, VerifyError, not_der_detail};
use super::key::PkixKey;
use super::oid::KeyAlgorithm;
use crate::limits::MAX_COSIGN_SIGNATURE_BYTES;

/// The scheme a P-384 cosign key verifies with, for messages.
const P384_SHA256: &str = "ECDSA P-384 with SHA-256 (cosign)";
/// The scheme a P-521 cosign key verifies with, for messages.
const P521_SHA256: &str = "ECDSA P-521 with SHA-256 (cosign)";

/// A cosign public key (a PEM `PUBLIC KEY`, as `cosign generate-key-pair` or
/// `cosign public-key` write it) that verifies key-based cosign signatures.
///
/// EC keys on P-256, P-384 and P-521 verify ECDSA DER signatures over the SHA-256 of the
/// payload; RSA keys of 2048, 3072 or 4096 bits verify RSA PKCS#1 v1.5 with SHA-256. Ed25519
/// keys, which cosign also accepts, are refused ([`KeyError::UnsupportedCosignKey`]): no
/// Ed25519 verifier is a dependency of the core.
///
/// Equality and hashing compare the DER `SubjectPublicKeyInfo` bytes.
#[derive(Clone)]
pub struct CosignKey {
    /// The key read and validated by the PKIX reader, bound to the PKIX algorithm of its kind.
    pkix: PkixKey,
    /// How a signature is verified.
    verifier: Verifier,
}

/// How a [`CosignKey`] verifies.
#[derive(Clone)]
enum Verifier {
    /// The PKIX algorithm of the key is exactly cosign's (ECDSA P-256 with SHA-256, RSA PKCS#1
    /// v1.5 with SHA-256), so the PKIX key verifies, with its fastest backend.
    Pkix,
    /// ECDSA P-384 over a SHA-256 prehash.
    P384(p384::ecdsa::VerifyingKey),
    /// ECDSA P-521 over a SHA-256 prehash (boxed: the key is large).
    P521(Box<p521::ecdsa::VerifyingKey>),
}

impl CosignKey {
    /// Reads a PEM `PUBLIC KEY` block (one block, nothing else) holding an EC P-256, P-384 or
    /// P-521 key or an RSA key of 2048, 3072 or 4096 bits.
    ///
    /// # Errors
    ///
    /// The PKIX reader's errors for text that is not such a key (PEM, DER, curve, point,
    /// modulus), and [`KeyError::UnsupportedCosignKey`] for a key of another algorithm
    /// (Ed25519 among them) or an RSA key of another size.
    pub fn from_pem(pem: &str) -> Result<CosignKey, KeyError> {
        // Read once with any algorithm to learn the key's kind from the SubjectPublicKeyInfo:
        // the PKIX reader names it when it does not fit, after the PEM and DER checks.
        let probe = SignatureAlgorithm::EcdsaP256Sha256;
        let kind = match PkixKey::from_pem(pem, probe) {
            Ok(key) => return Self::from_pkix(key),
            Err(KeyError::AlgorithmMismatch { found, .. }) => found,
            Err(KeyError::UnsupportedKeyAlgorithm { oid, name }) => {
                let found = match name {
                    Some(name) => format!("a public key of algorithm `{oid}` ({name})"),
                    None => format!("a public key of algorithm `{oid}`"),
                };
                let ed25519 = matches!(
                    KeyAlgorithm::from_oid(&oid),
                    KeyAlgorithm::Unsupported {
                        name: Some("Ed25519")
                    }
                );
                return Err(KeyError::UnsupportedCosignKey { found, ed25519 });
            }
            Err(other) => return Err(other),
        };
        let algorithm = pkix_algorithm(kind).ok_or_else(|| KeyError::UnsupportedCosignKey {
            found: kind.to_string(),
            ed25519: false,
        })?;
        Self::from_pkix(PkixKey::from_pem(pem, algorithm)?)
    }

    /// Builds the verifier of a key the PKIX reader validated.
    fn from_pkix(pkix: PkixKey) -> Result<CosignKey, KeyError> {
        let verifier = match pkix.key_kind() {
            KeyKind::EcP384 => Verifier::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&ec_point(&pkix)?)
                    .map_err(|_| not_on_curve("P-384"))?,
            ),
            KeyKind::EcP521 => Verifier::P521(Box::new(
                p521::ecdsa::VerifyingKey::from_sec1_bytes(&ec_point(&pkix)?)
                    .map_err(|_| not_on_curve("P-521"))?,
            )),
            _ => Verifier::Pkix,
        };
        Ok(CosignKey { pkix, verifier })
    }

    /// The kind of key: RSA with its modulus size, or EC with its curve.
    pub fn key_kind(&self) -> KeyKind {
        self.pkix.key_kind()
    }

    /// The DER `SubjectPublicKeyInfo` bytes.
    pub fn spki_der(&self) -> &[u8] {
        self.pkix.spki_der()
    }

    /// How this key verifies, for messages: "ECDSA P-256 with SHA-256 (cosign)", "RSA 2048-bit
    /// PKCS#1 v1.5 with SHA-256 (cosign)".
    pub fn describe(&self) -> String {
        match self.key_kind() {
            KeyKind::EcP256 => "ECDSA P-256 with SHA-256 (cosign)".to_owned(),
            KeyKind::EcP384 => P384_SHA256.to_owned(),
            KeyKind::EcP521 => P521_SHA256.to_owned(),
            KeyKind::Rsa { modulus_bits } => {
                format!("RSA {modulus_bits}-bit PKCS#1 v1.5 with SHA-256 (cosign)")
            }
        }
    }

    /// Verifies `signature` (the decoded `Base64Signature`) over the payload bytes, with
    /// SHA-256 whatever the key.
    ///
    /// * ECDSA: ASN.1 DER `SEQUENCE { r, s }` only; high-S signatures are accepted (like Go and
    ///   OpenSSL).
    /// * RSA: PKCS#1 v1.5 with the SHA-256 `DigestInfo`.
    ///
    /// An empty signature, or one longer than [`MAX_COSIGN_SIGNATURE_BYTES`], is refused before
    /// any arithmetic.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Malformed`] / [`VerifyError::Mismatch`] for P-256 and RSA keys (their PKIX
    /// algorithm is cosign's), [`VerifyError::CosignMalformed`] /
    /// [`VerifyError::CosignMismatch`] for P-384 and P-521 keys, whose scheme GCP's PKIX
    /// algorithms do not have.
    pub fn verify(&self, payload: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        if signature.len() > MAX_COSIGN_SIGNATURE_BYTES {
            return Err(self.malformed(format!(
                "signature is {} bytes, more than any cosign signature binauthz verifies \
                 ({MAX_COSIGN_SIGNATURE_BYTES} bytes at most)",
                signature.len()
            )));
        }
        if signature.is_empty() {
            return Err(self.malformed(format!(
                "signature is empty (expected a signature for {})",
                self.describe()
            )));
        }
        match &self.verifier {
            Verifier::Pkix => self.pkix.verify(payload, signature),
            Verifier::P384(key) => {
                let der = p384::ecdsa::DerSignature::from_bytes(signature)
                    .map_err(|_| not_der(P384_SHA256, "P-384", 48, signature))?;
                let sig = p384::ecdsa::Signature::try_from(der)
                    .map_err(|_| out_of_range(P384_SHA256, "P-384"))?;
                key.verify_prehash(&Sha256::digest(payload), &sig)
                    .map_err(|_| VerifyError::CosignMismatch {
                        scheme: P384_SHA256,
                    })
            }
            Verifier::P521(key) => {
                let der = p521::ecdsa::DerSignature::from_bytes(signature)
                    .map_err(|_| not_der(P521_SHA256, "P-521", 66, signature))?;
                let sig = p521::ecdsa::Signature::try_from(der)
                    .map_err(|_| out_of_range(P521_SHA256, "P-521"))?;
                key.verify_prehash(&Sha256::digest(payload), &sig)
                    .map_err(|_| VerifyError::CosignMismatch {
                        scheme: P521_SHA256,
                    })
            }
        }
    }

    /// A malformed-signature error in the variant this key reports.
    fn malformed(&self, detail: String) -> VerifyError {
        match self.verifier {
            Verifier::Pkix => VerifyError::Malformed {
                algorithm: self.pkix.algorithm(),
                detail,
            },
            Verifier::P384(_) => VerifyError::CosignMalformed {
                scheme: P384_SHA256,
                detail,
            },
            Verifier::P521(_) => VerifyError::CosignMalformed {
                scheme: P521_SHA256,
                detail,
            },
        }
    }
}

/// The PKIX algorithm that validates a key of `kind`: the one with SHA-256 where GCP has one
/// (then it also verifies cosign's signatures), the curve's own for P-384 and P-521 (used only
/// to read the key, and for its cost).
fn pkix_algorithm(kind: KeyKind) -> Option<SignatureAlgorithm> {
    match kind {
        KeyKind::EcP256 => Some(SignatureAlgorithm::EcdsaP256Sha256),
        KeyKind::EcP384 => Some(SignatureAlgorithm::EcdsaP384Sha384),
        KeyKind::EcP521 => Some(SignatureAlgorithm::EcdsaP521Sha512),
        KeyKind::Rsa { modulus_bits: 2048 } => Some(SignatureAlgorithm::RsaPkcs1_2048Sha256),
        KeyKind::Rsa { modulus_bits: 3072 } => Some(SignatureAlgorithm::RsaPkcs1_3072Sha256),
        KeyKind::Rsa { modulus_bits: 4096 } => Some(SignatureAlgorithm::RsaPkcs1_4096Sha256),
        _ => None,
    }
}

/// The SEC1 point of an EC key the PKIX reader already validated.
fn ec_point(pkix: &PkixKey) -> Result<Vec<u8>, KeyError> {
    let spki = SubjectPublicKeyInfoRef::from_der(pkix.spki_der()).map_err(|e| KeyError::Spki {
        reason: e.to_string(),
    })?;
    spki.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| KeyError::Spki {
            reason: "the subjectPublicKey BIT STRING is not a whole number of bytes".to_owned(),
        })
}

fn not_on_curve(curve: &'static str) -> KeyError {
    KeyError::InvalidEcKey {
        curve,
        reason: "the point is not on the curve".to_owned(),
    }
}

/// The error for a signature that is not a DER ECDSA signature, worded like the PKIX one.
fn not_der(scheme: &'static str, curve: &str, field_len: usize, signature: &[u8]) -> VerifyError {
    VerifyError::CosignMalformed {
        scheme,
        detail: not_der_detail(&scheme, curve, field_len, signature),
    }
}

fn out_of_range(scheme: &'static str, curve: &str) -> VerifyError {
    VerifyError::CosignMalformed {
        scheme,
        detail: format!(
            "signature is a DER ECDSA signature but its r or s is zero or not below the \
             {curve} group order"
        ),
    }
}

impl fmt::Debug for CosignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignKey")
            .field("scheme", &self.describe())
            .field("key_id", &self.pkix.default_key_id())
            .finish()
    }
}

impl PartialEq for CosignKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der() == other.spki_der()
    }
}

impl Eq for CosignKey {}

impl std::hash::Hash for CosignKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.spki_der().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> CosignKey {
        let path = format!(
            "{}/../spec/conformance/keys/{name}.pub.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        CosignKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_key_kind_comes_from_the_subject_public_key_info() {
        assert_eq!(key("ec-p256").key_kind(), KeyKind::EcP256);
        assert_eq!(key("ec-p384").key_kind(), KeyKind::EcP384);
        assert_eq!(key("ec-p521").key_kind(), KeyKind::EcP521);
        assert_eq!(
            key("rsa-3072").key_kind(),
            KeyKind::Rsa { modulus_bits: 3072 }
        );
        assert_eq!(
            key("ec-p384").describe(),
            "ECDSA P-384 with SHA-256 (cosign)"
        );
        assert_eq!(
            key("rsa-2048").describe(),
            "RSA 2048-bit PKCS#1 v1.5 with SHA-256 (cosign)"
        );
    }

    #[test]
    fn rsa_keys_below_2048_bits_are_refused() {
        let path = format!(
            "{}/../spec/conformance/keys/rsa-1024.pub.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        let err = CosignKey::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap_err();
        assert!(
            matches!(err, KeyError::RsaKeyTooSmall { bits: 1024 }),
            "{err}"
        );
    }

    #[test]
    fn ed25519_keys_are_refused_as_unsupported_for_cosign() {
        // `openssl genpkey -algorithm ed25519 | openssl pkey -pubout`
        let pem = "-----BEGIN PUBLIC KEY-----\n\
                   MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                   -----END PUBLIC KEY-----\n";
        let err = CosignKey::from_pem(pem).unwrap_err();
        assert!(
            matches!(err, KeyError::UnsupportedCosignKey { ed25519: true, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("Ed25519"), "{err}");
    }

    #[test]
    fn text_that_is_not_a_key_is_refused_with_the_pkix_readers_words() {
        assert!(matches!(
            CosignKey::from_pem("not a key"),
            Err(KeyError::Pem { .. })
        ));
        assert!(CosignKey::from_pem("").is_err());
    }

    #[test]
    fn empty_and_oversized_signatures_are_malformed_before_any_arithmetic() {
        for name in ["ec-p256", "ec-p384", "ec-p521", "rsa-2048"] {
            let k = key(name);
            for sig in [Vec::new(), vec![0x30; MAX_COSIGN_SIGNATURE_BYTES + 1]] {
                let err = k.verify(b"payload", &sig).unwrap_err();
                assert!(
                    matches!(
                        err,
                        VerifyError::Malformed { .. } | VerifyError::CosignMalformed { .. }
                    ),
                    "{name}: {err:?}"
                );
            }
        }
    }

    #[test]
    fn raw_r_s_signatures_on_p384_are_malformed_and_say_so() {
        let err = key("ec-p384").verify(b"payload", &[1u8; 96]).unwrap_err();
        assert!(err.to_string().contains("raw P-384 r||s"), "{err}");
    }
}
