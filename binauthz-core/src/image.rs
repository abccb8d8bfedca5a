//! Container image references as they appear in pod specs and requests.

use std::fmt;

use crate::digest::Digest;
use crate::error::{InputError, InputResult};
use crate::limits::MAX_IMAGE_REF_BYTES;

/// An image reference: `[scheme://]registry/path[:tag][@sha256:HEX]`.
///
/// The reference keeps the text as given (allowlist patterns match that text). Its digest is
/// present only when the reference carries a valid sha256 digest; a tag never stands in for one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    raw: String,
    repository: String,
    tag: Option<String>,
    digest: DigestPart,
}

/// What follows the `@` of a reference, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DigestPart {
    None,
    Valid(Digest),
    Malformed(String),
}

impl ImageRef {
    /// Parses a reference. Fails only for text that cannot be an image reference at all (empty,
    /// too long, whitespace, control or non-ASCII characters); a missing or malformed digest is
    /// not an error here but a reason to deny under REQUIRE_ATTESTATION.
    pub fn parse(s: &str) -> InputResult<Self> {
        if s.is_empty() {
            return Err(InputError::invalid("", "image reference is empty"));
        }
        if s.len() > MAX_IMAGE_REF_BYTES {
            return Err(InputError::invalid(
                "",
                format!(
                    "image reference is {} bytes long, more than the limit of {MAX_IMAGE_REF_BYTES}",
                    s.len()
                ),
            ));
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(InputError::invalid(
                "",
                format!(
                    "image reference `{}` contains the character {c:?}, which is not allowed",
                    s.escape_debug()
                ),
            ));
        }
        let without_scheme = strip_scheme(s);
        let (name, digest) = match without_scheme.split_once('@') {
            None => (without_scheme, DigestPart::None),
            Some((name, d)) => (
                name,
                match Digest::parse(d) {
                    Some(digest) => DigestPart::Valid(digest),
                    None => DigestPart::Malformed(d.to_owned()),
                },
            ),
        };
        if name.is_empty() {
            return Err(InputError::invalid(
                "",
                format!("image reference `{s}` has no repository name before `@`"),
            ));
        }
        let (repository, tag) = split_tag(name);
        Ok(ImageRef {
            raw: s.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }

    /// The reference exactly as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The repository (registry and path) without scheme, tag or digest.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, if the reference carries a valid sha256 digest.
    pub fn digest(&self) -> Option<&Digest> {
        match &self.digest {
            DigestPart::Valid(d) => Some(d),
            _ => None,
        }
    }

    /// The text after `@` when it is not a valid sha256 digest.
    pub fn malformed_digest(&self) -> Option<&str> {
        match &self.digest {
            DigestPart::Malformed(d) => Some(d),
            _ => None,
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Removes an `https://` or `http://` prefix (Grafeas resource URIs carry one).
pub(crate) fn strip_scheme(s: &str) -> &str {
    s.strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s)
}

/// Splits `name:tag` where the `:` comes after the last `/` (a `:` before it is a registry port).
fn split_tag(name: &str) -> (&str, Option<&str>) {
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    match name.get(last_slash..).and_then(|last| last.rfind(':')) {
        Some(i) => {
            let at = last_slash + i;
            (name.get(..at).unwrap_or(name), name.get(at + 1..))
        }
        None => (name, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";

    #[test]
    fn digest_reference() {
        let r = ImageRef::parse(&format!("gcr.io/p/app@{D}")).unwrap();
        assert_eq!(r.repository(), "gcr.io/p/app");
        assert_eq!(r.digest().unwrap().to_string(), D);
        assert_eq!(r.tag(), None);
    }

    #[test]
    fn tag_and_digest_is_judged_by_digest() {
        let r = ImageRef::parse(&format!("gcr.io/p/app:v1@{D}")).unwrap();
        assert_eq!(r.repository(), "gcr.io/p/app");
        assert_eq!(r.tag(), Some("v1"));
        assert!(r.digest().is_some());
    }

    #[test]
    fn port_is_not_a_tag() {
        let r = ImageRef::parse("localhost:5000/app").unwrap();
        assert_eq!(r.repository(), "localhost:5000/app");
        assert_eq!(r.tag(), None);
        let r = ImageRef::parse("localhost:5000/app:1").unwrap();
        assert_eq!(r.repository(), "localhost:5000/app");
        assert_eq!(r.tag(), Some("1"));
    }

    #[test]
    fn tag_only_and_malformed_digests_have_no_digest() {
        assert!(
            ImageRef::parse("gcr.io/p/app:latest")
                .unwrap()
                .digest()
                .is_none()
        );
        let bad = ImageRef::parse(&format!("gcr.io/p/app@{}", D.to_uppercase())).unwrap();
        assert!(bad.digest().is_none());
        assert!(bad.malformed_digest().is_some());
    }

    #[test]
    fn garbage_is_rejected() {
        for s in [
            "",
            " ",
            "gcr.io/p/app latest",
            "gcr.io/p/\u{e9}",
            "@sha256:00",
            "a\n",
        ] {
            assert!(ImageRef::parse(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn scheme_is_stripped_for_parsing() {
        let r = ImageRef::parse(&format!("https://gcr.io/p/app@{D}")).unwrap();
        assert_eq!(r.repository(), "gcr.io/p/app");
        assert_eq!(r.as_str(), format!("https://gcr.io/p/app@{D}"));
    }
}
