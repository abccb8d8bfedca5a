//! Attestation occurrences, as `gcloud container binauthz attestations list --format=json`
//! prints them (spec/README.md §5).

use serde::Deserialize;
use serde_json::Value;

use crate::base64;
use crate::digest::Digest;
use crate::document;
use crate::error::{ErrorCode, InputError, InputResult};
use crate::image::strip_scheme;
use crate::limits::{MAX_OCCURRENCES, MAX_REQUEST_BYTES, MAX_SIGNATURES};
use crate::names::NoteName;

/// Fields gcloud prints that binauthz does not use (`kind`, `createTime`, …) are accepted and
/// ignored; the fields below must have the right types.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOccurrence {
    name: Option<String>,
    resource_uri: Option<String>,
    note_name: Option<String>,
    kind: Option<String>,
    attestation: Option<RawAttestation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttestation {
    serialized_payload: Option<String>,
    signatures: Option<Vec<RawSignature>>,
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
}

impl Signature {
    /// The key id the signature claims; only a hint for finding the key.
    pub fn public_key_id(&self) -> &str {
        &self.public_key_id
    }

    /// The decoded signature bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A validated attestation occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    name: Option<String>,
    resource_uri: String,
    digest: Digest,
    note: NoteName,
    payload: Vec<u8>,
    signatures: Vec<Signature>,
}

impl Occurrence {
    /// Parses one occurrence, or a list of occurrences (YAML or JSON).
    pub fn parse_many(text: &str) -> InputResult<Vec<Occurrence>> {
        Self::from_value_many(document::parse(text, MAX_REQUEST_BYTES)?)
    }

    /// Validates one occurrence object, or an array of them.
    pub fn from_value_many(value: Value) -> InputResult<Vec<Occurrence>> {
        document::one_or_many(
            value,
            MAX_OCCURRENCES,
            "attestation occurrences",
            Self::from_value,
        )
    }

    /// Validates one occurrence object.
    pub fn from_value(value: Value) -> InputResult<Occurrence> {
        if !value.is_object() {
            return Err(InputError::invalid(
                "",
                "an attestation occurrence must be a mapping with resourceUri, noteName and attestation",
            ));
        }
        let raw: RawOccurrence = document::from_value(value)?;
        if let Some(kind) = raw.kind.as_deref().filter(|k| *k != "ATTESTATION") {
            return Err(InputError::invalid(
                "kind",
                format!("occurrence kind is `{kind}`, expected ATTESTATION"),
            ));
        }
        let uri = raw
            .resource_uri
            .ok_or_else(|| InputError::invalid("resourceUri", "field is required"))?;
        let digest = strip_scheme(&uri)
            .rsplit_once('@')
            .and_then(|(_, d)| Digest::parse(d))
            .ok_or_else(|| {
                InputError::invalid(
                    "resourceUri",
                    format!("`{uri}` does not end in @sha256: and 64 lower-case hex digits; attestations bind digests, not tags"),
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
                format!("`{note_text}` is not a note name of the form projects/PROJECT/notes/NOTE"),
            )
        })?;
        let att = raw.attestation.ok_or_else(|| {
            InputError::invalid(
                "attestation",
                "field is required (serializedPayload and signatures)",
            )
        })?;
        let payload_text = att.serialized_payload.ok_or_else(|| {
            InputError::invalid("attestation.serializedPayload", "field is required")
        })?;
        let payload = base64::decode(&payload_text).map_err(|m| {
            InputError::invalid("attestation.serializedPayload", format!("value {m}"))
        })?;
        let raw_sigs = att.signatures.unwrap_or_default();
        if raw_sigs.len() > MAX_SIGNATURES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "attestation.signatures",
                format!("more than {MAX_SIGNATURES} signatures in one occurrence"),
            ));
        }
        let mut signatures = Vec::with_capacity(raw_sigs.len());
        for (i, s) in raw_sigs.into_iter().enumerate() {
            let path = format!("attestation.signatures[{i}]");
            let public_key_id = s.public_key_id.ok_or_else(|| {
                InputError::invalid(format!("{path}.publicKeyId"), "field is required")
            })?;
            let text = s.signature.ok_or_else(|| {
                InputError::invalid(format!("{path}.signature"), "field is required")
            })?;
            let bytes = base64::decode(&text).map_err(|m| {
                InputError::invalid(format!("{path}.signature"), format!("value {m}"))
            })?;
            signatures.push(Signature {
                public_key_id,
                bytes,
            });
        }
        Ok(Occurrence {
            name: raw.name,
            resource_uri: uri,
            digest,
            note,
            payload,
            signatures,
        })
    }

    /// The occurrence's resource name, if given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A label for messages: the name, or the resource URI when there is no name.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.resource_uri)
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

    /// The decoded `serializedPayload`: the bytes the signatures cover.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The signatures.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }
}
