//! Newtypes for the resource names and identifiers that must not be confused with each other.

use std::fmt;

use serde::Serialize;

/// `projects/PROJECT/attestors/ATTESTOR`: the name of an attestor resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AttestorName(String);

/// `projects/PROJECT/notes/NOTE`: the Grafeas note an attestor's attestations are filed under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct NoteName(String);

/// The identifier of one attestor public key, compared byte-for-byte with a signature's
/// `publicKeyId`. It is only a lookup hint: a matching id never makes a signature valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct KeyId(String);

/// Checks `projects/{id}/{collection}/{id}` with GCP's resource id alphabet.
fn is_resource_name(s: &str, collection: &str) -> bool {
    let mut parts = s.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("projects"), Some(project), Some(c), Some(id), None)
            if c == collection && is_segment(project) && is_segment(id)
    )
}

fn is_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

impl AttestorName {
    /// Parses `projects/P/attestors/A`; `None` when the string has another form.
    pub fn parse(s: &str) -> Option<Self> {
        is_resource_name(s, "attestors").then(|| AttestorName(s.to_owned()))
    }

    /// The full resource name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl NoteName {
    /// Parses `projects/P/notes/N`; `None` when the string has another form.
    pub fn parse(s: &str) -> Option<Self> {
        is_resource_name(s, "notes").then(|| NoteName(s.to_owned()))
    }

    /// The full resource name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl KeyId {
    /// Wraps a key id. Ids are opaque strings compared exactly; an empty id is never created
    /// (blank ids are replaced by the default id derived from the key).
    pub fn new(s: impl Into<String>) -> Self {
        KeyId(s.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
display_as_str!(AttestorName, NoteName, KeyId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestor_names_have_four_segments() {
        assert!(AttestorName::parse("projects/acme/attestors/built-by-ci").is_some());
        assert!(AttestorName::parse("projects/acme/attestors/").is_none());
        assert!(AttestorName::parse("projects/acme/notes/built-by-ci").is_none());
        assert!(AttestorName::parse("projects/acme/attestors/a/b").is_none());
        assert!(AttestorName::parse("built-by-ci").is_none());
        assert!(AttestorName::parse("projects/acme/attestors/a*").is_none());
    }

    #[test]
    fn note_names_have_four_segments() {
        assert!(NoteName::parse("projects/acme/notes/n").is_some());
        assert!(NoteName::parse("providers/acme/notes/n").is_none());
    }
}
