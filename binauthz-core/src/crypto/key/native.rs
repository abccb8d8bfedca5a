//! The AWS-LC (aws-lc-rs) verifier behind [`Backend::Native`](super::super::Backend::Native).
//!
//! It only answers yes or no: explaining a rejection (and the exact error messages) stays with
//! the RustCrypto path in `verify.rs`, so both backends report failures identically.

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};

use super::super::algorithm::SignatureAlgorithm;

/// A key already validated by our own parser, loaded into AWS-LC once so that each
/// verification skips decoding it again.
#[derive(Clone)]
pub(super) struct NativeKey(ParsedPublicKey);

impl NativeKey {
    /// Loads the DER `SubjectPublicKeyInfo` of a key that `PkixKey` accepted for `algorithm`.
    ///
    /// `None` when AWS-LC refuses it. Its RSA and EC checks match ours, so that would be a
    /// disagreement between the two libraries; the caller then rejects every signature.
    pub(super) fn new(algorithm: SignatureAlgorithm, spki_der: &[u8]) -> Option<NativeKey> {
        ParsedPublicKey::new(verification_algorithm(algorithm), spki_der)
            .ok()
            .map(NativeKey)
    }

    /// Whether `signature` is a valid signature of `message`.
    pub(super) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

/// AWS-LC's equivalent of each algorithm. The RSA ones allow 2048 to 8192 bits, but the key's
/// modulus size was already checked to be exactly the algorithm's; their PSS variants require a
/// salt as long as the digest, like GCP.
fn verification_algorithm(algorithm: SignatureAlgorithm) -> &'static dyn VerificationAlgorithm {
    match algorithm {
        SignatureAlgorithm::RsaPss2048Sha256
        | SignatureAlgorithm::RsaPss3072Sha256
        | SignatureAlgorithm::RsaPss4096Sha256 => &signature::RSA_PSS_2048_8192_SHA256,
        SignatureAlgorithm::RsaPss4096Sha512 => &signature::RSA_PSS_2048_8192_SHA512,
        SignatureAlgorithm::RsaPkcs1_2048Sha256
        | SignatureAlgorithm::RsaPkcs1_3072Sha256
        | SignatureAlgorithm::RsaPkcs1_4096Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        SignatureAlgorithm::RsaPkcs1_4096Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        SignatureAlgorithm::EcdsaP256Sha256 => &signature::ECDSA_P256_SHA256_ASN1,
        SignatureAlgorithm::EcdsaP384Sha384 => &signature::ECDSA_P384_SHA384_ASN1,
        SignatureAlgorithm::EcdsaP521Sha512 => &signature::ECDSA_P521_SHA512_ASN1,
    }
}
