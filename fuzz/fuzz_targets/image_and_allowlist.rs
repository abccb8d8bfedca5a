//! Image references and allowlist patterns from arbitrary text: never a panic, and a matching
//! pattern always agrees with two oracles: GCP's glob rules translated to an anchored regular
//! expression (`*` = `[^/]*`, `**` = `.*`), and a plain restatement of those rules. A third
//! oracle checks that a wildcard never reaches into the registry (spec/README.md §3).
//!
//! The input is `PATTERN\nIMAGE`. Besides the pattern as written, every input also tries the
//! shapes that put a wildcard right after a host or port (`host:**`, `host:*`, `host:port*`,
//! `host:port**`, built from the pattern's first segment), which a mutator rarely writes by
//! itself, and besides the image as written, the image appended to the pattern's prefix, so that
//! the prefix is matched and the wildcard decides.
#![no_main]

use binauthz_core::AllowlistPattern;
use binauthz_core::ImageRef;
use libfuzzer_sys::fuzz_target;

/// GCP's glob as a regular expression (only a trailing `*` or `**` is a wildcard).
fn regex_oracle(pattern: &str, image: &str) -> bool {
    let (prefix, tail) = if let Some(p) = pattern.strip_suffix("**") {
        (p, ".*")
    } else if let Some(p) = pattern.strip_suffix('*') {
        (p, "[^/]*")
    } else {
        (pattern, "")
    };
    let re = regex::Regex::new(&format!("(?s)^{}{tail}$", regex::escape(prefix)));
    re.is_ok_and(|re| re.is_match(image))
}

/// GCP's rules, restated independently of the implementation.
fn oracle(pattern: &str, image: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix("**") {
        image.starts_with(prefix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        image.len() >= prefix.len()
            && image.starts_with(prefix)
            && !image[prefix.len()..].contains('/')
    } else {
        image == pattern
    }
}

/// Whether a match of `pattern` keeps the pattern's registry: an accepted pattern with a
/// wildcard only matches images that start with its registry part (the text up to and including
/// its first `/`), or, for a `*` with no `/` before it, images that contain no `/`.
fn keeps_registry(pattern: &str, image: &str) -> bool {
    let prefix = pattern.trim_end_matches('*');
    if prefix.len() == pattern.len() {
        return true;
    }
    match prefix.find('/') {
        Some(slash) => image.starts_with(&prefix[..=slash]),
        None => pattern.len() - prefix.len() == 1 && !image.contains('/'),
    }
}

/// The patterns tried for one input: the pattern as written, and a wildcard right after the
/// host or port of its first segment.
fn patterns(pattern: &str) -> [String; 5] {
    let first = pattern.split(['/', '*']).next().unwrap_or_default();
    let (host, port) = first.split_once(':').unwrap_or((first, "5000"));
    [
        pattern.to_owned(),
        format!("{host}:**"),
        format!("{host}:*"),
        format!("{host}:{port}*"),
        format!("{host}:{port}**"),
    ]
}

fn check(pattern: &str, image: &str) {
    let Ok(p) = AllowlistPattern::parse(pattern) else {
        return;
    };
    let matched = p.matches(image);
    assert_eq!(matched, oracle(pattern, image), "{pattern:?} vs {image:?}");
    assert_eq!(
        matched,
        regex_oracle(pattern, image),
        "{pattern:?} vs {image:?}"
    );
    assert!(
        !matched || keeps_registry(pattern, image),
        "{pattern:?} matched {image:?}, outside its registry"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, image) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(r) = ImageRef::parse(image) {
        if let Some(d) = r.digest() {
            assert_eq!(d.hex().len(), 64);
            assert!(image.contains(&d.to_string()));
        }
    }
    for pattern in patterns(pattern) {
        let behind_prefix = format!("{}{image}", pattern.trim_end_matches('*'));
        check(&pattern, image);
        check(&pattern, &behind_prefix);
    }
});
