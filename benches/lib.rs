//! Criterion benchmarks for binauthz (see `benches/`); this library holds shared helpers.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use binauthz_core::crypto::{KeyError, PkixKey, SignatureAlgorithm};
use serde_json::Value;

pub mod bindings;
pub mod hostile;
pub mod scenarios;

/// The committed conformance cases, spec/conformance/cases.
fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/cases")
}

/// The `.json` files of [`cases_dir`], sorted.
fn case_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    paths
}

/// One valid signature taken from a committed conformance case: what the `verify/*` benchmarks
/// (and the Go benchmarks in benches/go, over the same bytes) measure.
#[derive(Debug, Clone)]
pub struct VerifyCase {
    /// The benchmark's name: the criterion id after `verify/` (e.g. `ecdsa_p256`), and the Go
    /// sub-benchmark after `BenchmarkVerify/`.
    pub id: String,
    /// The conformance case's `name` (e.g. `alg-ecdsa-p256-sha256-valid`).
    pub case: String,
    /// The signature algorithm the case's attestor declares for the key.
    pub algorithm: SignatureAlgorithm,
    /// The attestor's public key, a PEM `SubjectPublicKeyInfo`.
    pub public_key_pem: String,
    /// The signed bytes: the attestation occurrence's decoded `serializedPayload`.
    pub message: Vec<u8>,
    /// The decoded signature made with that key over [`VerifyCase::message`].
    pub signature: Vec<u8>,
}

impl VerifyCase {
    /// Parses [`VerifyCase::public_key_pem`] for [`VerifyCase::algorithm`].
    ///
    /// # Errors
    ///
    /// The [`KeyError`] of [`PkixKey::from_pem`].
    pub fn key(&self) -> Result<PkixKey, KeyError> {
        PkixKey::from_pem(&self.public_key_pem, self.algorithm)
    }
}

/// The verify benchmarks listed in benches/verify-cases.json, in its order, each read from the
/// conformance case it names: the case's attestor must have exactly one PKIX key, and its
/// request exactly one attestation occurrence with exactly one signature, made by that key.
///
/// # Errors
///
/// A message naming the file and what in it is missing or malformed.
pub fn verify_cases() -> Result<Vec<VerifyCase>, String> {
    let list_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("verify-cases.json");
    let list = read_json(&list_path)?;
    let entries = list
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: no \"cases\" array", list_path.display()))?;
    // The conformance cases by their `name` field (file names carry a number that may change).
    let mut by_name = Vec::new();
    for path in case_paths() {
        let case = read_json(&path)?;
        if let Some(name) = case.get("name").and_then(Value::as_str) {
            by_name.push((name.to_owned(), path, case));
        }
    }
    entries
        .iter()
        .map(|entry| {
            let field = |key: &str| {
                entry.get(key).and_then(Value::as_str).ok_or_else(|| {
                    format!("{}: an entry has no string {key:?}", list_path.display())
                })
            };
            let (id, case_name) = (field("id")?, field("case")?);
            let (_, path, case) = by_name
                .iter()
                .find(|(name, _, _)| name == case_name)
                .ok_or_else(|| {
                    format!(
                        "{}: no conformance case is named {case_name:?}",
                        cases_dir().display()
                    )
                })?;
            verify_case(id, case_name, case)
                .map_err(|message| format!("{}: {message}", path.display()))
        })
        .collect()
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The one element of the array at `pointer` in `value`.
fn only<'a>(value: &'a Value, pointer: &str) -> Result<&'a Value, String> {
    match value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([item]) => Ok(item),
        Some(items) => Err(format!(
            "{pointer} has {} elements, not exactly one",
            items.len()
        )),
        None => Err(format!("no array at {pointer}")),
    }
}

fn string<'a>(value: &'a Value, pointer: &str) -> Result<&'a str, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string at {pointer}"))
}

fn base64(value: &Value, pointer: &str) -> Result<Vec<u8>, String> {
    BASE64
        .decode(string(value, pointer)?)
        .map_err(|e| format!("{pointer}: not base64: {e}"))
}

fn verify_case(id: &str, case_name: &str, case: &Value) -> Result<VerifyCase, String> {
    let attestor = only(case, "/config/attestors")?;
    let key = only(attestor, "/userOwnedGrafeasNote/publicKeys")?;
    let key_id = string(key, "/id")?;
    let algorithm_name = string(key, "/pkixPublicKey/signatureAlgorithm")?;
    let algorithm = SignatureAlgorithm::from_name(algorithm_name)
        .ok_or_else(|| format!("unknown signatureAlgorithm {algorithm_name:?}"))?;
    let occurrence = only(case, "/request/attestations")?;
    let signature = only(occurrence, "/attestation/signatures")?;
    if string(signature, "/publicKeyId")? != key_id {
        return Err(format!(
            "the signature is not by the attestor's key {key_id}"
        ));
    }
    Ok(VerifyCase {
        id: id.to_owned(),
        case: case_name.to_owned(),
        algorithm,
        public_key_pem: string(key, "/pkixPublicKey/publicKeyPem")?.to_owned(),
        message: base64(occurrence, "/attestation/serializedPayload")?,
        signature: base64(signature, "/signature")?,
    })
}
