//! Newtypes for the resource names and identifiers that must not be confused with each other.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

// The names are shared, not copied: a decision names its attestors and keys many times over, and
// cloning an `Arc<str>` costs no allocation.

/// `projects/PROJECT/attestors/ATTESTOR`: the name of an attestor resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttestorName(Arc<str>);

/// `projects/PROJECT/notes/NOTE`: the Grafeas note an attestor's attestations are filed under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoteName(Arc<str>);

/// The identifier of one attestor public key, compared byte-for-byte with a signature's
/// `publicKeyId`. It is only a lookup hint: a matching id never makes a signature valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyId(Arc<str>);

/// How a decision names an attestation occurrence: its resource name, or its resource URI when
/// it has no name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// Why `project` (the text between `projects/` and the next `/` of a resource name) cannot name
/// a GCP project, or `None` when it can.
///
/// GCP documents a project id as 6 to 30 lower-case letters, digits and hyphens, starting with a
/// letter and not ending with a hyphen (Resource Manager, "Creating and managing projects");
/// resource names also take the project number (`projects/415104041262`), and legacy
/// domain-scoped projects are `DOMAIN:ID` (`example.com:my-project`; Artifact Registry,
/// "Domain-scoped projects"). The minimum of 6 is not enforced: binauthz's own examples and
/// conformance vectors use the project `acme` (spec/README.md §2).
pub(crate) fn project_problem(project: &str) -> Option<&'static str> {
    if project.is_empty() {
        return Some("is empty");
    }
    if project.bytes().all(|b| b.is_ascii_digit()) {
        // A project number: GCP's are int64.
        return (project.len() > 19).then_some("is a number too long to be a project number");
    }
    let (domain, id) = match project.split_once(':') {
        Some((domain, id)) => (Some(domain), id),
        None => (None, project),
    };
    if let Some(domain) = domain {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !domain.contains('.') || !domain.split('.').all(label_ok) {
            return Some("has a domain before `:` that is not a lower-case domain name");
        }
    }
    if id
        .bytes()
        .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        return Some(if id.bytes().any(|b| b.is_ascii_uppercase()) {
            "has upper-case letters"
        } else {
            "has characters other than lower-case letters, digits and hyphens"
        });
    }
    if !id.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
        return Some("does not start with a letter");
    }
    if id.ends_with('-') {
        return Some("ends with a hyphen");
    }
    if id.len() > 30 {
        return Some("is longer than 30 characters");
    }
    None
}

/// The rule a project id breaks, as a sentence for an error or lint message: "`PROJECT_ID` is
/// not a GCP project id: it has upper-case letters (…)".
pub(crate) fn project_message(project: &str, problem: &str) -> String {
    format!(
        "`{project}` is not a GCP project id: it {problem} (a project id is lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 30 characters; a project number or a domain-scoped DOMAIN:ID is also accepted)"
    )
}

/// The project of a resource name `projects/PROJECT/...` (`None` for another form).
pub(crate) fn project_of(name: &str) -> Option<&str> {
    name.strip_prefix("projects/")?.split('/').next()
}

/// Upper-case words that templates use for a value to fill in, besides `WORDS_WITH_UNDERSCORES`.
const PLACEHOLDER_WORDS: [&str; 10] = [
    "PROJECT",
    "ATTESTOR",
    "NOTE",
    "CLUSTER",
    "LOCATION",
    "REGION",
    "ZONE",
    "NAMESPACE",
    "REPOSITORY",
    "IMAGE",
];

/// The first template placeholder left in `text`: `${VAR}`, `$VAR`, `{{ var }}`, `{var}`,
/// `<var>`, an upper-case word with an underscore (`PROJECT_ID`), or an upper-case word templates
/// use (`PROJECT`). GCP's names are lower case, so such text names nothing that exists.
pub(crate) fn placeholder(text: &str) -> Option<&str> {
    let enclosed = |open: &str, close: &str| -> Option<&str> {
        let start = text.find(open)?;
        let rest = text.get(start + open.len()..)?;
        let end = start + open.len() + rest.find(close)? + close.len();
        text.get(start..end)
    };
    if let Some(found) = enclosed("${", "}")
        .or_else(|| enclosed("{{", "}}"))
        .or_else(|| enclosed("{", "}"))
        .or_else(|| enclosed("<", ">"))
    {
        return Some(found);
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut word_start = None;
    // A sentinel separator at the end closes the last word.
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if is_word(c) {
            word_start.get_or_insert(i);
            continue;
        }
        let Some(start) = word_start.take() else {
            continue;
        };
        let word = text.get(start..i).unwrap_or_default();
        if let Some(dollar) = start.checked_sub(1)
            && text.get(dollar..start) == Some("$")
            && word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            return text.get(dollar..i);
        }
        let upper = word.starts_with(|c: char| c.is_ascii_uppercase())
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && word.chars().filter(char::is_ascii_uppercase).count() >= 2;
        if upper && (word.contains('_') || PLACEHOLDER_WORDS.contains(&word)) {
            return Some(word);
        }
    }
    None
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

