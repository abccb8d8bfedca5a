//! The patterns of check-based policies that GCP documents: `trustedDirPatterns` and SLSA's
//! `trustedSourceRepoPatterns` (spec/README.md §15.3). `allowPattern` is not documented; it is
//! read as `admissionWhitelistPatterns` ([`crate::model::allowlist::AllowlistPattern`]).

use std::fmt;

use crate::model::image::is_registry_host;

/// A `trustedDirPatterns` entry: `registry/path/to/directory`, where the registry is two or more
/// dot-separated labels and may begin with one `*` that matches part of a subdomain
/// (`*-docker.pkg.dev`, `*.gcr.io`), and the path may end in `*` (the rest of one directory
/// name) or `**` (anything, `/` included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirPattern {
    text: String,
    /// The registry after its leading `*`, if it has one.
    registry_suffix: Option<String>,
    registry: String,
    path: String,
    tail: Tail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    Exact,
    /// `*`: the rest of the directory name, no `/`.
    Segment,
    /// `**`: anything.
    Anything,
}

impl fmt::Display for DirPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

impl DirPattern {
    /// Validates a pattern with GCP's documented grammar; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        plain_text(text, "registry/path/to/directory")?;
        let Some((registry, path)) = text.split_once('/') else {
            return Err("pattern has no directory: write `registry/path/to/directory`".into());
        };
        let (registry_suffix, bare) = match registry.strip_prefix('*') {
            Some(rest) => {
                if !(rest.starts_with('.') || rest.starts_with('-')) {
                    return Err("a leading `*` may only match the start of a subdomain: `*` must be followed by `.` or `-` (as in `*-docker.pkg.dev` or `*.gcr.io`)".into());
                }
                (Some(rest.to_owned()), rest.trim_start_matches(['.', '-']))
            }
            None => (None, registry),
        };
        if bare.contains('*') {
            return Err(
                "the registry may hold only one `*`, at its start (as in `*-docker.pkg.dev`)"
                    .into(),
            );
        }
        let labels: Vec<&str> = bare.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || !l.chars().all(is_label_char))
        {
            return Err(format!(
                "registry `{registry}` is not two or more dot-separated words of lower-case letters, digits and `-` (as `gcr.io` or `us-docker.pkg.dev`)"
            ));
        }
        let (stem, tail) = if let Some(stem) = path.strip_suffix("**") {
            (stem, Tail::Anything)
        } else if let Some(stem) = path.strip_suffix('*') {
            (stem, Tail::Segment)
        } else {
            (path, Tail::Exact)
        };
        if stem.contains('*') {
            return Err("the path may hold `*` or `**` only at its end".into());
        }
        if tail == Tail::Exact && path.is_empty() {
            return Err("pattern has no directory after `registry/`".into());
        }
        let segments: Vec<&str> = stem.split('/').collect();
        let last = segments.len().saturating_sub(1);
        if segments
            .iter()
            .enumerate()
            .any(|(i, s)| s.is_empty() && !(i == last && tail != Tail::Exact))
        {
            return Err("the path has an empty directory name (`//` or a trailing `/`)".into());
        }
        Ok(DirPattern {
            text: text.to_owned(),
            registry_suffix,
            registry: registry.to_owned(),
            path: stem.to_owned(),
            tail,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the image whose repository is `repository` (normalized: `registry/path/name`)
    /// lives in a directory the pattern names: the repository without its last name.
    pub fn matches(&self, repository: &str) -> bool {
        let Some((directory, _name)) = repository.rsplit_once('/') else {
            return false;
        };
        let Some((registry, path)) = directory.split_once('/') else {
            return false;
        };
        let registry_ok = match &self.registry_suffix {
            None => registry == self.registry,
            Some(suffix) => registry
                .strip_suffix(suffix.as_str())
                .is_some_and(|prefix| {
                    !prefix.is_empty() && prefix.chars().all(|c| c != '.' && c != '/')
                }),
        };
        registry_ok
            && match self.tail {
                Tail::Exact => path == self.path,
                Tail::Segment => path
                    .strip_prefix(self.path.as_str())
                    .is_some_and(|rest| !rest.contains('/')),
                Tail::Anything => path.starts_with(self.path.as_str()),
            }
    }
}

/// A SLSA `trustedSourceRepoPatterns` entry: no scheme; exact, or ending in `*` after
/// `host/` (no `/` in what it matches) or `**`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoPattern(String);

impl RepoPattern {
    /// Validates a pattern.
    pub fn parse(text: &str) -> Result<Self, String> {
        plain_text(text, "host/path")?;
        let stem = text
            .strip_suffix("**")
            .or_else(|| text.strip_suffix('*'))
            .unwrap_or(text);
        if stem.contains('*') {
            return Err("`*` or `**` may appear only at the end".into());
        }
        if stem.len() != text.len() && !stem.contains('/') {
            return Err("a wildcard may appear only after `host/`".into());
        }
        Ok(RepoPattern(text.to_owned()))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What both pattern kinds refuse: empty text, whitespace, control or non-ASCII characters,
/// and a scheme (the form to write instead is `form`).
fn plain_text(text: &str, form: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("pattern is empty".into());
    }
    if text.chars().any(|c| !c.is_ascii_graphic()) {
        return Err("pattern contains whitespace, control or non-ASCII characters".into());
    }
    if text.contains("://") {
        return Err(format!("pattern has a scheme; write `{form}`"));
    }
    Ok(())
}

/// An image's repository as a registry reads it: Docker Hub's short names completed
/// (`nginx` → `docker.io/library/nginx`, `org/app` → `docker.io/org/app`).
pub(crate) fn normalized_repository(repository: &str) -> String {
    let first = repository.split('/').next().unwrap_or_default();
    let has_registry = repository.contains('/') && is_registry_host(first);
    if has_registry {
        repository.to_owned()
    } else if repository.contains('/') {
        format!("docker.io/{repository}")
    } else {
        format!("docker.io/library/{repository}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, repository: &str) -> bool {
        DirPattern::parse(pattern).unwrap().matches(repository)
    }

    #[test]
    fn gcp_s_documented_examples_are_read_as_documented() {
        for valid in [
            "gcr.io/my-project/my-repo",
            "*-docker.pkg.dev/my-project/my-repo",
            "*.gcr.io/my-project",
            "gcr.io/my-project/*",
            "gcr.io/my-project/**",
        ] {
            assert!(DirPattern::parse(valid).is_ok(), "{valid}");
        }
        for invalid in [
            "gcr.i*",
            "sub*domain.gcr.io/nginx",
            "*pkg.dev/my-project/my-repo",
            "**-docker.pkg.dev",
            "gcr.io",
            "localhost/x",
            "https://gcr.io/p",
            "gcr.io/p*/x",
            "gcr.io//x",
        ] {
            assert!(DirPattern::parse(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn a_pattern_names_the_directory_an_image_lives_in() {
        assert!(matches(
            "gcr.io/my-project/my-repo",
            "gcr.io/my-project/my-repo/app"
        ));
        assert!(!matches(
            "gcr.io/my-project/my-repo",
            "gcr.io/my-project/my-repo/sub/app"
        ));
        assert!(!matches(
            "gcr.io/my-project/my-repo",
            "gcr.io/my-project/my-repo"
        ));
        assert!(matches("*-docker.pkg.dev/p/r", "us-docker.pkg.dev/p/r/app"));
        assert!(!matches("*-docker.pkg.dev/p/r", "-docker.pkg.dev/p/r/app"));
        assert!(!matches(
            "*-docker.pkg.dev/p/r",
            "evil.us-docker.pkg.dev/p/r/app"
        ));
        assert!(matches("*.gcr.io/p", "eu.gcr.io/p/app"));
        assert!(matches("gcr.io/p/*", "gcr.io/p/team/app"));
        assert!(!matches("gcr.io/p/*", "gcr.io/p/team/sub/app"));
        assert!(!matches("gcr.io/p/*", "gcr.io/p/app"));
        assert!(matches("gcr.io/p/**", "gcr.io/p/team/sub/app"));
        assert!(!matches("gcr.io/p/**", "gcr.io/other/app"));
        assert!(!matches("gcr.io/p/**", "gcr.io/p-evil/x/app"));
    }

    #[test]
    fn docker_hub_short_names_are_completed_before_matching() {
        assert_eq!(normalized_repository("nginx"), "docker.io/library/nginx");
        assert_eq!(normalized_repository("org/app"), "docker.io/org/app");
        assert_eq!(normalized_repository("gcr.io/p/app"), "gcr.io/p/app");
        assert_eq!(
            normalized_repository("localhost:5000/app"),
            "localhost:5000/app"
        );
    }

    #[test]
    fn source_repo_patterns_take_wildcards_after_the_host_only() {
        assert!(RepoPattern::parse("github.com/org/*").is_ok());
        assert!(RepoPattern::parse("github.com/org/**").is_ok());
        assert!(RepoPattern::parse("github.com/org/repo").is_ok());
        assert!(RepoPattern::parse("github.*").is_err());
        assert!(RepoPattern::parse("https://github.com/org").is_err());
    }
}
