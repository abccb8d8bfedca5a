//! Signature verification for each key type, and diagnosis of why a signature failed.

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::super::algorithm::{DigestAlgorithm, SignatureAlgorithm, SignatureScheme};
use super::super::error::{MismatchHint, VerifyError, not_der_detail};
use super::bit_len;

pub(super) fn malformed(algorithm: SignatureAlgorithm, detail: String) -> VerifyError {
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
    malformed(
        algorithm,
        not_der_detail(&algorithm, curve, field_len, signature),
    )
}

macro_rules! ecdsa_verifier {
    ($verify:ident, $diagnose:ident, $parse:ident, $krate:ident, $curve:literal, $field_len:literal) => {
        /// The signature as the curve's DER ECDSA signature, or why it cannot be one.
        pub(super) fn $parse(
            algorithm: SignatureAlgorithm,
            signature: &[u8],
        ) -> Result<$krate::ecdsa::Signature, VerifyError> {
            let der = $krate::ecdsa::DerSignature::from_bytes(signature)
                .map_err(|_| ecdsa_not_der(algorithm, $curve, $field_len, signature))?;
            $krate::ecdsa::Signature::try_from(der).map_err(|_| {
                malformed(
                    algorithm,
                    format!(
                        "signature is a DER ECDSA signature but its r or s is zero or not \
                         below the {} group order",
                        $curve
                    ),
                )
            })
        }

        pub(super) fn $verify(
            algorithm: SignatureAlgorithm,
            key: &$krate::ecdsa::VerifyingKey,
            message: &[u8],
            signature: &[u8],
        ) -> Result<(), VerifyError> {
            let sig = $parse(algorithm, signature)?;
            if key.verify(message, &sig).is_ok() {
                return Ok(());
            }
            Err(VerifyError::Mismatch {
                algorithm,
                hint: None,
            })
        }

        /// Whether a signature that failed verifies over another digest of `message`.
        pub(super) fn $diagnose(
            algorithm: SignatureAlgorithm,
            key: &$krate::ecdsa::VerifyingKey,
            message: &[u8],
            signature: &[u8],
        ) -> Option<MismatchHint> {
            let sig = $parse(algorithm, signature).ok()?;
            let expected = algorithm.digest();
            DIGESTS
                .into_iter()
                .filter(|digest| *digest != expected)
                .find(|digest| {
                    key.verify_prehash(&digest_message(*digest, message), &sig)
                        .is_ok()
                })
                .map(|found| MismatchHint::WrongDigest { found, expected })
        }
    };
}

ecdsa_verifier!(verify_p256, diagnose_p256, parse_p256, p256, "P-256", 32);
ecdsa_verifier!(verify_p384, diagnose_p384, parse_p384, p384, "P-384", 48);
ecdsa_verifier!(verify_p521, diagnose_p521, parse_p521, p521, "P-521", 66);

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

/// Checks that `signature` can be an RSA signature for this key: exactly as long as the
/// modulus, and numerically below it.
pub(super) fn rsa_structure(
    algorithm: SignatureAlgorithm,
    modulus: &[u8],
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
    Ok(())
}

fn rsa_paddings(algorithm: SignatureAlgorithm) -> (RsaPadding, RsaPadding) {
    match algorithm.scheme() {
        SignatureScheme::RsaPss => (RsaPadding::PssDigestSalt, RsaPadding::Pkcs1v15),
        _ => (RsaPadding::Pkcs1v15, RsaPadding::PssAnySalt),
    }
}

pub(super) fn verify_rsa(
    algorithm: SignatureAlgorithm,
    key: &rsa::PublicKey,
    modulus: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    rsa_structure(algorithm, modulus, signature)?;
    let (padding, _) = rsa_paddings(algorithm);
    if rsa_verifies(key, padding, algorithm.digest(), message, signature) {
        return Ok(());
    }
    Err(VerifyError::Mismatch {
        algorithm,
        hint: None,
    })
}

/// Why a well-formed RSA signature that failed might have failed: it verifies under a nearby
/// scheme (at most four more verifications).
pub(super) fn diagnose_rsa_signature(
    algorithm: SignatureAlgorithm,
    key: &rsa::PublicKey,
    modulus: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<MismatchHint> {
    rsa_structure(algorithm, modulus, signature).ok()?;
    let (padding, other_padding) = rsa_paddings(algorithm);
    diagnose_rsa(
        key,
        padding,
        other_padding,
        algorithm.digest(),
        message,
        signature,
    )
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