/// Why `id` is not an RFC 3986 URI-reference (§4.1), or `None` when it is one.
///
/// GCP requires a PKIX key's id to be "a valid RFC 3986 URI", yet gcloud names Cloud KMS keys
/// `//cloudkms.googleapis.com/v1/projects/…`, a network-path reference without a scheme; so the
/// rule GCP applies must be RFC 3986's URI-reference (a URI, or a relative reference such as
/// `//host/path` or `my-key`). An IP literal's text between `[` and `]` is checked for its
/// characters only.
pub(crate) fn uri_reference_problem(id: &str) -> Option<String> {
    uri_reference(id).err()
}

fn uri_reference(id: &str) -> Result<(), String> {
    let (rest, fragment) = match id.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (id, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    for part in [query, fragment].into_iter().flatten() {
        uri_chars(part, b":@/?")?;
    }
    // A `:` before the first `/` ends a scheme; a relative reference may not have one there.
    let first_segment = rest.split('/').next().unwrap_or_default();
    let hier = match first_segment.split_once(':') {
        Some((scheme, _)) => {
            let scheme_ok = scheme
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
            if !scheme_ok {
                return Err(format!(
                    "has `{scheme}:`, which is not a URI scheme (a letter, then letters, digits, `+`, `-` or `.`), and a reference without a scheme may not have `:` before its first `/`"
                ));
            }
            rest.get(scheme.len() + 1..).unwrap_or_default()
        }
        None => rest,
    };
    let path = match hier.strip_prefix("//") {
        Some(after) => {
            let (authority, path) = after.split_at(after.find('/').unwrap_or(after.len()));
            uri_authority(authority)?;
            path
        }
        None => hier,
    };
    uri_chars(path, b":@/")
}

/// `[ userinfo "@" ] host [ ":" port ]`.
fn uri_authority(authority: &str) -> Result<(), String> {
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    if let Some(userinfo) = userinfo {
        uri_chars(userinfo, b":")?;
    }
    let port = if let Some(literal) = host_port.strip_prefix('[') {
        let Some((inside, after)) = literal.split_once(']') else {
            return Err("has an IP literal `[` without its `]`".to_owned());
        };
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| is_unreserved(b) || is_sub_delim(b) || b == b':')
        {
            return Err(format!("has a malformed IP literal `[{inside}]`"));
        }
        if !(after.is_empty() || after.starts_with(':')) {
            return Err(format!(
                "has `{after}` after an IP literal, where only `:PORT` may follow"
            ));
        }
        after.strip_prefix(':')
    } else {
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        uri_chars(host, b"")?;
        port
    };
    match port {
        Some(port) if !port.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("has the port `{port}`, which is not a number"))
        }
        _ => Ok(()),
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// Checks that `s` holds only unreserved characters, sub-delimiters, `extra` and `%XX` escapes.
fn uri_chars(s: &str, extra: &[u8]) -> Result<(), String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let escape = bytes.get(i + 1..i + 3);
            if !escape.is_some_and(|e| e.iter().all(u8::is_ascii_hexdigit)) {
                return Err("has a `%` that is not followed by two hex digits".to_owned());
            }
            i += 3;
            continue;
        }
        if !(is_unreserved(b) || is_sub_delim(b) || extra.contains(&b)) {
            let c = s.get(i..).and_then(|t| t.chars().next()).unwrap_or('?');
            return Err(format!(
                "has {}, which a URI holds only percent-encoded",
                crate::untrusted::escape(&format!("`{c}`"))
            ));
        }
        i += 1;
    }
    Ok(())
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
serialize_as_str!(AttestorName, NoteName);

