//! Attestation occurrences, as `gcloud container binauthz attestations list` prints them, as the
//! Container Analysis API lists them, and as Grafeas clients write them (spec/README.md §5).

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::error::{ErrorCode, InputError, InputResult};
use crate::limits::MAX_SIGNATURES;
use crate::model::digest::Digest;
use crate::model::image::strip_scheme;
use crate::model::names::{NoteName, OccurrenceLabel};
use crate::text::base64;
use crate::text::document;
use crate::untrusted::shown;

mod fields;
mod list;

pub(crate) use list::describe;
pub(crate) use list::lenient_digest;
pub use list::{Occurrences, SkippedOccurrence};

/// Fields gcloud prints that binauthz does not use (`createTime`, `updateTime`, …) are accepted
/// and ignored (`kind` is read before, by [`kind_of`]); the fields below must have the right
/// types.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOccurrence {
    name: Option<String>,
    resource_uri: Option<String>,
    /// v1beta1's `resource.uri`.
    resource: Option<RawResource>,
    note_name: Option<String>,
    attestation: Option<RawAttestation>,
}

/// v1beta1 Grafeas `Resource` (`name` and `contentHash` are ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResource {
    uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttestation {
    serialized_payload: Option<String>,
    signatures: Option<Vec<RawSignature>>,
    /// The legacy PGP shape at this level (spec §11.4).
    pgp_signed_attestation: Option<RawPgpSigned>,
    /// v1beta1 `Details.attestation`: `{pgpSignedAttestation | genericSignedAttestation}`.
    attestation: Option<RawLegacyAttestation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawLegacyAttestation {
    pgp_signed_attestation: Option<RawPgpSigned>,
    generic_signed_attestation: Option<Value>,
}

/// v1beta1 `PgpSignedAttestation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawPgpSigned {
    signature: Option<String>,
    /// The enum's name, or its number (proto3 JSON parsers accept both).
    content_type: Option<Value>,
    pgp_key_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawSignature {
    public_key_id: Option<String>,
    signature: Option<String>,
}

/// One signature of an occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    public_key_id: String,
    bytes: Vec<u8>,
    /// SHA-256 of `bytes`, computed once: part of the verification cache's key.
    hash: [u8; 32],
}

impl Signature {
    /// SHA-256 of the signature bytes.
    pub(crate) fn hash(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The key id the signature claims; only a hint for finding the key.
    pub fn public_key_id(&self) -> &str {
        &self.public_key_id
    }

    /// A signature claiming `public_key_id`, from the `signature` text of the object at `path`
    /// (required).
    fn read(public_key_id: String, text: Option<String>, path: &str) -> InputResult<Self> {
        let at = format!("{path}.signature");
        let text = text.ok_or_else(|| InputError::invalid(&at, "field is required"))?;
        let bytes = signature_bytes(text, &at)?;
        Ok(Signature {
            public_key_id,
            hash: Sha256::digest(&bytes).into(),
            bytes,
        })
    }

    /// The canonical order of signatures: by claimed key id, then bytes.
    fn sort_key(&self) -> (&str, &[u8]) {
        (&self.public_key_id, &self.bytes)
    }

    /// The signature bytes: the base64-decoded `signature`, or, for ASCII-armored OpenPGP data
    /// given as text (`-----BEGIN PGP …`), the bytes of that text (spec §11.2).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Whether a `signature` string is ASCII-armored OpenPGP data rather than base64. Armor always
/// contains spaces and line breaks, which base64 never does, so the two cannot be confused.
pub(crate) fn is_pgp_armor(text: &str) -> bool {
    text.trim_start().starts_with("-----BEGIN PGP ")
}

/// What an occurrence's `kind` says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `ATTESTATION` (or 7, its number), or no kind at all.
    Attestation,
    /// Any other kind (`BUILD`, `VULNERABILITY`, …), as written.
    Other(String),
}

/// The kind of an occurrence object. Proto3 JSON parsers accept an enum's name or its number;
/// `NoteKind.ATTESTATION` is 7 in v1 and v1beta1 alike. Other numbers are other kinds.
pub(crate) fn kind_of(occurrence: &Value) -> InputResult<Kind> {
    match occurrence.get("kind") {
        None | Some(Value::Null) => Ok(Kind::Attestation),
        Some(Value::String(s)) if s == "ATTESTATION" => Ok(Kind::Attestation),
        Some(Value::Number(n)) if n.as_u64() == Some(7) => Ok(Kind::Attestation),
        Some(Value::String(s)) => Ok(Kind::Other(s.clone())),
        Some(Value::Number(n)) => Ok(Kind::Other(n.to_string())),
        Some(other) => Err(InputError::invalid(
            "kind",
            format!(
                "expected a kind such as ATTESTATION, found `{}`",
                shown(&scalar_text(other))
            ),
        )),
    }
}

/// A short text for a JSON value in a message.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(_) => "a sequence".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
        other => other.to_string(),
    }
}

