//! Cosign's simple-signing payload and the signatures `cosign download signature` prints (the
//! legacy `.sig` layout, `sigstore/cosign:specs/SIGNATURE_SPEC.md`).
//!
//! The payload is what `sigstore/sigstore:pkg/signature/payload/payload.go` marshals with Go's
//! `encoding/json`: the struct's field order (critical → identity → image → type, then
//! optional), Go's string escaping, no white space and no trailing newline. Its type string is
//! `cosign container image signature`, not gcloud's. Verifiers ignore
//! `critical.identity.docker-reference` (the spec says so), so it is recorded, never compared.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{ErrorCode, InputError, InputResult, join_path};
use crate::limits::{
    MAX_COSIGN_PAYLOAD_BYTES, MAX_COSIGN_SIGNATURE_BYTES, MAX_COSIGN_SIGNATURES, MAX_REQUEST_BYTES,
};
use crate::model::digest::Digest;
use crate::model::image::ImageRef;
use crate::model::payload::{PayloadError, duplicate_key};
use crate::text::document::Strict;
use crate::untrusted::shown;

/// The `critical.type` of every cosign container-image signature payload.
pub const COSIGN_PAYLOAD_TYPE: &str = "cosign container image signature";

/// The payload `cosign sign` signs for `repository` at `digest`, byte for byte:
/// `{"critical":{"identity":{"docker-reference":REPOSITORY},"image":{"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},"optional":null}`.
///
/// # Errors
///
/// When `repository` is not an image reference without scheme, tag or digest
/// (`us-docker.pkg.dev/p/r/app`), as `cosign` derives it from the image it signs.
pub fn cosign_signature_payload(repository: &str, digest: &Digest) -> InputResult<String> {
    cosign_signature_payload_with_annotations(repository, digest, &BTreeMap::new())
}

/// Like [`cosign_signature_payload`], with the annotations `cosign sign -a KEY=VALUE` adds in
/// `optional` (keys in byte order, as Go writes a map); no annotations give `"optional":null`.
///
/// # Errors
///
/// As for [`cosign_signature_payload`].
pub fn cosign_signature_payload_with_annotations(
    repository: &str,
    digest: &Digest,
    annotations: &BTreeMap<String, String>,
) -> InputResult<String> {
    let image = ImageRef::parse(repository).map_err(|e| e.within("repository"))?;
    if image.repository() != repository {
        return Err(InputError::invalid(
            "repository",
            format!(
                "`{}` is not a repository alone: cosign's docker-reference has no scheme, tag or \
                 digest (e.g. `us-docker.pkg.dev/p/r/app`)",
                shown(repository)
            ),
        ));
    }
    let mut out = String::with_capacity(200 + repository.len());
    out.push_str("{\"critical\":{\"identity\":{\"docker-reference\":");
    push_go_string(&mut out, repository);
    out.push_str("},\"image\":{\"docker-manifest-digest\":");
    push_go_string(&mut out, digest.as_str());
    out.push_str("},\"type\":");
    push_go_string(&mut out, COSIGN_PAYLOAD_TYPE);
    out.push_str("},\"optional\":");
    if annotations.is_empty() {
        out.push_str("null");
    } else {
        out.push('{');
        for (i, (key, value)) in annotations.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_go_string(&mut out, key);
            out.push(':');
            push_go_string(&mut out, value);
        }
        out.push('}');
    }
    out.push('}');
    Ok(out)
}

/// The cosign payload for an image given by digest, as `cosign sign` makes it for
/// `REGISTRY/PATH[:TAG]@sha256:…`: the repository without scheme or tag, and the digest.
///
/// # Errors
///
/// When the URL is not an image reference or has no valid `@sha256:` digest (gcloud's words,
/// as `create-signature-payload` says them).
pub fn create_cosign_signature_payload(artifact_url: &str) -> InputResult<String> {
    let url = artifact_url.trim();
    let image = ImageRef::parse(url).map_err(|e| InputError::invalid("", e.message()))?;
    if let Some(malformed) = image.malformed_digest() {
        let e = PayloadError::InvalidDigest {
            digest: malformed.to_owned(),
            len: malformed.len(),
        };
        return Err(InputError::invalid("", e.to_string()));
    }
    let digest = image.digest().ok_or_else(|| {
        InputError::invalid("", PayloadError::MissingDigest(url.into()).to_string())
    })?;
    cosign_signature_payload(image.repository(), digest)
}