// A key id in a decision may be a signature's `publicKeyId`, and an occurrence label an
// occurrence's name: whoever files the occurrence chooses them, and a decision writes them once
// per reason and image. Written whole, one 8 MiB `publicKeyId` made a decision of 1,024 images
// 16 GB; so they are written cut as messages quote them (spec §7.2), though not escaped.
macro_rules! serialize_cut {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&crate::untrusted::cut(&self.0))
            }
        }
    )*};
}
serialize_cut!(KeyId, OccurrenceLabel);

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
    fn key_ids_are_uri_references() {
        for ok in [
            "//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/1",
            "ni:///sha-256;47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
            "nih:///sha-256;e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "gcpkms://projects/acme/locations/global/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/1",
            "https://example.com:8443/keys/1?v=2#main",
            "//[2001:db8::1]:443/k",
            "my-key",
            "rsa_pss_2048",
            "keys/2024%2F01",
            "mailto:security@example.com",
        ] {
            assert_eq!(uri_reference_problem(ok), None, "{ok}");
        }
        for bad in [
            ":{invalid-key-id}",
            "{invalid-key-id}",
            "key id",
            "a\nb",
            "1ab:cd",
            "k%2",
            "https://host:port/x",
            "//[::1/x",
            "ni:///sha-256;<hash>",
            "gcpkms://projects/p/keys/\u{e9}",
        ] {
            assert!(uri_reference_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(
            uri_reference_problem(":{invalid-key-id}").unwrap(),
            "has `:`, which is not a URI scheme (a letter, then letters, digits, `+`, `-` or `.`), and a reference without a scheme may not have `:` before its first `/`"
        );
    }

    #[test]
    fn default_key_ids_are_uri_references() {
        assert_eq!(
            uri_reference_problem(&crate::crypto::default_key_id_for_spki_der(b"x")),
            None
        );
    }

    #[test]
    fn project_ids_follow_gcp_s_grammar() {
        for ok in [
            "my-project",
            "tokyo-rain-123",
            "acme",
            "p",
            "415104041262",
            "example.com:my-project",
            "a23456789012345678901234567890",
        ] {
            assert_eq!(project_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("", "is empty"),
            ("PROJECT_ID", "has upper-case letters"),
            ("My-Project", "has upper-case letters"),
            (
                "my_project",
                "has characters other than lower-case letters, digits and hyphens",
            ),
            (
                "${project}",
                "has characters other than lower-case letters, digits and hyphens",
            ),
            ("1project", "does not start with a letter"),
            ("-project", "does not start with a letter"),
            ("project-", "ends with a hyphen"),
            (
                "a234567890123456789012345678901",
                "is longer than 30 characters",
            ),
            (
                "12345678901234567890",
                "is a number too long to be a project number",
            ),
            (
                "example:my-project",
                "has a domain before `:` that is not a lower-case domain name",
            ),
            (
                "Example.com:my-project",
                "has a domain before `:` that is not a lower-case domain name",
            ),
            ("example.com:My-project", "has upper-case letters"),
        ] {
            assert_eq!(project_problem(bad), Some(why), "{bad}");
        }
    }

    #[test]
    fn placeholders_left_by_templates() {
        for (text, found) in [
            ("projects/PROJECT_ID/policy", "PROJECT_ID"),
            ("projects/${PROJECT_ID}/attestors/a", "${PROJECT_ID}"),
            ("gcr.io/$PROJECT/app@*", "$PROJECT"),
            ("projects/{{ project }}/notes/n", "{{ project }}"),
            ("projects/{project}/attestors/{attestor}", "{project}"),
            ("projects/<your-project>/policy", "<your-project>"),
            ("us-central1-a.CLUSTER_NAME", "CLUSTER_NAME"),
            ("projects/my-project/attestors/ATTESTOR", "ATTESTOR"),
        ] {
            assert_eq!(placeholder(text), Some(found), "{text}");
        }
        for text in [
            "projects/my-project/attestors/built-by-ci",
            "gcr.io/acme/app:V1",
            "us-docker.pkg.dev/acme/base/*",
            "projects/p/attestors/CI",
            "//cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/ci",
            "us-central1-a.Prod_Cluster",
        ] {
            assert_eq!(placeholder(text), None, "{text}");
        }
    }

    #[test]
    fn project_of_a_resource_name() {
        assert_eq!(project_of("projects/acme/attestors/a"), Some("acme"));
        assert_eq!(project_of("projects//policy"), Some(""));
        assert_eq!(project_of("locations/global/policy"), None);
    }

    #[test]
    fn note_names_have_four_segments() {
        assert!(NoteName::parse("projects/acme/notes/n").is_some());
        assert!(NoteName::parse("providers/acme/notes/n").is_none());
    }
}
