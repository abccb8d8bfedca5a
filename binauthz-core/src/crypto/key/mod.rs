//! Parsed, validated PKIX public keys and signature verification.

use std::fmt;

use rsa::BoxedUint;
use spki::der::asn1::AnyRef;
use spki::der::{Decode as _, Tag, Tagged as _};
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::algorithm::{KeyKind, SignatureAlgorithm};
use super::backend::Backend;
use super::error::{KeyError, VerifyError};
use super::key_id::default_key_id_for_spki_der;
use super::oid::{KeyAlgorithm, curve_name};
use super::pem::decode_public_key_pem;
use verify::{
    diagnose_p256, diagnose_p384, diagnose_p521, diagnose_rsa_signature, malformed, verify_p256,
    verify_p384, verify_p521, verify_rsa,
};
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
use verify::{parse_p256, parse_p384, parse_p521, rsa_structure};

mod host;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
mod native;
mod verify;

pub use host::HostSignature;

/// Smallest RSA modulus ever accepted, in bits.
const RSA_MIN_BITS: usize = 2048;

/// A parsed, validated PKIX public key bound to one [`SignatureAlgorithm`].
///
/// Construction checks that the key's type, curve and exact RSA modulus size match the
/// algorithm, so [`PkixKey::verify`] only has to check signatures. Equality and hashing
/// compare the algorithm and the DER `SubjectPublicKeyInfo` bytes.
#[derive(Clone)]
pub struct PkixKey {
    algorithm: SignatureAlgorithm,
    spki_der: Vec<u8>,
    inner: Inner,
    /// The same key loaded into AWS-LC; `None` only if AWS-LC refused a key we accepted.
    #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
    native: Option<native::NativeKey>,
}

#[derive(Clone)]
enum Inner {
    Rsa {
        key: rsa::PublicKey,
        /// Big-endian modulus without leading zero bytes (exactly the signature length).
        modulus: Vec<u8>,
    },
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(Box<p521::ecdsa::VerifyingKey>),
}

impl PkixKey {
    /// Parses a `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) PEM block and checks
    /// that the key suits `algorithm`.
    ///
    /// LF and CRLF line endings and surrounding whitespace are accepted; anything else
    /// around the single block is rejected. The key's type, curve and exact RSA modulus
    /// size (2048, 3072 or 4096 bits) must match `algorithm`; RSA keys below 2048 bits,
    /// RSA keys with an even or too small public exponent, EC keys with explicit curve
    /// parameters, compressed EC points and points not on the curve are rejected.
    ///
    /// # Errors
    ///
    /// Returns a [`KeyError`] describing what the key is and what `algorithm` needs
    /// when the text, the encoding or the key itself is not acceptable.
    pub fn from_pem(pem: &str, algorithm: SignatureAlgorithm) -> Result<PkixKey, KeyError> {
        let der = decode_public_key_pem(pem).map_err(|reason| KeyError::Pem { reason })?;
        Self::from_spki_der(&der, algorithm)
    }

