//! Parsed, validated PKIX public keys and signature verification.

use std::fmt;

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use rsa::BoxedUint;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use spki::der::asn1::AnyRef;
use spki::der::{Decode as _, Tag, Tagged as _};
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::algorithm::{DigestAlgorithm, KeyKind, SignatureAlgorithm, SignatureScheme};
use super::error::{KeyError, MismatchHint, VerifyError};
use super::key_id::default_key_id_for_spki_der;
use super::pem::decode_public_key_pem;

const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// Smallest RSA modulus ever accepted, in bits.
const RSA_MIN_BITS: usize = 2048;

/// Well-known public key algorithm OIDs, named in error messages.
const KEY_ALGORITHM_NAMES: &[(&str, &str)] = &[
    (OID_RSA_ENCRYPTION, "rsaEncryption"),
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
    ("1.2.840.113549.1.1.7", "RSAES-OAEP"),
    (OID_EC_PUBLIC_KEY, "id-ecPublicKey"),
    ("1.3.132.1.12", "id-ecDH"),
    ("1.3.132.1.13", "id-ecMQV"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10046.2.1", "Diffie-Hellman"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.156.10197.1.301", "SM2"),
    ("2.16.840.1.101.3.4.3.17", "ML-DSA-44"),
    ("2.16.840.1.101.3.4.3.18", "ML-DSA-65"),
    ("2.16.840.1.101.3.4.3.19", "ML-DSA-87"),
];

