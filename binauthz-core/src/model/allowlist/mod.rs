//! `admissionWhitelistPatterns` and Google's system-image exemptions (spec/README.md §3).

use std::fmt;

use serde::Serialize;

mod index;

pub(crate) use index::AllowlistIndex;

/// A validated allowlist pattern: an exact image string, or a prefix followed by `*` (the rest
/// may not contain `/`) or `**` (anything). A wildcard never reaches into the registry: the image
/// it matches has the pattern's registry (the text before the first `/`), or, for a `*` after a
/// local reference's `:` or `@`, no `/` at all.
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
    /// The wildcard could match part of the registry host or port: a `**` with no `/` before
    /// it, or a `*` with no `/`, `:` or `@` before it.
    #[error(
        "pattern `{0}` has a wildcard that could match another registry or port: wildcards are allowed only after `registry/`, so the text before `**` must contain a `/`, and the text before `*` a `/` or a local image's `:` or `@` (as in `local-image:*`); write `registry/path/**` or `registry/path/*`"
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
        // GCP allows wildcards only after `registry/`. A `**` crosses `/`, so without a `/`
        // before it the registry is unfinished: `gcr.io:**` matches `gcr.io:443/attacker/x`.
        // A `*` never crosses `/`, so with no `/` before it the pattern can only match a local
        // reference (no `/` at all), which GCP allows after the reference's `:` or `@`
        // (`local-image:*`).
        let registry_complete = prefix.contains('/');
        let in_registry = match kind {
            Wildcard::Exact => false,
            Wildcard::Segment => !registry_complete && !prefix.contains([':', '@']),
            Wildcard::Prefix => !registry_complete,
        };
        if in_registry {
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
            // `parse` accepts `**` only after a `/`; checked again here so that a wildcard can
            // never put a `/` after an unfinished registry, whatever `parse` lets through.
            Wildcard::Prefix => self.prefix().contains('/') || !rest.contains('/'),
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

/// Whether an allowlist pattern names a tag (`app:1.2`, `app:*`, `app:1@sha256:…`): Cloud Run
/// refuses such patterns, so on Cloud Run binauthz never matches them (fail closed).
pub(crate) fn pattern_names_tag(pattern: &str) -> bool {
    let last = pattern.rsplit('/').next().unwrap_or(pattern);
    let name = last.split('@').next().unwrap_or(last);
    name.contains(':')
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

    /// GCP's documented forms (spec §3): a wildcard after `registry/`, and a local reference's
    /// wildcard after its `:` or `@`.
    #[test]
    fn documented_wildcard_forms_are_accepted() {
        for p in [
            "gcr.io/p/*",
            "gcr.io/p/**",
            "gcr.io/p/img:*",
            "gcr.io/p/img@*",
            "local-image:*",
            "local-image-3:tag*",
            "gcr.io/p**",
        ] {
            assert!(AllowlistPattern::parse(p).is_ok(), "{p}");
        }
    }

    /// Issue 13: these were accepted, and `gcr.io:**` admitted `gcr.io:443/attacker/x`.
    #[test]
    fn a_wildcard_that_could_reach_another_registry_or_port_is_rejected() {
        for p in [
            "gcr.io:**",
            "local-image:**",
            "localhost:5000**",
            "nginx@**",
        ] {
            let e = AllowlistPattern::parse(p).unwrap_err();
            assert_eq!(e, PatternError::WildcardInRegistry(p.to_owned()));
            let message = e.to_string();
            assert!(message.contains(&format!("pattern `{p}`")), "{message}");
            assert!(message.contains("another registry or port"), "{message}");
            assert!(message.contains("`registry/path/**`"), "{message}");
        }
    }

    #[test]
    fn a_star_with_no_slash_before_it_matches_only_local_references() {
        assert!(m("gcr.io:*", "gcr.io:443"));
        assert!(!m("gcr.io:*", "gcr.io:443/attacker/x"));
        assert!(m("localhost:5000*", "localhost:50001"));
        assert!(!m("localhost:5000*", "localhost:50001/x"));
        assert!(m("local-image:*", "local-image:dev"));
        assert!(!m("local-image:*", "local-image:5000/evil/x"));
    }

    /// `matches` keeps the registry fixed on its own, even for a pattern `parse` would refuse.
    #[test]
    fn a_double_star_never_completes_an_unfinished_registry() {
        let p = AllowlistPattern {
            pattern: "gcr.io:**".to_owned(),
            kind: Wildcard::Prefix,
        };
        assert!(!p.matches("gcr.io:443/attacker/x"));
        assert!(p.matches("gcr.io:443"));
        assert!(m("gcr.io/p**", "gcr.io/p-exploit/x"));
        assert!(!m("gcr.io/p**", "gcr.io.evil/p/x"));
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
