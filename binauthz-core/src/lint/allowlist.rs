//! Lints about allowlist patterns that exempt more, or less, than they appear to (BZ010-BZ013).

use super::*;

/// Where a pattern's wildcard starts: the text before it, and whether it is `**`.
pub(super) fn wildcard(pattern: &str) -> Option<(&str, bool)> {
    if let Some(prefix) = pattern.strip_suffix("**") {
        Some((prefix, true))
    } else {
        pattern.strip_suffix('*').map(|prefix| (prefix, false))
    }
}

pub(super) use crate::model::image::is_registry_host;

pub(super) fn allowlist_pattern(i: usize, pattern: &str, out: &mut Vec<Lint>) {
    let path = format!("admissionWhitelistPatterns[{i}].namePattern");
    let (body, star) = match wildcard(pattern) {
        Some((prefix, double)) => (prefix, Some(double)),
        None => (pattern, None),
    };
    let last = body.rsplit('/').next().unwrap_or(body);
    let repository = last.split(['@', ':']).next().unwrap_or(last);
    let image = body
        .strip_suffix(last)
        .map(|dir| format!("{dir}{repository}"))
        .unwrap_or_else(|| repository.to_owned());

    if !last.contains('@') && last.contains(':') {
        let tag = last.split_once(':').map(|(_, t)| t).unwrap_or_default();
        let tags = if star.is_some() && tag.is_empty() {
            "every tag".to_owned()
        } else if star.is_some() {
            format!("every tag starting with `{tag}`")
        } else {
            format!("the tag `{tag}`")
        };
        if !body.contains('/') && is_registry_host(repository) {
            // Without a `/` the pattern can only match a local reference, even when its name
            // looks like a registry host: what follows the `:` is a tag, not a port, a `*` never
            // crosses `/`, and `parse` rejects a `**` with no `/` before it (spec/README.md §3).
            out.push(Lint::new(
                LintCode::Bz012,
                path,
                format!("pattern `{pattern}` has no `/`, so it matches only the local reference `{repository}` (the image named `{repository}` in the node's default registry) and allowlists {tags} of it, which whoever can push to that image can re-point; it never matches an image stored in registry `{repository}`, on any port"),
                format!("to exempt images of registry `{repository}`, name them after a `/` (`{repository}/PROJECT/REPOSITORY/*`, or `{repository}:PORT/PROJECT/REPOSITORY/*`); for the local image, allowlist its digest (`{repository}@sha256:…`)"),
            ));
            return;
        }
        out.push(Lint::new(
            LintCode::Bz012,
            path,
            format!("pattern `{pattern}` allowlists {tags}, which whoever can push to `{image}` can re-point to any image, and that image then runs without attestation"),
            format!("allowlist the digest instead (`{image}@sha256:…`), or attest the image and drop the pattern"),
        ));
        return;
    }
    let Some(double) = star else {
        if !last.contains('@') {
            out.push(Lint::new(
                LintCode::Bz012,
                path,
                format!("pattern `{pattern}` names no tag or digest, so it matches only the reference written without a version, which pulls `:latest`, a tag whoever can push to `{image}` can re-point"),
                format!("allowlist the digest instead (`{pattern}@sha256:…`), or attest the image and drop the pattern"),
            ));
        }
        return;
    };
    // Path segments before the wildcard, and how many of them are the registry host (0 for
    // Docker Hub shorthand such as `library/nginx`).
    let depth = body.matches('/').count();
    let first = body.split('/').next().unwrap_or_default();
    let host_depth = usize::from(is_registry_host(first));
    if body.ends_with('/') {
        if depth <= host_depth || (double && depth == host_depth + 1) {
            let (scope, narrower) = if depth <= host_depth {
                (
                    format!("every image in registry `{first}`, from every project"),
                    format!("{body}PROJECT/REPOSITORY/*"),
                )
            } else {
                (
                    format!(
                        "every image of every repository under `{body}`, including repositories created later"
                    ),
                    format!("{body}REPOSITORY/*"),
                )
            };
            out.push(Lint::new(
                LintCode::Bz010,
                path,
                format!("pattern `{pattern}` admits {scope}, without attestation"),
                format!("list the repositories that really need no attestation (`{narrower}`), or require attestation for them"),
            ));
        }
    } else if double && !body.ends_with('@') {
        // With the slash, would the pattern still cover a whole registry or project?
        let fix = if depth <= host_depth {
            format!(
                "end the prefix with a slash and name the repositories that need no attestation (`{body}/REPOSITORY/*`)"
            )
        } else {
            format!(
                "end the prefix with a slash (`{body}/**`), or use `{body}@*` for the versions of one image"
            )
        };
        out.push(Lint::new(
            LintCode::Bz011,
            path,
            format!("pattern `{pattern}` is a plain prefix that does not end in `/`, so it also matches `{body}-evil/…` and any other path that starts with `{body}`"),
            fix,
        ));
    } else if !double && !body.ends_with('@') {
        out.push(Lint::new(
            LintCode::Bz013,
            path,
            format!("pattern `{pattern}` also matches other images whose names start with `{last}`, such as `{body}-debug`"),
            format!("use `{body}@*` to allow every digest of that one image"),
        ));
    }
}
