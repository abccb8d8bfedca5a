//! Container image references as they appear in pod specs and requests.

use std::borrow::Cow;
use std::fmt;

use crate::error::{ErrorCode, InputError, InputResult};
use crate::limits::MAX_IMAGE_REF_BYTES;
use crate::model::digest::Digest;
use crate::untrusted::{escape, shown};

/// An image reference: `[scheme://]registry/path[:tag][@sha256:HEX]`.
///
/// The reference keeps the text as given (allowlist patterns match that text). Its digest is
/// present only when the reference carries a valid sha256 digest; a tag never stands in for one.
///
/// A request may also carry text that is not an image reference at all (an unrendered template
/// such as `gcr.io/{{ .Project }}/app`, which Kubernetes accepts): [`ImageRef::from_request`]
/// keeps it as an *invalid* reference ([`ImageRef::invalid`] says why), which has no repository,
/// tag or digest, so no pattern and no attestation can ever apply to it (spec/README.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    raw: String,
    repository: String,
    tag: Option<String>,
    digest: DigestPart,
    invalid: Option<String>,
}

/// What follows the `@` of a reference, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DigestPart {
    None,
    Valid(Digest),
    Malformed(String),
}

impl ImageRef {
    /// Parses a reference. Fails for text that cannot be an image reference at all (empty, too
    /// long, whitespace, control or non-ASCII characters, nothing before `@`); a missing or
    /// malformed digest is not an error here but a reason to deny under REQUIRE_ATTESTATION.
    pub fn parse(s: &str) -> InputResult<Self> {
        let image = Self::from_request(s)?;
        match &image.invalid {
            None => Ok(image),
            Some(_) if s.is_empty() => Err(InputError::invalid("", "image reference is empty")),
            Some(why) => Err(InputError::invalid(
                "",
                format!(
                    "image reference {} is not valid: {why}",
                    quoted_for_people(s)
                ),
            )),
        }
    }

    /// Reads a reference as a request carries it (spec/README.md §4): text that cannot be an
    /// image reference is not an error but an invalid reference ([`Self::invalid`]), which the
    /// engine decides as an image of its own. Only a reference longer than
    /// [`MAX_IMAGE_REF_BYTES`] is an error (code `limit`): every decision copies the reference
    /// into its image, its audit record and, cut short, its messages, so its length is bounded
    /// like the other sizes of spec §1.
    pub fn from_request(s: &str) -> InputResult<Self> {
        if s.len() > MAX_IMAGE_REF_BYTES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "",
                format!(
                    "image reference is {} bytes long, more than the limit of {MAX_IMAGE_REF_BYTES}",
                    s.len()
                ),
            ));
        }
        if let Some(why) = problem(s) {
            return Ok(ImageRef {
                raw: s.to_owned(),
                repository: String::new(),
                tag: None,
                digest: DigestPart::None,
                invalid: Some(why),
            });
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
        let (repository, tag) = split_tag(name);
        Ok(ImageRef {
            raw: s.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
            invalid: None,
        })
    }

    /// The reference exactly as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Why the text is not an image reference (\"it contains a space\"), for an invalid
    /// reference read by [`Self::from_request`]; `None` for every reference [`Self::parse`]
    /// accepts.
    pub fn invalid(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// The reference as messages for people show it: a valid reference as it is (GCP's denial
    /// text quotes it so); an invalid one in backquotes, escaped and cut short
    /// ([`crate::untrusted::shown`]), since it may hold anything but a line of its own.
    pub fn shown(&self) -> Cow<'_, str> {
        match self.invalid {
            None => Cow::Borrowed(&self.raw),
            Some(_) => Cow::Owned(quoted_for_people(&self.raw)),
        }
    }

    /// The repository (registry and path) without scheme, tag or digest; empty for an invalid
    /// reference.
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

/// An image as a decision's texts show it, given only its text (the audit record has no
/// [`ImageRef`]): what [`ImageRef::shown`] gives for it.
pub(crate) fn shown_image(text: &str) -> Cow<'_, str> {
    if problem(text).is_none() && text.len() <= MAX_IMAGE_REF_BYTES {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(quoted_for_people(text))
    }
}

fn quoted_for_people(text: &str) -> String {
    format!("`{}`", shown(text))
}

/// Why `s` cannot be an image reference, if it cannot. Kubernetes checks only that a
/// container's image is not empty, so a pod spec can carry text no registry could serve.
fn problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".to_owned());
    }
    let rest = strip_scheme(s);
    let what = if let Some(c) = s.chars().find(|c| !c.is_ascii_graphic()) {
        let code = u32::from(c);
        if c == ' ' {
            "it contains a space".to_owned()
        } else if c.is_control() {
            format!("it contains the control character U+{code:04X}")
        } else if c.is_whitespace() || matches!(escape(c.encode_utf8(&mut [0; 4])), Cow::Owned(_)) {
            format!("it contains the invisible character U+{code:04X}")
        } else {
            format!("it contains the non-ASCII character `{c}` (U+{code:04X})")
        }
    } else if rest.is_empty() {
        "it is a scheme without a repository name".to_owned()
    } else if rest.starts_with('@') {
        "it has no repository name before `@`".to_owned()
    } else {
        return None;
    };
    // A template some tool should have rendered is the usual cause (issue 14): say so.
    Some(if s.contains(['{', '}']) {
        format!("{what} (an unrendered template?)")
    } else {
        what
    })
}

