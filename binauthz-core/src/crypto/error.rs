//! Errors for parsing PKIX public keys and verifying signatures.

use std::fmt;

use super::algorithm::{DigestAlgorithm, KeyKind, SignatureAlgorithm};
use super::oid::KeyAlgorithm;

/// Why a PKIX public key cannot be used with its declared signature algorithm.
///
/// Messages are lower-case single sentences meant to follow a prefix such as
/// "attestor `projects/p/attestors/a` key 2: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not exactly one PEM block labelled `PUBLIC KEY`.
    #[error("public key is not a PEM `PUBLIC KEY` block: {reason}")]
    Pem {
        /// What was wrong with the PEM text.
        reason: String,
    },
    /// The PEM payload is not a DER `SubjectPublicKeyInfo`.
    #[error("public key is not a valid DER SubjectPublicKeyInfo: {reason}")]
    Spki {
        /// What the DER decoder reported.
        reason: String,
    },
    /// The `SubjectPublicKeyInfo` algorithm is neither `rsaEncryption` nor `id-ecPublicKey`.
    #[error(
        "public key algorithm `{oid}`{} is not supported by Binary Authorization PKIX keys{}",
        parenthesised(*.name),
        unsupported_algorithm_hint(.oid)
    )]
    UnsupportedKeyAlgorithm {
        /// Dotted algorithm OID found in the key.
        oid: String,
        /// Well-known name of the OID, when recognised.
        name: Option<&'static str>,
    },
    /// The EC key is on a named curve other than P-256, P-384 or P-521.
    #[error(
        "EC public key curve `{oid}`{} is not supported; Binary Authorization supports \
         P-256, P-384 and P-521",
        parenthesised(*.name)
    )]
    UnsupportedCurve {
        /// Dotted curve OID found in the key.
        oid: String,
        /// Well-known name of the curve, when recognised.
        name: Option<&'static str>,
    },
    /// The EC key carries explicit curve parameters instead of a named-curve OID.
    #[error(
        "EC public key uses explicit curve parameters; only the named curves P-256, P-384 \
         and P-521 are supported"
    )]
    ExplicitCurveParameters,
    /// The algorithm parameters of the key are missing or of the wrong type.
    #[error("public key algorithm parameters are invalid: {reason}")]
    InvalidAlgorithmParameters {
        /// What was found instead of the expected parameters.
        reason: String,
    },
    /// An RSA key with a modulus shorter than 2048 bits (never accepted).
    #[error("RSA public key of {bits} bits is below the 2048-bit minimum")]
    RsaKeyTooSmall {
        /// Bit length of the modulus.
        bits: usize,
    },
    /// The key is valid but is not the type, size or curve the algorithm needs.
    #[error(
        "public key is {found} but signatureAlgorithm {algorithm} needs {}",
        .algorithm.key_description()
    )]
    AlgorithmMismatch {
        /// What the key actually is.
        found: KeyKind,
        /// The declared signature algorithm.
        algorithm: SignatureAlgorithm,
    },
    /// The RSA key structure or its numbers are invalid.
    #[error("RSA public key is invalid: {reason}")]
    InvalidRsaKey {
        /// What is wrong with the modulus or public exponent.
        reason: String,
    },
    /// The EC public point is not acceptable for its curve.
    #[error("EC public key is invalid for {curve}: {reason}")]
    InvalidEcKey {
        /// Curve name, e.g. "P-256".
        curve: &'static str,
        /// What is wrong with the encoded point.
        reason: String,
    },
    /// A key cosign may sign with that binauthz does not verify cosign signatures with: an
    /// algorithm other than EC and RSA (Ed25519 among them), or an RSA key of a size other than
    /// 2048, 3072 or 4096 bits.
    #[error(
        "{found} is not supported for cosign signatures; binauthz verifies them with EC P-256, \
         P-384 and P-521 keys and RSA keys of 2048, 3072 or 4096 bits{}",
        if *.ed25519 { " (cosign can sign with Ed25519 keys, but binauthz has no Ed25519 verifier)" } else { "" }
    )]
    UnsupportedCosignKey {
        /// What the key is, e.g. "an RSA 2560-bit key".
        found: String,
        /// The key is an Ed25519 key.
        ed25519: bool,
    },
}

fn parenthesised(name: Option<&'static str>) -> String {
    name.map(|n| format!(" ({n})")).unwrap_or_default()
}