/// An entry of a list of occurrences that is not a mapping.
pub(crate) fn not_a_mapping() -> InputError {
    InputError::invalid(
        "",
        "an attestation occurrence must be a mapping with resourceUri, noteName and attestation",
    )
}

/// A `signature` string: armored OpenPGP text as is, anything else base64-decoded.
fn signature_bytes(text: String, path: &str) -> InputResult<Vec<u8>> {
    if is_pgp_armor(&text) {
        return Ok(text.into_bytes());
    }
    base64::decode(&text).map_err(|m| InputError::invalid(path, format!("value {m}")))
}

/// A validated attestation occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    name: Option<String>,
    resource_uri: String,
    /// `name`, or `resource_uri` when there is no name.
    label: OccurrenceLabel,
    digest: Digest,
    note: NoteName,
    payload: Option<Vec<u8>>,
    /// SHA-256 of `payload`, computed once: part of the verification cache's key.
    payload_hash: Option<[u8; 32]>,
    signatures: Vec<Signature>,
}

impl Occurrence {
    /// Parses an attestations document (YAML or JSON) in any shape [`Occurrences::parse`] reads,
    /// requiring every occurrence in it to be valid: the first one that is not is the error.
    /// Occurrences of another kind than `ATTESTATION` are left out. Requests instead skip an
    /// invalid occurrence and explain it where it matters (spec §5); use
    /// [`Occurrences::parse`] for that.
    pub fn parse_many(text: &str) -> InputResult<Vec<Occurrence>> {
        Occurrences::parse(text)?.into_strict()
    }

    /// [`Self::parse_many`] for one document already parsed: an occurrence, a list of them, or a
    /// Container Analysis list response.
    pub fn from_value_many(value: Value) -> InputResult<Vec<Occurrence>> {
        Occurrences::from_document(value)?.into_strict()
    }

    /// Validates one occurrence object. Its fields may go by their JSON (lowerCamelCase) or
    /// original (snake_case) names. An occurrence of another kind than `ATTESTATION` is an
    /// error here; lists of occurrences ignore it instead.
    pub fn from_value(mut value: Value) -> InputResult<Occurrence> {
        if !value.is_object() {
            return Err(not_a_mapping());
        }
        fields::to_json_names(&mut value)?;
        match kind_of(&value)? {
            Kind::Attestation => Self::from_json_names(value),
            Kind::Other(kind) => Err(InputError::invalid(
                "kind",
                format!(
                    "occurrence kind is `{}`, expected ATTESTATION",
                    shown(&kind)
                ),
            )),
        }
    }