    /// Like [`PkixKey::from_pem`] but takes the DER `SubjectPublicKeyInfo` bytes directly.
    ///
    /// # Errors
    ///
    /// Returns a [`KeyError`] when the DER is invalid (including trailing bytes) or the
    /// key is not acceptable for `algorithm`.
    pub fn from_spki_der(der: &[u8], algorithm: SignatureAlgorithm) -> Result<PkixKey, KeyError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|err| KeyError::Spki {
            reason: err.to_string(),
        })?;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| KeyError::Spki {
                reason: "the subjectPublicKey BIT STRING is not a whole number of bytes".to_owned(),
            })?;
        let oid = spki.algorithm.oid.to_string();
        let inner = match KeyAlgorithm::from_oid(&oid) {
            KeyAlgorithm::Rsa => parse_rsa(&spki.algorithm, key_bytes, algorithm)?,
            KeyAlgorithm::Ec => parse_ec(&spki.algorithm, key_bytes, algorithm)?,
            other => {
                return Err(KeyError::UnsupportedKeyAlgorithm {
                    name: other.name(),
                    oid,
                });
            }
        };
        Ok(PkixKey {
            algorithm,
            spki_der: der.to_vec(),
            inner,
            #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
            native: native::NativeKey::new(algorithm, der),
        })
    }

    /// The signature algorithm this key is bound to.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The kind of key (always equal to `self.algorithm().key_kind()`).
    pub fn key_kind(&self) -> KeyKind {
        self.algorithm.key_kind()
    }

    /// The DER `SubjectPublicKeyInfo` bytes.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// GCP/Grafeas default key id: `"ni:///sha-256;"` followed by the unpadded base64url
    /// SHA-256 of the DER `SubjectPublicKeyInfo`.
    pub fn default_key_id(&self) -> String {
        default_key_id_for_spki_der(&self.spki_der)
    }

    /// Verifies `signature` over the raw `message` bytes with this key's algorithm.
    ///
    /// * ECDSA: ASN.1 DER `SEQUENCE { r, s }` only (raw `r || s` is rejected as
    ///   malformed); SHA-256 / SHA-384 / SHA-512 for P-256 / P-384 / P-521. High-S
    ///   signatures are accepted (no low-S rule, like OpenSSL and Go).
    /// * RSA-PSS: MGF1 with the same digest, salt length exactly the digest length.
    /// * RSA PKCS#1 v1.5: the standard `DigestInfo` encoding.
    ///
    /// A signature that does not verify is a [`VerifyError::Mismatch`] without hint: finding
    /// out why costs more verifications, which [`PkixKey::diagnose`] does on request.
    ///
    /// Uses [`Backend::DEFAULT`]: AWS-LC when the `native` feature is on, otherwise RustCrypto.
    ///
    /// # Errors
    ///
    /// [`VerifyError::Malformed`] when the bytes cannot be a signature for this key and
    /// algorithm, [`VerifyError::Mismatch`] when they are well formed but do not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        self.verify_with(Backend::DEFAULT, message, signature)
    }

    /// Like [`PkixKey::verify`] but with the given [`Backend`]; for differential testing and
    /// benchmarks, which compare the backends.
    ///
    /// The backends accept the same signatures and report rejections with the same errors: a
    /// rejected signature is explained by the same structural checks (length, DER, range)
    /// whichever backend rejected it, and never verified a second time.
    ///
    /// # Errors
    ///
    /// As for [`PkixKey::verify`]. With `Backend::Native`, a signature that AWS-LC rejects is
    /// rejected, whatever RustCrypto would say (fail closed).
    pub fn verify_with(
        &self,
        backend: Backend,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        match backend {
            Backend::RustCrypto => self.verify_rustcrypto(message, signature),
            #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
            Backend::Native => {
                if self
                    .native
                    .as_ref()
                    .is_some_and(|key| key.verifies(message, signature))
                {
                    return Ok(());
                }
                // AWS-LC only says no. Say why from the signature's shape alone: verifying it
                // again would double the cost of every forged signature.
                self.check_structure(signature)?;
                Err(VerifyError::Mismatch {
                    algorithm: self.algorithm,
                    hint: None,
                })
            }
        }
    }

    /// Verifies like [`PkixKey::verify`] and, when a well-formed signature does not verify,
    /// looks for the likely cause: whether it verifies with another digest, padding or PSS salt
    /// length, which the [`VerifyError::Mismatch`] then carries as a
    /// [`MismatchHint`](super::MismatchHint). Diagnosis costs up to
    /// [`PkixKey::DIAGNOSIS_VERIFICATIONS`] more verifications (RustCrypto), so the engine only
    /// runs it for the rejections a decision shows, within the request's budget.
    ///
    /// # Errors
    ///
    /// As for [`PkixKey::verify`], with a hint when one was found.
    pub fn diagnose(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        match self.verify(message, signature) {
            Err(VerifyError::Mismatch {
                algorithm,
                hint: None,
            }) => Err(VerifyError::Mismatch {
                algorithm,
                hint: self.find_hint(message, signature),
            }),
            other => other,
        }
    }

    /// The most verifications [`PkixKey::diagnose`] runs after the first one.
    pub const DIAGNOSIS_VERIFICATIONS: u32 = 4;

    fn find_hint(&self, message: &[u8], signature: &[u8]) -> Option<super::MismatchHint> {
        let algorithm = self.algorithm;
        match &self.inner {
            Inner::Rsa { key, modulus } => {
                diagnose_rsa_signature(algorithm, key, modulus, message, signature)
            }
            Inner::P256(key) => diagnose_p256(algorithm, key, message, signature),
            Inner::P384(key) => diagnose_p384(algorithm, key, message, signature),
            Inner::P521(key) => diagnose_p521(algorithm, key, message, signature),
        }
    }

    /// Whether `signature` has the shape of a signature for this key (length, DER encoding,
    /// range), without verifying it: what explains the native backend's rejections.
    #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
    fn check_structure(&self, signature: &[u8]) -> Result<(), VerifyError> {
        let algorithm = self.algorithm;
        if signature.is_empty() {
            return Err(empty_signature(algorithm));
        }
        match &self.inner {
            Inner::Rsa { modulus, .. } => rsa_structure(algorithm, modulus, signature),
            Inner::P256(_) => parse_p256(algorithm, signature).map(drop),
            Inner::P384(_) => parse_p384(algorithm, signature).map(drop),
            Inner::P521(_) => parse_p521(algorithm, signature).map(drop),
        }
    }

    fn verify_rustcrypto(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let algorithm = self.algorithm;
        if signature.is_empty() {
            return Err(empty_signature(algorithm));
        }
        match &self.inner {
            Inner::Rsa { key, modulus } => verify_rsa(algorithm, key, modulus, message, signature),
            Inner::P256(key) => verify_p256(algorithm, key, message, signature),
            Inner::P384(key) => verify_p384(algorithm, key, message, signature),
            Inner::P521(key) => verify_p521(algorithm, key, message, signature),
        }
    }
}