/// Appends `s` as a JSON string literal exactly as Go's `json.Marshal` writes it: `"` and `\`
/// escaped, `\n` `\r` `\t` by name, other control characters, `<`, `>`, `&` (HTML safety) and
/// U+2028, U+2029 (JavaScript line separators) as `\u00xx` with lower-case hex digits, and every
/// other character as it is (UTF-8).
fn push_go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// What is wrong with a cosign payload. Each message is a sentence a platform engineer can act
/// on; text from the payload is escaped and cut short.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignPayloadError {
    /// Larger than [`MAX_COSIGN_PAYLOAD_BYTES`].
    #[error(
        "the payload is {0} bytes, more than the limit of {MAX_COSIGN_PAYLOAD_BYTES} bytes for a cosign payload"
    )]
    TooLarge(usize),
    /// Not JSON, or JSON but not an object.
    #[error("the payload is not a JSON object ({0})")]
    NotJson(String),
    /// An object has this key twice: readers disagree about which value counts.
    #[error("the payload has the key `{0}` twice in one object")]
    DuplicateKey(String),
    /// A required field is missing or not of its type.
    #[error("the payload has no {field} ({expected})")]
    Missing {
        /// The field's path, e.g. `critical.image.docker-manifest-digest`.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `critical.type` is another type (a gcloud payload, an attestation).
    #[error("the payload's type is `{0}`, not `{COSIGN_PAYLOAD_TYPE}`")]
    WrongType(String),
    /// `critical.image.docker-manifest-digest` is not a sha256 digest.
    #[error(
        "the payload's critical.image.docker-manifest-digest `{0}` is not `sha256:` followed by 64 lower-case hex digits"
    )]
    InvalidDigest(String),
    /// `optional` is neither null nor an object.
    #[error("the payload's `optional` is {0}, not null or an object of annotations")]
    OptionalNotObject(&'static str),
    /// The payload signs another image.
    #[error("the payload signs {signed}, not the image's digest {expected}")]
    DigestMismatch {
        /// The digest the payload signs.
        signed: Digest,
        /// The image's digest.
        expected: Digest,
    },
}

/// A cosign simple-signing payload, read and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignPayload {
    digest: Digest,
    docker_reference: String,
    optional: Option<Map<String, Value>>,
}

