//! The simple-signing payload that attestation signatures cover (spec/README.md §6).

use serde_json::Value;

use crate::model::digest::Digest;
use crate::model::image::strip_scheme;
use crate::text::document::Strict;

/// The `critical.type` gcloud writes.
pub const PAYLOAD_TYPE: &str = "Google cloud binauthz container signature";

/// Why an artifact URL cannot be turned into a payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The URL has no `@` digest part.
    #[error("artifact URL `{0}` has no digest; expected REGISTRY/PATH@sha256:<64 hex digits>")]
    MissingDigest(String),
    /// The digest is not `sha256:` + 64 lower-case hex digits (gcloud's wording).
    #[error(
        "invalid digest: {digest}, must be `sha256:` followed by 64 lower-case hex digits ({len} characters given, 71 expected)"
    )]
    InvalidDigest {
        /// The digest as given.
        digest: String,
        /// Its length.
        len: usize,
    },
    /// Nothing before the `@`.
    #[error("artifact URL `{0}` has no repository before the digest")]
    MissingRepository(String),
}

/// Builds the payload bytes exactly as `gcloud container binauthz create-signature-payload
/// --artifact-url=URL` prints them: scheme stripped, tag dropped, keys sorted, two-space indent,
/// ASCII only, one trailing newline.
pub fn create_signature_payload(artifact_url: &str) -> Result<String, PayloadError> {
    let url = strip_scheme(artifact_url.trim());
    let (name, digest_text) = url
        .rsplit_once('@')
        .ok_or_else(|| PayloadError::MissingDigest(artifact_url.to_owned()))?;
    let digest = Digest::parse(digest_text).ok_or_else(|| PayloadError::InvalidDigest {
        digest: digest_text.to_owned(),
        len: digest_text.len(),
    })?;
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let repository = match name.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(i) => name.get(..last_slash + i).unwrap_or(name),
        None => name,
    };
    if repository.is_empty() {
        return Err(PayloadError::MissingRepository(artifact_url.to_owned()));
    }
    Ok(format!(
        "{{\n  \"critical\": {{\n    \"identity\": {{\n      \"docker-reference\": {}\n    }},\n    \"image\": {{\n      \"docker-manifest-digest\": {}\n    }},\n    \"type\": {}\n  }}\n}}\n",
        python_json_string(repository),
        python_json_string(&digest.to_string()),
        python_json_string(PAYLOAD_TYPE),
    ))
}

/// A JSON string literal as Python's `json.dumps(..., ensure_ascii=True)` writes it.
fn python_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// What is wrong with a payload whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadProblem {
    /// Not a JSON object.
    #[error("the signed payload is not a JSON object ({0})")]
    NotJson(String),
    /// An object of the payload has this key twice. JSON readers disagree about which of the two
    /// values counts (most keep the last, some the first, some refuse the payload), so a payload
    /// one reader takes as attesting one digest could attest another to a second reader.
    #[error("the signed payload has the key `{0}` twice in one object")]
    DuplicateKey(String),
    /// No string at `critical.image.docker-manifest-digest`.
    #[error("the signed payload has no critical.image.docker-manifest-digest")]
    MissingDigest,
    /// Signed for another digest.
    #[error("the payload is signed for {0}, not for the image's digest")]
    DigestMismatch(String),
}

/// Checks that a signed payload names `digest` in `critical.image.docker-manifest-digest`.
/// `critical.identity.docker-reference` and `critical.type` are deliberately not compared.
///
/// The payload is read strictly: a key that appears twice in any object makes it
/// `PayloadProblem::DuplicateKey`, whichever object and whatever the values.
///
/// Only the bytes that were signed are examined, so call this after the signature verified.
pub fn check_payload(payload: &[u8], digest: &Digest) -> Result<(), PayloadProblem> {
    let value = serde_json::from_slice::<Strict>(payload)
        .map_err(|e| match duplicate_key(&e) {
            Some(key) => PayloadProblem::DuplicateKey(key),
            None => PayloadProblem::NotJson(e.to_string()),
        })?
        .0;
    if !value.is_object() {
        return Err(PayloadProblem::NotJson(
            "the payload is not a JSON object".into(),
        ));
    }
    let signed = value
        .pointer("/critical/image/docker-manifest-digest")
        .and_then(Value::as_str)
        .ok_or(PayloadProblem::MissingDigest)?;
    if signed == digest.to_string() {
        Ok(())
    } else {
        Err(PayloadProblem::DigestMismatch(signed.to_owned()))
    }
}

