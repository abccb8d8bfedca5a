//! Newtypes for the resource names and identifiers that must not be confused with each other.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

// The names are shared, not copied: a decision names its attestors and keys many times over, and
// cloning an `Arc<str>` costs no allocation.

/// `projects/PROJECT/attestors/ATTESTOR`: the name of an attestor resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttestorName(Arc<str>);

/// `projects/PROJECT/notes/NOTE`: the Grafeas note an attestor's attestations are filed under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoteName(Arc<str>);

/// The identifier of one attestor public key, compared byte-for-byte with a signature's
/// `publicKeyId`. It is only a lookup hint: a matching id never makes a signature valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(Arc<str>);

/// How a decision names an attestation occurrence: its resource name, or its resource URI when
/// it has no name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OccurrenceLabel(Arc<str>);

impl OccurrenceLabel {
    /// Wraps a label.
    pub fn new(s: &str) -> Self {
        OccurrenceLabel(Arc::from(s))
    }

    /// The label as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
        is_resource_name(s, "attestors").then(|| AttestorName(Arc::from(s)))
    }

    /// The full resource name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl NoteName {
    /// Parses `projects/P/notes/N`; `None` when the string has another form.
    pub fn parse(s: &str) -> Option<Self> {
        is_resource_name(s, "notes").then(|| NoteName(Arc::from(s)))
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
        KeyId(Arc::from(s.into()))
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
display_as_str!(AttestorName, NoteName, KeyId, OccurrenceLabel);

macro_rules! serialize_as_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    )*};
}
serialize_as_str!(AttestorName, NoteName, KeyId, OccurrenceLabel);

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