fn unsupported_algorithm_hint(oid: &str) -> &'static str {
    match KeyAlgorithm::from_oid(oid) {
        // RSASSA-PSS-restricted keys: GCP expects plain rsaEncryption keys for PSS too.
        KeyAlgorithm::RsassaPss => {
            "; Binary Authorization needs RSA keys encoded as rsaEncryption \
             (1.2.840.113549.1.1.1), also for the RSA_PSS_* signature algorithms"
        }
        _ => "",
    }
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature bytes cannot be a signature for this algorithm (wrong length,
    /// not DER, out-of-range values, ...).
    #[error("{detail}")]
    Malformed {
        /// The key's signature algorithm.
        algorithm: SignatureAlgorithm,
        /// Full explanation of what was found and what was expected.
        detail: String,
    },
    /// The signature is well formed but does not verify with this key and algorithm.
    #[error(
        "signature does not verify with this key ({algorithm}){}",
        hint_suffix(.hint.as_ref())
    )]
    Mismatch {
        /// The key's signature algorithm.
        algorithm: SignatureAlgorithm,
        /// A likely cause, when one could be identified.
        hint: Option<MismatchHint>,
    },
    /// A cosign signature checked with a scheme GCP's PKIX algorithms do not have (ECDSA P-384
    /// or P-521 with SHA-256) cannot be a signature for it (empty, too long, not DER, out of
    /// range). Cosign's P-256 and RSA schemes are PKIX algorithms and use
    /// [`VerifyError::Malformed`].
    #[error("{detail}")]
    CosignMalformed {
        /// The scheme, e.g. "ECDSA P-384 with SHA-256 (cosign)".
        scheme: &'static str,
        /// Full explanation of what was found and what was expected.
        detail: String,
    },
    /// A well-formed cosign signature that does not verify with its key's scheme (ECDSA P-384 or
    /// P-521 with SHA-256; see [`VerifyError::CosignMalformed`]).
    #[error("signature does not verify with this key ({scheme})")]
    CosignMismatch {
        /// The scheme, e.g. "ECDSA P-384 with SHA-256 (cosign)".
        scheme: &'static str,
    },
}

fn hint_suffix(hint: Option<&MismatchHint>) -> String {
    hint.map(|h| format!(": {h}")).unwrap_or_default()
}

/// A diagnosed cause of a [`VerifyError::Mismatch`]: the signature does verify with
/// this key under a *different* scheme, so it was probably produced with the wrong
/// signing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MismatchHint {
    /// An RSA-PSS signature whose salt length differs from the digest length.
    PssSaltLength {
        /// The salt length that is required (the digest length in bytes).
        expected: usize,
    },
    /// An RSA PKCS#1 v1.5 signature checked against an RSA-PSS algorithm.
    Pkcs1v15InsteadOfPss,
    /// An RSA-PSS signature checked against an RSA PKCS#1 v1.5 algorithm.
    PssInsteadOfPkcs1v15,
    /// The signature was made over a different message digest.
    WrongDigest {
        /// The digest the signature was actually made with.
        found: DigestAlgorithm,
        /// The digest the algorithm uses.
        expected: DigestAlgorithm,
    },
}

impl fmt::Display for MismatchHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MismatchHint::PssSaltLength { expected } => write!(
                f,
                "it is an RSA-PSS signature whose salt length is not the required {expected} bytes \
                 (the digest length); with openssl sign using `-sigopt rsa_pss_saltlen:digest`"
            ),
            MismatchHint::Pkcs1v15InsteadOfPss => f.write_str(
                "it is an RSA PKCS#1 v1.5 signature but this algorithm needs RSA-PSS padding",
            ),
            MismatchHint::PssInsteadOfPkcs1v15 => f.write_str(
                "it is an RSA-PSS signature but this algorithm needs RSA PKCS#1 v1.5 padding",
            ),
            MismatchHint::WrongDigest { found, expected } => write!(
                f,
                "it was made over a {found} digest but this algorithm uses {expected}"
            ),
        }
    }
}

/// Why a signature is not a DER ECDSA signature for `name` (an algorithm or cosign's scheme) on
/// `curve`, noting when its length is that of a raw `r || s` value, the usual mistake.
pub(crate) fn not_der_detail(
    name: &dyn fmt::Display,
    curve: &str,
    field_len: usize,
    signature: &[u8],
) -> String {
    let raw_note = if signature.len() == 2 * field_len {
        format!(
            "; its {} bytes look like a raw {curve} r||s (IEEE P1363) value",
            signature.len()
        )
    } else {
        String::new()
    };
    format!(
        "signature is not a DER-encoded ECDSA signature (raw r||s signatures are not \
         accepted); {name} needs an ASN.1 DER SEQUENCE of r and s{raw_note}"
    )
}