    /// Validates an occurrence object whose fields have their JSON names and whose kind is
    /// `ATTESTATION` or not given.
    fn from_json_names(value: Value) -> InputResult<Occurrence> {
        document::require_mappings(
            &value,
            &[
                "attestation",
                "attestation.signatures.[]",
                "resource",
                "attestation.pgpSignedAttestation",
                "attestation.attestation",
                "attestation.attestation.pgpSignedAttestation",
            ],
        )?;
        let raw: RawOccurrence = document::from_value(value)?;
        let legacy_uri = raw.resource.and_then(|r| r.uri);
        let uri = match (raw.resource_uri, legacy_uri) {
            (Some(a), Some(b)) if a != b => {
                return Err(InputError::invalid(
                    "resource.uri",
                    format!("`{}` differs from resourceUri `{}`", shown(&b), shown(&a)),
                ));
            }
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => {
                return Err(InputError::invalid("resourceUri", "field is required"));
            }
        };
        let digest = strip_scheme(&uri)
            .rsplit_once('@')
            .and_then(|(_, d)| Digest::parse(d))
            .ok_or_else(|| {
                InputError::invalid(
                    "resourceUri",
                    format!("`{}` does not end in @sha256: and 64 lower-case hex digits; attestations bind digests, not tags", shown(&uri)),
                )
            })?;
        let note_text = raw.note_name.ok_or_else(|| {
            InputError::invalid(
                "noteName",
                "field is required: it says which attestor's note the attestation belongs to",
            )
        })?;
        let note = NoteName::parse(&note_text).ok_or_else(|| {
            InputError::invalid(
                "noteName",
                format!(
                    "`{}` is not a note name of the form projects/PROJECT/notes/NOTE",
                    shown(&note_text)
                ),
            )
        })?;
        let att = raw.attestation.ok_or_else(|| {
            InputError::invalid(
                "attestation",
                "field is required (serializedPayload and signatures)",
            )
        })?;
        let legacy = match (att.pgp_signed_attestation, att.attestation) {
            (Some(_), Some(_)) => {
                return Err(InputError::invalid(
                    "attestation.attestation",
                    "give pgpSignedAttestation once: directly under attestation, or under attestation.attestation (v1beta1), not both",
                ));
            }
            (Some(p), None) => Some(("attestation.pgpSignedAttestation", p)),
            (None, Some(inner)) => {
                match (
                    inner.pgp_signed_attestation,
                    inner.generic_signed_attestation,
                ) {
                    (_, Some(_)) => {
                        return Err(InputError::new(
                            ErrorCode::Unsupported,
                            "attestation.attestation.genericSignedAttestation",
                            "v1beta1 genericSignedAttestation is not supported; give its serializedPayload and signatures directly under attestation (the v1 shape)",
                        ));
                    }
                    (Some(p), None) => Some(("attestation.attestation.pgpSignedAttestation", p)),
                    (None, None) => {
                        return Err(InputError::invalid(
                            "attestation.attestation",
                            "expected pgpSignedAttestation",
                        ));
                    }
                }
            }
            (None, None) => None,
        };
        let payload = match att.serialized_payload {
            Some(text) => Some(base64::decode(&text).map_err(|m| {
                InputError::invalid("attestation.serializedPayload", format!("value {m}"))
            })?),
            // The legacy PGP shape carries the payload inside the signed message.
            None if legacy.is_some() => None,
            None => {
                return Err(InputError::invalid(
                    "attestation.serializedPayload",
                    "field is required",
                ));
            }
        };
        let raw_sigs = att.signatures.unwrap_or_default();
        if raw_sigs.len() > MAX_SIGNATURES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "attestation.signatures",
                format!("more than {MAX_SIGNATURES} signatures in one occurrence"),
            ));
        }
        let mut signatures = Vec::with_capacity(raw_sigs.len() + 1);
        for (i, s) in raw_sigs.into_iter().enumerate() {
            let path = format!("attestation.signatures[{i}]");
            let public_key_id = s.public_key_id.ok_or_else(|| {
                InputError::invalid(format!("{path}.publicKeyId"), "field is required")
            })?;
            signatures.push(Signature::read(public_key_id, s.signature, &path)?);
        }
        if let Some((path, pgp)) = legacy {
            if !signatures.is_empty() {
                return Err(InputError::invalid(
                    path,
                    "an occurrence has either signatures or pgpSignedAttestation, not both",
                ));
            }
            // Proto3 JSON parsers accept an enum's number too: SIMPLE_SIGNING_JSON is 1.
            match &pgp.content_type {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s == "SIMPLE_SIGNING_JSON" => {}
                Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
                Some(other) => {
                    return Err(InputError::invalid(
                        format!("{path}.contentType"),
                        format!(
                            "`{}` is not a supported content type; expected SIMPLE_SIGNING_JSON",
                            shown(&scalar_text(other))
                        ),
                    ));
                }
            }
            let public_key_id = pgp.pgp_key_id.filter(|s| !s.is_empty()).ok_or_else(|| {
                InputError::invalid(
                    format!("{path}.pgpKeyId"),
                    "field is required (the signing key's 40-hex-digit fingerprint)",
                )
            })?;
            signatures.push(Signature::read(public_key_id, pgp.signature, path)?);
        }
        // The order signatures are listed in must not matter (spec §12): keep them sorted.
        signatures.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Ok(Occurrence {
            label: OccurrenceLabel::new(raw.name.as_deref().unwrap_or(&uri)),
            name: raw.name,
            resource_uri: uri,
            digest,
            note,
            payload_hash: payload.as_ref().map(|p| Sha256::digest(p).into()),
            payload,
            signatures,
        })
    }

    /// The canonical order of occurrences: by note, digest, label, resource URI, payload and
    /// signatures — everything a decision can show or depend on — so that evaluation examines
    /// them in an order that does not depend on the request's (spec §12).
    pub(crate) fn canonical_cmp(&self, other: &Occurrence) -> std::cmp::Ordering {
        (
            self.note(),
            self.digest(),
            self.label(),
            self.resource_uri(),
            self.payload(),
        )
            .cmp(&(
                other.note(),
                other.digest(),
                other.label(),
                other.resource_uri(),
                other.payload(),
            ))
            .then_with(|| {
                self.signatures
                    .iter()
                    .map(Signature::sort_key)
                    .cmp(other.signatures.iter().map(Signature::sort_key))
            })
    }

    /// SHA-256 of the payload, when there is one.
    pub(crate) fn payload_hash(&self) -> Option<&[u8; 32]> {
        self.payload_hash.as_ref()
    }

    /// The occurrence's resource name, if given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A label for messages: the name, or the resource URI when there is no name.
    pub fn label(&self) -> &str {
        self.label.as_str()
    }

    /// [`Self::label`], shared (decisions copy it without allocating).
    pub fn shared_label(&self) -> &OccurrenceLabel {
        &self.label
    }

    /// `resourceUri` as given.
    pub fn resource_uri(&self) -> &str {
        &self.resource_uri
    }

    /// The digest the occurrence is filed under (from `resourceUri`; not authenticated).
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// `noteName`.
    pub fn note(&self) -> &NoteName {
        &self.note
    }

    /// The decoded `serializedPayload`: the bytes the signatures cover. `None` only for the
    /// legacy `pgpSignedAttestation` shape, whose payload is inside the signed message.
    pub fn payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    /// The signatures.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }
}
