//! `admissionWhitelistPatterns` and Google's system-image exemptions (spec/README.md §3).

use std::fmt;

use serde::Serialize;

mod index;

pub(crate) use index::AllowlistIndex;

/// A validated allowlist pattern: an exact image string, or a prefix followed by `*` (the rest
/// may not contain `/`) or `**` (anything).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct AllowlistPattern {
    pattern: String,
    kind: Wildcard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Wildcard {
    Exact,
    Segment,
    Prefix,
}

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern is empty.
    #[error("pattern is empty")]
    Empty,
    /// A `*` appears before the end, or more than two trailing `*`.
    #[error(
        "pattern `{0}` has a wildcard that is not at the end (only a trailing `*` or `**` is allowed)"
    )]
    MisplacedWildcard(String),
    /// The wildcard could match part of the registry host.
    #[error(
        "pattern `{0}` puts a wildcard in the registry host; wildcards are allowed only after `registry/` (or in the tag of a local image)"
    )]
    WildcardInRegistry(String),
    /// Whitespace or control characters.
    #[error("pattern `{0}` contains whitespace or control characters")]
    BadCharacter(String),
}

impl AllowlistPattern {
    /// Validates a pattern with GCP's rules.
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        if pattern.is_empty() {
            return Err(PatternError::Empty);
        }
        if pattern.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(PatternError::BadCharacter(
                pattern.escape_debug().to_string(),
            ));
        }
        let (prefix, kind) = if let Some(p) = pattern.strip_suffix("**") {
            (p, Wildcard::Prefix)
        } else if let Some(p) = pattern.strip_suffix('*') {
            (p, Wildcard::Segment)
        } else {
            (pattern, Wildcard::Exact)
        };
        if prefix.contains('*') {
            return Err(PatternError::MisplacedWildcard(pattern.to_owned()));
        }
        if kind != Wildcard::Exact && !(prefix.contains('/') || prefix.contains([':', '@'])) {
            return Err(PatternError::WildcardInRegistry(pattern.to_owned()));
        }
        Ok(AllowlistPattern {
            pattern: pattern.to_owned(),
            kind,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether `image` (the reference exactly as written) matches.
    pub fn matches(&self, image: &str) -> bool {
        image
            .strip_prefix(self.prefix())
            .is_some_and(|rest| self.matches_rest(rest))
    }

    /// The pattern without its wildcard: every image it matches starts with this.
    pub(crate) fn prefix(&self) -> &str {
        let wildcard = match self.kind {
            Wildcard::Exact => 0,
            Wildcard::Segment => 1,
            Wildcard::Prefix => 2,
        };
        self.pattern
            .get(..self.pattern.len() - wildcard)
            .unwrap_or("")
    }

    /// Whether the wildcard accepts `rest`, what follows [`Self::prefix`] in an image.
    pub(crate) fn matches_rest(&self, rest: &str) -> bool {
        match self.kind {
            Wildcard::Exact => rest.is_empty(),
            Wildcard::Segment => !rest.contains('/'),
            Wildcard::Prefix => true,
        }
    }
}

impl fmt::Display for AllowlistPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

impl From<AllowlistPattern> for String {
    fn from(p: AllowlistPattern) -> String {
        p.pattern
    }
}

/// The Google system-image paths that `globalPolicyEvaluationMode: ENABLE` exempts. Google does
/// not publish its system policy; these are exactly the paths its docs name, nothing more.
pub const SYSTEM_IMAGE_PATTERNS: [&str; 6] = [
    "gcr.io/google-containers/*",
    "gcr.io/google_containers/*",
    "k8s.gcr.io/**",
    "gke.gcr.io/**",
    "gcr.io/gke-release/asm/*",
    "gcr.io/stackdriver-agents/*",
];

/// The system pattern that `image` matches, if any.
pub fn system_image_match(image: &str) -> Option<&'static str> {
    SYSTEM_IMAGE_PATTERNS
        .into_iter()
        .find(|p| AllowlistPattern::parse(p).is_ok_and(|pattern| pattern.matches(image)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, image: &str) -> bool {
        AllowlistPattern::parse(p).unwrap().matches(image)
    }

    #[test]
    fn exact_patterns_match_the_whole_string_only() {
        assert!(m("gcr.io/p/helloworld", "gcr.io/p/helloworld"));
        assert!(!m("gcr.io/p/helloworld", "gcr.io/p/helloworld:latest"));
        assert!(!m("gcr.io/p/helloworld", "gcr.io/p/helloworld2"));
    }

    #[test]
    fn single_star_does_not_cross_a_slash() {
        assert!(m("gcr.io/p/nginx*", "gcr.io/p/nginx:latest"));
        assert!(m("gcr.io/p/nginx*", "gcr.io/p/nginx@sha256:00"));
        assert!(m("gcr.io/p/nginx*", "gcr.io/p/nginx"));
        assert!(!m("gcr.io/p/nginx*", "gcr.io/p/nginx-images/nginx"));
        assert!(m("gcr.io/p/*", "gcr.io/p/anything:1"));
        assert!(!m("gcr.io/p/*", "gcr.io/p/a/b"));
    }

    #[test]
    fn double_star_is_a_plain_prefix() {
        assert!(m("gcr.io/p/nginx**", "gcr.io/p/nginx-1.14.2/image:latest"));
        assert!(m(
            "gcr.io/my-project**",
            "gcr.io/my-project-exploit/nginx-exploit"
        ));
        assert!(!m("gcr.io/p/**", "gcr.io/q/x"));
    }

    #[test]
    fn version_wildcards() {
        assert!(m("gcr.io/p/app@*", "gcr.io/p/app@sha256:abc"));
        assert!(!m("gcr.io/p/app@*", "gcr.io/p/app:1"));
        assert!(m("gcr.io/p/app:v1.*", "gcr.io/p/app:v1.2"));
        assert!(m("local-image-3:tag*", "local-image-3:tag-any"));
        assert!(!m("local-image-3:tag*", "local-image-3:1tag"));
    }

    #[test]
    fn invalid_patterns_are_rejected() {
        for p in [
            "",
            "*",
            "**",
            "gcr.io*",
            "gcr.io**",
            "gcr.io/a*b",
            "gcr.io/a***",
            "a b/*",
            "*/x",
        ] {
            assert!(AllowlistPattern::parse(p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn system_images() {
        assert_eq!(
            system_image_match("gke.gcr.io/kube-proxy:v1"),
            Some("gke.gcr.io/**")
        );
        assert_eq!(
            system_image_match("k8s.gcr.io/a/b:c"),
            Some("k8s.gcr.io/**")
        );
        assert_eq!(system_image_match("gcr.io/google-containers/a/b"), None);
        assert_eq!(system_image_match("gcr.io/acme/app"), None);
    }
}