impl CosignPayload {
    /// Reads payload bytes (the decoded `Payload` of a signature): a JSON object, every key once
    /// per object, whose `critical.type` is `cosign container image signature`, whose
    /// `critical.image.docker-manifest-digest` is a sha256 digest and whose
    /// `critical.identity.docker-reference` is a string; `optional` is null, absent or an object
    /// of anything. Other fields are allowed, as Go's reader allows them.
    ///
    /// Call it on the bytes a signature verified: unsigned bytes say nothing.
    ///
    /// # Errors
    ///
    /// A [`CosignPayloadError`] saying what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<CosignPayload, CosignPayloadError> {
        if bytes.len() > MAX_COSIGN_PAYLOAD_BYTES {
            return Err(CosignPayloadError::TooLarge(bytes.len()));
        }
        let value = serde_json::from_slice::<Strict>(bytes)
            .map_err(|e| match duplicate_key(&e) {
                Some(key) => CosignPayloadError::DuplicateKey(shown(&key).into_owned()),
                None => CosignPayloadError::NotJson(e.to_string()),
            })?
            .0;
        if !value.is_object() {
            return Err(CosignPayloadError::NotJson(format!(
                "it is {}",
                kind(&value)
            )));
        }
        let text = |pointer: &str, field: &'static str, expected: &'static str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .ok_or(CosignPayloadError::Missing { field, expected })
        };
        let payload_type = text("/critical/type", "critical.type", "a string")?;
        if payload_type != COSIGN_PAYLOAD_TYPE {
            return Err(CosignPayloadError::WrongType(
                shown(payload_type).into_owned(),
            ));
        }
        let digest_text = text(
            "/critical/image/docker-manifest-digest",
            "critical.image.docker-manifest-digest",
            "a `sha256:` digest string",
        )?;
        let digest = Digest::parse(digest_text)
            .ok_or_else(|| CosignPayloadError::InvalidDigest(shown(digest_text).into_owned()))?;
        let docker_reference = text(
            "/critical/identity/docker-reference",
            "critical.identity.docker-reference",
            "a string",
        )?
        .to_owned();
        let optional = match value.get("optional") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map.clone()),
            Some(other) => return Err(CosignPayloadError::OptionalNotObject(kind(other))),
        };
        Ok(CosignPayload {
            digest,
            docker_reference,
            optional,
        })
    }

    /// The digest the payload signs (`critical.image.docker-manifest-digest`).
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// `critical.identity.docker-reference`, as signed. Cosign's verifiers ignore it, and so
    /// does binauthz: it is recorded for messages only.
    pub fn docker_reference(&self) -> &str {
        &self.docker_reference
    }

    /// The `optional` annotations, when the payload has an object there.
    pub fn optional(&self) -> Option<&Map<String, Value>> {
        self.optional.as_ref()
    }

    /// Whether the payload signs `digest`, the image's.
    ///
    /// # Errors
    ///
    /// [`CosignPayloadError::DigestMismatch`] when it signs another digest.
    pub fn check_digest(&self, digest: &Digest) -> Result<(), CosignPayloadError> {
        if &self.digest == digest {
            Ok(())
        } else {
            Err(CosignPayloadError::DigestMismatch {
                signed: self.digest.clone(),
                expected: digest.clone(),
            })
        }
    }
}

/// A JSON value's kind, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One cosign signature as `cosign download signature` prints it (one JSON object per line):
/// the decoded `Base64Signature` and `Payload`.
///
/// The line is Go's `json.Marshal` of cosign's `SignedPayload` (`sigstore/cosign`,
/// `pkg/cosign/fetch.go`): `Base64Signature` (a string), `Payload` (`[]byte`, so standard
/// padded base64), `Cert`, `Chain`, `Bundle` and `RFC3161Timestamp`. Only the first two are
/// read; the certificate fields belong to keyless signing, which binauthz does not verify, so
/// they are accepted and not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignSignature {
    signature: Vec<u8>,
    payload: Vec<u8>,
}

impl CosignSignature {
    /// Builds a signature from its decoded parts.
    pub fn new(signature: Vec<u8>, payload: Vec<u8>) -> CosignSignature {
        CosignSignature { signature, payload }
    }

    /// Reads one object of `cosign download signature`'s output. Error paths are relative
    /// (`Base64Signature`); [`InputError::within`] places them in a larger document.
    ///
    /// # Errors
    ///
    /// When the value is not an object, `Base64Signature` or `Payload` is missing, not a string
    /// or not base64, or a decoded part is longer than its limit (code `limit`).
    pub fn from_value(value: &Value) -> InputResult<CosignSignature> {
        let Some(map) = value.as_object() else {
            return Err(InputError::invalid(
                "",
                format!(
                    "a cosign signature is a JSON object with Base64Signature and Payload, not {}",
                    kind(value)
                ),
            ));
        };
        let signature = base64_field(map, "Base64Signature", MAX_COSIGN_SIGNATURE_BYTES)?;
        let payload = base64_field(map, "Payload", MAX_COSIGN_PAYLOAD_BYTES)?;
        Ok(CosignSignature { signature, payload })
    }

    /// The signature bytes (DER for ECDSA).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The payload bytes the signature covers.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Reads the payload ([`CosignPayload::parse`]).
    ///
    /// # Errors
    ///
    /// As for [`CosignPayload::parse`].
    pub fn parse_payload(&self) -> Result<CosignPayload, CosignPayloadError> {
        CosignPayload::parse(&self.payload)
    }
}