/// Well-known elliptic curve OIDs, named in error messages.
const CURVE_NAMES: &[(&str, &str)] = &[
    (OID_P256, "P-256"),
    (OID_P384, "P-384"),
    (OID_P521, "P-521"),
    ("1.2.840.10045.3.1.1", "P-192"),
    ("1.3.132.0.33", "P-224"),
    ("1.3.132.0.10", "secp256k1"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
    ("1.2.156.10197.1.301", "SM2"),
];

fn lookup(table: &[(&str, &'static str)], oid: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(known, _)| *known == oid)
        .map(|(_, name)| *name)
}

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
        let inner = match oid.as_str() {
            OID_RSA_ENCRYPTION => parse_rsa(&spki.algorithm, key_bytes, algorithm)?,
            OID_EC_PUBLIC_KEY => parse_ec(&spki.algorithm, key_bytes, algorithm)?,
            _ => {
                return Err(KeyError::UnsupportedKeyAlgorithm {
                    name: lookup(KEY_ALGORITHM_NAMES, &oid),
                    oid,
                });
            }
        };
        Ok(PkixKey {
            algorithm,
            spki_der: der.to_vec(),
            inner,
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
    /// When a signature does not verify but would verify under a different padding,
    /// salt length or digest, the [`VerifyError::Mismatch`] carries a [`MismatchHint`].
    ///
    /// # Errors
    ///
    /// [`VerifyError::Malformed`] when the bytes cannot be a signature for this key and
    /// algorithm, [`VerifyError::Mismatch`] when they are well formed but do not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let algorithm = self.algorithm;
        if signature.is_empty() {
            return Err(malformed(
                algorithm,
                format!("signature is empty (expected a signature for {algorithm})"),
            ));
        }
        match &self.inner {
            Inner::Rsa { key, modulus } => verify_rsa(algorithm, key, modulus, message, signature),
            Inner::P256(key) => verify_p256(algorithm, key, message, signature),
            Inner::P384(key) => verify_p384(algorithm, key, message, signature),
            Inner::P521(key) => verify_p521(algorithm, key, message, signature),
        }
    }
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
    let found = match curve_oid.as_str() {
        OID_P256 => KeyKind::EcP256,
        OID_P384 => KeyKind::EcP384,
        OID_P521 => KeyKind::EcP521,
        _ => {
            return Err(KeyError::UnsupportedCurve {
                name: lookup(CURVE_NAMES, &curve_oid),
                oid: curve_oid,
            });
        }
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

fn malformed(algorithm: SignatureAlgorithm, detail: String) -> VerifyError {
    VerifyError::Malformed { algorithm, detail }
}

const DIGESTS: [DigestAlgorithm; 3] = [
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

fn digest_message(digest: DigestAlgorithm, message: &[u8]) -> Vec<u8> {
    match digest {
        DigestAlgorithm::Sha256 => Sha256::digest(message).to_vec(),
        DigestAlgorithm::Sha384 => Sha384::digest(message).to_vec(),
        DigestAlgorithm::Sha512 => Sha512::digest(message).to_vec(),
    }
}

/// The error for a signature that is not a DER ECDSA signature.
fn ecdsa_not_der(
    algorithm: SignatureAlgorithm,
    curve: &str,
    field_len: usize,
    signature: &[u8],
) -> VerifyError {
    let raw_note = if signature.len() == 2 * field_len {
        format!(
            "; its {} bytes look like a raw {curve} r||s (IEEE P1363) value",
            signature.len()
        )
    } else {
        String::new()
    };
    malformed(
        algorithm,
        format!(
            "signature is not a DER-encoded ECDSA signature (raw r||s signatures are not \
             accepted); {algorithm} needs an ASN.1 DER SEQUENCE of r and s{raw_note}"
        ),
    )
}

macro_rules! ecdsa_verifier {
    ($name:ident, $krate:ident, $curve:literal, $field_len:literal) => {
        fn $name(
            algorithm: SignatureAlgorithm,
            key: &$krate::ecdsa::VerifyingKey,
            message: &[u8],
            signature: &[u8],
        ) -> Result<(), VerifyError> {
            let der = $krate::ecdsa::DerSignature::from_bytes(signature)
                .map_err(|_| ecdsa_not_der(algorithm, $curve, $field_len, signature))?;
            let sig = $krate::ecdsa::Signature::try_from(der).map_err(|_| {
                malformed(
                    algorithm,
                    format!(
                        "signature is a DER ECDSA signature but its r or s is zero or not \
                         below the {} group order",
                        $curve
                    ),
                )
            })?;
            if key.verify(message, &sig).is_ok() {
                return Ok(());
            }
            let expected = algorithm.digest();
            let hint = DIGESTS
                .into_iter()
                .filter(|digest| *digest != expected)
                .find(|digest| {
                    key.verify_prehash(&digest_message(*digest, message), &sig)
                        .is_ok()
                })
                .map(|found| MismatchHint::WrongDigest { found, expected });
            Err(VerifyError::Mismatch { algorithm, hint })
        }
    };
}

ecdsa_verifier!(verify_p256, p256, "P-256", 32);
ecdsa_verifier!(verify_p384, p384, "P-384", 48);
ecdsa_verifier!(verify_p521, p521, "P-521", 66);

/// RSA signature padding variants tried while verifying and diagnosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RsaPadding {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1v15,
    /// RSASSA-PSS with salt length equal to the digest length (what GCP accepts).
    PssDigestSalt,
    /// RSASSA-PSS with any salt length (diagnosis only).
    PssAnySalt,
}

fn rsa_verifies(
    key: &rsa::PublicKey,
    padding: RsaPadding,
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> bool {
    macro_rules! with_digest {
        ($digest:ty) => {
            match padding {
                RsaPadding::Pkcs1v15 => key.pkcs1v15_verify::<$digest>(message, signature),
                RsaPadding::PssDigestSalt => key.pss_verify::<$digest>(message, signature),
                RsaPadding::PssAnySalt => key.verify(
                    rsa::Pss::<$digest> {
                        blinded: false,
                        digest: <$digest>::new(),
                        salt_len: None,
                    },
                    &<$digest>::digest(message),
                    signature,
                ),
            }
            .is_ok()
        };
    }
    match digest {
        DigestAlgorithm::Sha256 => with_digest!(Sha256),
        DigestAlgorithm::Sha384 => with_digest!(Sha384),
        DigestAlgorithm::Sha512 => with_digest!(Sha512),
    }
}

fn verify_rsa(
    algorithm: SignatureAlgorithm,
    key: &rsa::PublicKey,
    modulus: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let k = modulus.len();
    if signature.len() != k {
        return Err(malformed(
            algorithm,
            format!(
                "signature is {} bytes but {algorithm} signatures with this {}-bit key are \
                 exactly {k} bytes",
                signature.len(),
                bit_len(modulus)
            ),
        ));
    }
    // Both are k bytes big-endian, so lexicographic order is numeric order.
    if signature >= modulus {
        return Err(malformed(
            algorithm,
            "signature value is not below the key's RSA modulus, so it cannot be an RSA \
             signature for this key"
                .to_owned(),
        ));
    }
    let expected = algorithm.digest();
    let (padding, other_padding) = match algorithm.scheme() {
        SignatureScheme::RsaPss => (RsaPadding::PssDigestSalt, RsaPadding::Pkcs1v15),
        _ => (RsaPadding::Pkcs1v15, RsaPadding::PssAnySalt),
    };
    if rsa_verifies(key, padding, expected, message, signature) {
        return Ok(());
    }
    Err(VerifyError::Mismatch {
        algorithm,
        hint: diagnose_rsa(key, padding, other_padding, expected, message, signature),
    })
}

/// Finds out whether a failed RSA signature verifies under a nearby scheme.
fn diagnose_rsa(
    key: &rsa::PublicKey,
    padding: RsaPadding,
    other_padding: RsaPadding,
    expected: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Option<MismatchHint> {
    if padding == RsaPadding::PssDigestSalt
        && rsa_verifies(key, RsaPadding::PssAnySalt, expected, message, signature)
    {
        return Some(MismatchHint::PssSaltLength {
            expected: expected.output_len(),
        });
    }
    if rsa_verifies(key, other_padding, expected, message, signature) {
        return Some(match other_padding {
            RsaPadding::Pkcs1v15 => MismatchHint::Pkcs1v15InsteadOfPss,
            _ => MismatchHint::PssInsteadOfPkcs1v15,
        });
    }
    let same_family = match padding {
        RsaPadding::Pkcs1v15 => RsaPadding::Pkcs1v15,
        _ => RsaPadding::PssAnySalt,
    };
    DIGESTS
        .into_iter()
        .filter(|digest| *digest != expected)
        .find(|digest| rsa_verifies(key, same_family, *digest, message, signature))
        .map(|found| MismatchHint::WrongDigest { found, expected })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
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
            include_str!("../../tests/fixtures/crypto/ec_p256.pub.pem"),
            P256,
        )
        .unwrap();
        let order: [u8; 32] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2,
            0xFC, 0x63, 0x25, 0x51,
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
            include_str!("../../tests/fixtures/crypto/ec_p256.pub.pem"),
            P256,
        )
        .unwrap();
        let message = include_bytes!("../../tests/fixtures/crypto/message.txt");
        let good = include_bytes!("../../tests/fixtures/crypto/ecdsa_p256_sha256.sig");
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
}
