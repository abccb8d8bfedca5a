//! TEMPORARY: the cosign pieces the platform checks use, until the cosign branch lands.
use serde_json::Value;

use crate::budget::{Work, pkix_points};
use crate::crypto::{KeyError, PkixKey, SignatureAlgorithm, VerifyError};
use crate::error::{InputError, InputResult, join_path};
use crate::model::digest::Digest;

/// A cosign public key.
#[derive(Debug, Clone)]
pub struct CosignKey(PkixKey);

impl CosignKey {
    pub(crate) fn from_pem(pem: &str) -> Result<Self, KeyError> {
        PkixKey::from_pem(pem, SignatureAlgorithm::EcdsaP256Sha256).map(CosignKey)
    }
    pub(crate) fn verify(&self, payload: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        self.0.verify(payload, signature)
    }
    pub(crate) fn work(&self, payload_len: usize) -> Work {
        Work::verification(pkix_points(self.0.algorithm()), payload_len)
    }
    pub(crate) fn describe(&self) -> String {
        "ECDSA P-256 with SHA-256".into()
    }
}

/// One signature as `cosign download signature` prints it.
pub(crate) fn read_signature(value: &Value, path: &str) -> InputResult<(Vec<u8>, Vec<u8>)> {
    let field = |k: &str| -> InputResult<Vec<u8>> {
        let text = value
            .get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| InputError::invalid(join_path(path, k), "field is required"))?;
        crate::text::base64::decode(text).map_err(|e| InputError::invalid(join_path(path, k), e))
    };
    Ok((field("Payload")?, field("Base64Signature")?))
}

/// The digest a cosign payload signs.
pub(crate) fn payload_digest(payload: &[u8]) -> Result<Digest, String> {
    let v: Value = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    if v.pointer("/critical/type").and_then(Value::as_str)
        != Some("cosign container image signature")
    {
        return Err("not a cosign payload".into());
    }
    v.pointer("/critical/image/docker-manifest-digest")
        .and_then(Value::as_str)
        .and_then(Digest::parse)
        .ok_or_else(|| "no digest".into())
}