fn empty_signature(algorithm: SignatureAlgorithm) -> VerifyError {
    malformed(
        algorithm,
        format!("signature is empty (expected a signature for {algorithm})"),
    )
}

impl fmt::Debug for PkixKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkixKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.default_key_id())
            .finish()
    }
}

impl PartialEq for PkixKey {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm == other.algorithm && self.spki_der == other.spki_der
    }
}

impl Eq for PkixKey {}

impl std::hash::Hash for PkixKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.algorithm.hash(state);
        self.spki_der.hash(state);
    }
}

fn mismatch(found: KeyKind, algorithm: SignatureAlgorithm) -> KeyError {
    KeyError::AlgorithmMismatch { found, algorithm }
}

fn invalid_params(reason: impl Into<String>) -> KeyError {
    KeyError::InvalidAlgorithmParameters {
        reason: reason.into(),
    }
}

fn invalid_rsa(reason: impl Into<String>) -> KeyError {
    KeyError::InvalidRsaKey {
        reason: reason.into(),
    }
}

/// Bit length of a big-endian unsigned integer.
fn bit_len(bytes: &[u8]) -> usize {
    let mut rest = bytes;
    while let Some((0, tail)) = rest.split_first() {
        rest = tail;
    }
    match rest.first() {
        None => 0,
        Some(first) => {
            let top = 8usize.saturating_sub(first.leading_zeros() as usize);
            (rest.len().saturating_sub(1))
                .saturating_mul(8)
                .saturating_add(top)
        }
    }
}

/// Describes an RSA public exponent for messages: its decimal value when small.
fn describe_exponent(bytes: &[u8]) -> String {
    if bit_len(bytes) <= 64 {
        let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        value.to_string()
    } else {
        format!("of {} bits", bit_len(bytes))
    }
}