/// The key [`Strict`] refused as a duplicate, from its error: serde_json reports a visitor's
/// error as a data error whose text is the visitor's message followed by ` at line L column C`.
/// Syntax and end-of-input errors are other categories, and [`Strict`] raises no other data
/// error, so any other error is not about a duplicate.
pub(crate) fn duplicate_key(e: &serde_json::Error) -> Option<String> {
    if e.classify() != serde_json::error::Category::Data {
        return None;
    }
    let text = e.to_string();
    let rest = text.strip_prefix("duplicate key `")?;
    // The key may itself hold "` in one object", so the last occurrence ends it.
    let end = rest.rfind("` in one object")?;
    rest.get(..end).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";

    /// The exact bytes gcloud prints for this URL (GCP docs and gcloud's unit test).
    #[test]
    fn payload_is_byte_identical_to_gcloud() {
        let url = format!("us-docker.pkg.dev/google-samples/containers/gke/hello-app@sha256:{HEX}");
        let expected = format!(
            "{{\n  \"critical\": {{\n    \"identity\": {{\n      \"docker-reference\": \"us-docker.pkg.dev/google-samples/containers/gke/hello-app\"\n    }},\n    \"image\": {{\n      \"docker-manifest-digest\": \"sha256:{HEX}\"\n    }},\n    \"type\": \"Google cloud binauthz container signature\"\n  }}\n}}\n"
        );
        assert_eq!(create_signature_payload(&url).unwrap(), expected);
    }

    #[test]
    fn scheme_and_tag_are_dropped() {
        let a = create_signature_payload(&format!("https://gcr.io/p/app:v1@sha256:{HEX}")).unwrap();
        let b = create_signature_payload(&format!("gcr.io/p/app@sha256:{HEX}")).unwrap();
        assert_eq!(a, b);
        let c = create_signature_payload(&format!("localhost:5000/app@sha256:{HEX}")).unwrap();
        assert!(c.contains("\"localhost:5000/app\""));
    }

    #[test]
    fn urls_without_a_valid_digest_are_rejected() {
        assert!(matches!(
            create_signature_payload("gcr.io/p/app:v1"),
            Err(PayloadError::MissingDigest(_))
        ));
        assert!(matches!(
            create_signature_payload("gcr.io/p/app@sha256:123"),
            Err(PayloadError::InvalidDigest { .. })
        ));
        assert!(create_signature_payload(&format!("@sha256:{HEX}")).is_err());
    }

    #[test]
    fn python_escaping() {
        assert_eq!(
            python_json_string("a\"b\\c\u{1}é😀"),
            "\"a\\\"b\\\\c\\u0001\\u00e9\\ud83d\\ude00\""
        );
    }

    #[test]
    fn payload_check() {
        let d = Digest::parse(&format!("sha256:{HEX}")).unwrap();
        let p = create_signature_payload(&format!("gcr.io/p/app@sha256:{HEX}")).unwrap();
        assert_eq!(check_payload(p.as_bytes(), &d), Ok(()));
        let other = Digest::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
        assert!(matches!(
            check_payload(p.as_bytes(), &other),
            Err(PayloadProblem::DigestMismatch(_))
        ));
        assert!(matches!(
            check_payload(b"not json", &d),
            Err(PayloadProblem::NotJson(_))
        ));
        assert!(matches!(
            check_payload(b"[1]", &d),
            Err(PayloadProblem::NotJson(_))
        ));
        assert_eq!(
            check_payload(b"{\"critical\":{}}", &d),
            Err(PayloadProblem::MissingDigest)
        );
    }

    /// Issue 13: read last-wins, a payload attesting D2 first and D1 last admitted D1, while a
    /// first-wins reader takes the same signed bytes as attesting D2. A duplicate key in any
    /// object makes the payload count for no digest.
    #[test]
    fn a_payload_with_a_duplicate_key_counts_for_no_digest() {
        let d1 = Digest::parse(&format!("sha256:{HEX}")).unwrap();
        let d2 = format!("sha256:{}", "0".repeat(64));
        let two_digests = format!(
            "{{\"critical\": {{\"image\": {{\"docker-manifest-digest\": \"{d2}\", \"docker-manifest-digest\": \"{d1}\"}}}}}}"
        );
        assert_eq!(
            check_payload(two_digests.as_bytes(), &d1),
            Err(PayloadProblem::DuplicateKey(
                "docker-manifest-digest".into()
            ))
        );
        let good = create_signature_payload(&format!("gcr.io/p/app@sha256:{HEX}")).unwrap();
        for (duplicated, key) in [
            // Two `critical` objects, the last one naming the image's digest.
            (
                good.replacen(
                    "{\n  \"critical\"",
                    &format!(
                        "{{\n  \"critical\": {{\"image\": {{\"docker-manifest-digest\": \"{d2}\"}}}},\n  \"critical\""
                    ),
                    1,
                ),
                "critical",
            ),
            // A duplicate that has nothing to do with the digest still makes the bytes ambiguous.
            (
                good.replacen("\"type\":", "\"type\": \"x\", \"type\":", 1),
                "type",
            ),
            // An escape spells the same key differently; it is still the same key.
            (
                good.replacen(
                    "\"docker-manifest-digest\"",
                    &format!("\"docker\\u002dmanifest-digest\": \"{d2}\", \"docker-manifest-digest\""),
                    1,
                ),
                "docker-manifest-digest",
            ),
            // A key holding the error's own wording is reported whole.
            (
                good.replacen("\"type\":", "\"a` in one object\": 1, \"a` in one object\": 2, \"type\":", 1),
                "a` in one object",
            ),
        ] {
            assert_eq!(
                check_payload(duplicated.as_bytes(), &d1),
                Err(PayloadProblem::DuplicateKey(key.into())),
                "{duplicated}"
            );
        }
        // The same key in different objects is not a duplicate.
        let nested = format!(
            "{{\"critical\": {{\"image\": {{\"docker-manifest-digest\": \"{d1}\"}}, \"x\": {{\"image\": 1}}}}}}"
        );
        assert_eq!(check_payload(nested.as_bytes(), &d1), Ok(()));
    }
}