/// A required base64 string field, decoded, of at most `max` bytes.
fn base64_field(map: &Map<String, Value>, name: &str, max: usize) -> InputResult<Vec<u8>> {
    let text = match map.get(name) {
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(InputError::invalid(
                name,
                format!("must be a base64 string, not {}", kind(other)),
            ));
        }
        None => return Err(InputError::invalid(name, "field is required")),
    };
    // Checked on the text, before decoding: four characters hold three bytes.
    if text.len() / 4 > max.div_ceil(3) {
        return Err(InputError::new(
            ErrorCode::Limit,
            name,
            format!(
                "is {} characters of base64, more than the {max} bytes allowed",
                text.len()
            ),
        ));
    }
    let bytes = crate::text::base64::decode(text).map_err(|e| InputError::invalid(name, e))?;
    if bytes.len() > max {
        return Err(InputError::new(
            ErrorCode::Limit,
            name,
            format!(
                "decodes to {} bytes, more than the limit of {max}",
                bytes.len()
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(InputError::invalid(name, "is empty"));
    }
    Ok(bytes)
}

/// The signatures of one image, as `cosign download signature` prints them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CosignSignatures(Vec<CosignSignature>);

impl CosignSignatures {
    /// Reads JSON Lines (one object per line, blank lines skipped; error paths `[i]` count the
    /// objects from 0) or one JSON array of objects. At most [`MAX_COSIGN_SIGNATURES`]
    /// signatures, and the text at most [`MAX_REQUEST_BYTES`].
    ///
    /// # Errors
    ///
    /// The first line or element that is not JSON or not a signature
    /// ([`CosignSignature::from_value`]), with its path, or a limit.
    pub fn parse_lines(text: &str) -> InputResult<CosignSignatures> {
        if text.len() > MAX_REQUEST_BYTES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "",
                format!(
                    "the signatures are {} bytes, more than the limit of {MAX_REQUEST_BYTES} bytes",
                    text.len()
                ),
            ));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let too_many = || {
            InputError::new(
                ErrorCode::Limit,
                "",
                format!("more than {MAX_COSIGN_SIGNATURES} cosign signatures"),
            )
        };
        let mut out = Vec::new();
        if text.trim_start().starts_with('[') {
            let value = crate::text::document::parse(text, MAX_REQUEST_BYTES)?;
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            if items.len() > MAX_COSIGN_SIGNATURES {
                return Err(too_many());
            }
            for (i, item) in items.iter().enumerate() {
                out.push(
                    CosignSignature::from_value(item).map_err(|e| e.within(&format!("[{i}]")))?,
                );
            }
            return Ok(CosignSignatures(out));
        }
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if out.len() >= MAX_COSIGN_SIGNATURES {
                return Err(too_many());
            }
            let at = format!("[{}]", out.len());
            if !line.starts_with('{') {
                return Err(InputError::new(
                    ErrorCode::Syntax,
                    at,
                    format!(
                        "line {} is not a JSON object (`cosign download signature` prints one per line)",
                        number.saturating_add(1)
                    ),
                ));
            }
            let value = crate::text::document::parse(line, MAX_REQUEST_BYTES).map_err(|e| {
                InputError::new(
                    e.code(),
                    join_path(&at, e.path()),
                    format!("line {}: {}", number.saturating_add(1), e.message()),
                )
            })?;
            out.push(CosignSignature::from_value(&value).map_err(|e| e.within(&at))?);
        }
        Ok(CosignSignatures(out))
    }

    /// The signatures, in the order given.
    pub fn as_slice(&self) -> &[CosignSignature] {
        &self.0
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for CosignSignatures {
    type Item = CosignSignature;
    type IntoIter = std::vec::IntoIter<CosignSignature>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    const HEX: &str = "37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";

    fn digest() -> Digest {
        Digest::parse(&format!("sha256:{HEX}")).unwrap()
    }

    #[test]
    fn the_payload_is_byte_identical_to_what_cosign_signs() {
        let payload = cosign_signature_payload("us-docker.pkg.dev/p/r/app", &digest()).unwrap();
        assert_eq!(
            payload,
            format!(
                "{{\"critical\":{{\"identity\":{{\"docker-reference\":\"us-docker.pkg.dev/p/r/app\"}},\"image\":{{\"docker-manifest-digest\":\"sha256:{HEX}\"}},\"type\":\"cosign container image signature\"}},\"optional\":null}}"
            )
        );
    }

    #[test]
    fn annotations_go_in_optional_with_keys_in_byte_order() {
        let annotations: BTreeMap<String, String> = [("z", "1"), ("B", "2"), ("a", "<&>")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let payload =
            cosign_signature_payload_with_annotations("gcr.io/p/app", &digest(), &annotations)
                .unwrap();
        assert!(
            payload.ends_with(
                ",\"optional\":{\"B\":\"2\",\"a\":\"\\u003c\\u0026\\u003e\",\"z\":\"1\"}}"
            ),
            "{payload}"
        );
    }

    #[test]
    fn strings_are_escaped_as_go_json_marshal_escapes_them() {
        let mut out = String::new();
        push_go_string(&mut out, "a<b>c&d\"e\\f\ng\u{1}h\u{2028}i\u{2029}é");
        assert_eq!(
            out,
            "\"a\\u003cb\\u003ec\\u0026d\\\"e\\\\f\\ng\\u0001h\\u2028i\\u2029é\""
        );
    }

    #[test]
    fn a_payload_made_here_reads_back_with_its_digest_and_reference() {
        let payload = cosign_signature_payload("localhost:5000/app", &digest()).unwrap();
        let read = CosignPayload::parse(payload.as_bytes()).unwrap();
        assert_eq!(read.digest(), &digest());
        assert_eq!(read.docker_reference(), "localhost:5000/app");
        assert_eq!(read.optional(), None);
        assert_eq!(read.check_digest(&digest()), Ok(()));
    }

    #[test]
    fn the_repository_has_no_scheme_tag_or_digest() {
        for bad in [
            "gcr.io/p/app:v1",
            &format!("gcr.io/p/app@sha256:{HEX}"),
            "https://gcr.io/p/app",
            "",
            "gcr.io/p/a pp",
        ] {
            let err = cosign_signature_payload(bad, &digest()).unwrap_err();
            assert_eq!(err.path(), "repository", "{bad}: {err}");
        }
    }

    #[test]
    fn an_artifact_url_gives_the_payload_of_its_repository_and_digest() {
        let expected = cosign_signature_payload("gcr.io/p/app", &digest()).unwrap();
        for url in [
            format!("gcr.io/p/app@sha256:{HEX}"),
            format!("https://gcr.io/p/app:v1@sha256:{HEX}"),
        ] {
            assert_eq!(create_cosign_signature_payload(&url).unwrap(), expected);
        }
        assert!(
            create_cosign_signature_payload("gcr.io/p/app:v1")
                .unwrap_err()
                .message()
                .contains("has no digest")
        );
        assert!(
            create_cosign_signature_payload("gcr.io/p/app@sha256:12")
                .unwrap_err()
                .message()
                .contains("invalid digest")
        );
    }

    fn problem(payload: &str) -> CosignPayloadError {
        CosignPayload::parse(payload.as_bytes()).unwrap_err()
    }

    #[test]
    fn each_payload_problem_is_named() {
        let d = format!("sha256:{HEX}");
        assert!(matches!(problem("nope"), CosignPayloadError::NotJson(_)));
        assert!(matches!(problem("[1]"), CosignPayloadError::NotJson(_)));
        assert!(matches!(
            problem(r#"{"a":1,"a":2}"#),
            CosignPayloadError::DuplicateKey(k) if k == "a"
        ));
        assert_eq!(
            problem(r#"{"critical":{}}"#),
            CosignPayloadError::Missing {
                field: "critical.type",
                expected: "a string"
            }
        );
        let gcloud = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"Google cloud binauthz container signature"}}}}"#
        );
        assert_eq!(
            problem(&gcloud).to_string(),
            "the payload's type is `Google cloud binauthz container signature`, not `cosign container image signature`"
        );
        let no_digest = r#"{"critical":{"identity":{"docker-reference":"r"},"image":{},"type":"cosign container image signature"}}"#;
        assert!(matches!(
            problem(no_digest),
            CosignPayloadError::Missing {
                field: "critical.image.docker-manifest-digest",
                ..
            }
        ));
        let bad_digest = r#"{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:AB"},"type":"cosign container image signature"}}"#;
        assert_eq!(
            problem(bad_digest),
            CosignPayloadError::InvalidDigest("sha256:AB".into())
        );
        let no_reference = format!(
            r#"{{"critical":{{"identity":{{}},"image":{{"docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}}}}"#
        );
        assert!(matches!(
            problem(&no_reference),
            CosignPayloadError::Missing {
                field: "critical.identity.docker-reference",
                ..
            }
        ));
        let optional = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}},"optional":[]}}"#
        );
        assert_eq!(
            problem(&optional),
            CosignPayloadError::OptionalNotObject("an array")
        );
        let big = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_COSIGN_PAYLOAD_BYTES));
        assert!(matches!(problem(&big), CosignPayloadError::TooLarge(_)));
    }

    #[test]
    fn a_payload_for_another_digest_is_refused_saying_both_digests() {
        let other = Digest::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
        let payload = cosign_signature_payload("gcr.io/p/app", &other).unwrap();
        let read = CosignPayload::parse(payload.as_bytes()).unwrap();
        assert_eq!(
            read.check_digest(&digest()).unwrap_err().to_string(),
            format!(
                "the payload signs sha256:{}, not the image's digest sha256:{HEX}",
                "0".repeat(64)
            )
        );
    }

    #[test]
    fn unknown_fields_and_annotations_in_optional_are_allowed() {
        let d = format!("sha256:{HEX}");
        let payload = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"cosign container image signature","extra":1}},"optional":{{"sig":{{"nested":[1,2]}}}}}}"#
        );
        let read = CosignPayload::parse(payload.as_bytes()).unwrap();
        assert!(read.optional().unwrap().contains_key("sig"));
    }

    fn line(sig: &[u8], payload: &[u8]) -> String {
        serde_json::json!({
            "Base64Signature": STANDARD.encode(sig),
            "Payload": STANDARD.encode(payload),
            "Cert": null,
            "Chain": null,
            "Bundle": {"SignedEntryTimestamp": "x"},
            "RFC3161Timestamp": null,
        })
        .to_string()
    }

    #[test]
    fn json_lines_and_a_json_array_are_both_read() {
        let text = format!("{}\n\n{}\n", line(b"s1", b"p1"), line(b"s2", b"p2"));
        let sigs = CosignSignatures::parse_lines(&text).unwrap();
        assert_eq!(sigs.len(), 2);
        assert_eq!(sigs.as_slice()[1].signature(), b"s2");
        assert_eq!(sigs.as_slice()[1].payload(), b"p2");
        let array = format!("[{}, {}]", line(b"s1", b"p1"), line(b"s2", b"p2"));
        assert_eq!(CosignSignatures::parse_lines(&array).unwrap(), sigs);
        assert!(CosignSignatures::parse_lines("").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_signature_and_the_field() {
        let text = format!("{}\n{{\"Payload\":\"cA==\"}}\n", line(b"s1", b"p1"));
        let err = CosignSignatures::parse_lines(&text).unwrap_err();
        assert_eq!(err.path(), "[1].Base64Signature");
        assert_eq!(err.message(), "field is required");
        let err = CosignSignatures::parse_lines("{\"Base64Signature\":\"cA==\",\"Payload\":\"*\"}")
            .unwrap_err();
        assert_eq!(err.path(), "[0].Payload");
        let err = CosignSignatures::parse_lines("{\"Base64Signature\":1,\"Payload\":\"cA==\"}")
            .unwrap_err();
        assert_eq!(err.path(), "[0].Base64Signature");
        let err = CosignSignatures::parse_lines("not json").unwrap_err();
        assert_eq!(err.path(), "[0]");
        let err = CosignSignatures::parse_lines("[1]").unwrap_err();
        assert_eq!(err.path(), "[0]");
    }

    #[test]
    fn sizes_and_counts_are_bounded() {
        let big = line(&[1u8; MAX_COSIGN_SIGNATURE_BYTES + 1], b"p");
        let err = CosignSignatures::parse_lines(&big).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Limit);
        assert_eq!(err.path(), "[0].Base64Signature");
        let many = vec![line(b"s", b"p"); MAX_COSIGN_SIGNATURES + 1].join("\n");
        let err = CosignSignatures::parse_lines(&many).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Limit);
    }
}