fn parse_rsa(
    alg_id: &AlgorithmIdentifierRef<'_>,
    key_bytes: &[u8],
    algorithm: SignatureAlgorithm,
) -> Result<Inner, KeyError> {
    match alg_id.parameters {
        Some(params) if params.is_null() => {}
        Some(params) => {
            return Err(invalid_params(format!(
                "rsaEncryption parameters must be NULL but are {}",
                describe_tag(params)
            )));
        }
        None => {
            return Err(invalid_params(
                "rsaEncryption parameters are missing; they must be NULL",
            ));
        }
    }
    let parsed = rsa::pkcs1::RsaPublicKeyRef::from_der(key_bytes).map_err(|err| {
        invalid_rsa(format!(
            "the RSAPublicKey structure is not valid DER ({err})"
        ))
    })?;
    let n = parsed.modulus.as_bytes();
    let e = parsed.public_exponent.as_bytes();
    let bits = bit_len(n);
    if bits < RSA_MIN_BITS {
        return Err(KeyError::RsaKeyTooSmall { bits });
    }
    let found = KeyKind::Rsa { modulus_bits: bits };
    if found != algorithm.key_kind() {
        return Err(mismatch(found, algorithm));
    }
    if bit_len(e) <= 1 {
        return Err(invalid_rsa(format!(
            "the public exponent {} must be greater than 1",
            describe_exponent(e)
        )));
    }
    if e.last().is_some_and(|low| low % 2 == 0) {
        return Err(invalid_rsa(format!(
            "the public exponent {} is even; it must be odd",
            describe_exponent(e)
        )));
    }
    let to_uint = |bytes: &[u8]| {
        u32::try_from(bytes.len().saturating_mul(8))
            .ok()
            .and_then(|precision| BoxedUint::from_be_slice(bytes, precision).ok())
            .ok_or_else(|| invalid_rsa("an integer is too large"))
    };
    let key = rsa::PublicKey::new(to_uint(n)?, to_uint(e)?).map_err(|err| {
        invalid_rsa(match err {
            rsa::Error::PublicExponentTooLarge => format!(
                "the public exponent {} is larger than the supported maximum 2^33-1",
                describe_exponent(e)
            ),
            rsa::Error::InvalidModulus => {
                "the modulus is even or not larger than the public exponent".to_owned()
            }
            other => other.to_string(),
        })
    })?;
    Ok(Inner::Rsa {
        key,
        modulus: n.to_vec(),
    })
}

fn describe_tag(any: AnyRef<'_>) -> String {
    format!("an ASN.1 {}", any.tag())
}

fn parse_ec(
    alg_id: &AlgorithmIdentifierRef<'_>,
    point: &[u8],
    algorithm: SignatureAlgorithm,
) -> Result<Inner, KeyError> {
    let params = alg_id
        .parameters
        .ok_or_else(|| invalid_params("the EC key has no named-curve parameter"))?;
    match params.tag() {
        Tag::ObjectIdentifier => {}
        Tag::Sequence => return Err(KeyError::ExplicitCurveParameters),
        Tag::Null => {
            return Err(invalid_params(
                "the EC key has NULL (implicitlyCA) parameters instead of a named curve",
            ));
        }
        _ => {
            return Err(invalid_params(format!(
                "the EC curve parameter is {} instead of a named-curve OID",
                describe_tag(params)
            )));
        }
    }
    let curve_oid: ObjectIdentifier = ObjectIdentifier::try_from(params)
        .map_err(|err| invalid_params(format!("the EC curve OID is invalid ({err})")))?;
    let curve_oid = curve_oid.to_string();
    let Some(found) = KeyKind::from_curve_oid(&curve_oid) else {
        return Err(KeyError::UnsupportedCurve {
            name: curve_name(&curve_oid),
            oid: curve_oid,
        });
    };
    if found != algorithm.key_kind() {
        return Err(mismatch(found, algorithm));
    }
    let (curve, field_len) = match found {
        KeyKind::EcP256 => ("P-256", 32),
        KeyKind::EcP384 => ("P-384", 48),
        _ => ("P-521", 66),
    };
    let invalid = |reason: String| KeyError::InvalidEcKey { curve, reason };
    let expected_len = 1 + 2 * field_len;
    match point.first() {
        Some(0x04) if point.len() == expected_len => {}
        Some(0x04) => {
            return Err(invalid(format!(
                "the uncompressed point is {} bytes but must be {expected_len} bytes",
                point.len()
            )));
        }
        Some(0x02 | 0x03) => {
            return Err(invalid(
                "the point is in compressed form; only uncompressed points are accepted".to_owned(),
            ));
        }
        Some(0x00) => return Err(invalid("the point is the point at infinity".to_owned())),
        Some(other) => {
            return Err(invalid(format!(
                "the point does not start with a SEC1 point-format byte (found 0x{other:02x})"
            )));
        }
        None => return Err(invalid("the point is empty".to_owned())),
    }
    let not_on_curve = |_| invalid("the point is not on the curve".to_owned());
    Ok(match found {
        KeyKind::EcP256 => {
            Inner::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(not_on_curve)?)
        }
        KeyKind::EcP384 => {
            Inner::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(not_on_curve)?)
        }
        _ => Inner::P521(Box::new(
            p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(not_on_curve)?,
        )),
    })
}

#[cfg(test)]
mod tests;