/// Removes an `https://` or `http://` prefix (Grafeas resource URIs carry one).
/// Whether the first path segment of a reference is a registry host (as Docker decides it).
pub(crate) fn is_registry_host(segment: &str) -> bool {
    segment.contains(['.', ':']) || segment == "localhost"
}

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

/// The Artifact Registry repository `gcloud run deploy --source` builds into (in the region
/// deployed to), which Binary Authorization policies must exempt for source deploys.
pub(crate) const SOURCE_DEPLOY_REPOSITORY: &str = "cloud-run-source-deploy";

/// Whether an image was built by `gcloud run deploy --source` (or for a Cloud Run function): it
/// lives in Artifact Registry's `REGION-docker.pkg.dev/PROJECT/cloud-run-source-deploy/`.
pub(crate) fn is_source_deploy_image(image: &str) -> bool {
    let text = strip_scheme(image);
    let mut parts = text.split('/');
    let (Some(host), Some(project), Some(repository)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    host.ends_with("-docker.pkg.dev")
        && !project.is_empty()
        && repository == SOURCE_DEPLOY_REPOSITORY
        && parts.next().is_some()
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

    /// Spec §4: what `parse` rejects, a request still carries; it becomes an invalid reference
    /// that says why, with no repository, tag or digest for anything to match or attest.
    #[test]
    fn text_that_is_no_reference_is_kept_as_an_invalid_one() {
        for (text, why) in [
            ("", "it is empty"),
            (
                &format!("gcr.io/{{{{ .Project }}}}/nginx@{D}"),
                "it contains a space (an unrendered template?)",
            ),
            ("gcr.io/p/app\t", "it contains the control character U+0009"),
            (
                "gcr.io/p/\u{200b}app",
                "it contains the invisible character U+200B",
            ),
            (
                "gcr.io/p/\u{a0}app",
                "it contains the invisible character U+00A0",
            ),
            (
                "gcr.io/p/paym\u{e9}nt",
                "it contains the non-ASCII character `\u{e9}` (U+00E9)",
            ),
            ("@sha256:00", "it has no repository name before `@`"),
            ("https://", "it is a scheme without a repository name"),
        ] {
            let image = ImageRef::from_request(text).unwrap();
            assert_eq!(image.invalid(), Some(why), "{text:?}");
            assert_eq!(image.as_str(), text);
            assert_eq!((image.repository(), image.tag()), ("", None), "{text:?}");
            assert!(image.digest().is_none() && image.malformed_digest().is_none());
            assert!(ImageRef::parse(text).is_err(), "{text:?}");
        }
        let valid = ImageRef::from_request(&format!("gcr.io/p/app@{D}")).unwrap();
        assert_eq!(valid, ImageRef::parse(valid.as_str()).unwrap());
        assert_eq!(valid.invalid(), None);
    }

    /// An invalid reference is shown quoted and escaped, so that it cannot start a line of its
    /// own; a valid one as it is, as GCP's denial text shows it.
    #[test]
    fn an_invalid_reference_is_shown_quoted_and_escaped() {
        let forged = ImageRef::from_request("x\nALLOWED gcr.io/p/app").unwrap();
        assert_eq!(forged.shown(), "`x\\u{a}ALLOWED gcr.io/p/app`");
        assert_eq!(shown_image(forged.as_str()), forged.shown());
        let empty = ImageRef::from_request("").unwrap();
        assert_eq!(empty.shown(), "``");
        let valid = format!("gcr.io/p/app@{D}");
        assert_eq!(ImageRef::parse(&valid).unwrap().shown(), valid);
        assert_eq!(shown_image(&valid), valid);
    }

    /// The length limit protects every copy a decision makes, so it stays a request error.
    #[test]
    fn a_reference_over_the_length_limit_is_a_limit_error() {
        let long = format!("gcr.io/p/{}", "a".repeat(MAX_IMAGE_REF_BYTES));
        for e in [
            ImageRef::from_request(&long).unwrap_err(),
            ImageRef::parse(&long).unwrap_err(),
        ] {
            assert_eq!(e.code(), ErrorCode::Limit, "{e}");
            assert!(e.message().contains("more than the limit of 4096"), "{e}");
        }
        let longest = "a".repeat(MAX_IMAGE_REF_BYTES);
        assert!(ImageRef::parse(&longest).is_ok());
    }

    #[test]
    fn scheme_is_stripped_for_parsing() {
        let r = ImageRef::parse(&format!("https://gcr.io/p/app@{D}")).unwrap();
        assert_eq!(r.repository(), "gcr.io/p/app");
        assert_eq!(r.as_str(), format!("https://gcr.io/p/app@{D}"));
    }
}
