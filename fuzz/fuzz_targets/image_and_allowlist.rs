//! Image references and allowlist patterns from arbitrary text: never a panic, and a matching
//! pattern always agrees with two oracles: GCP's glob rules translated to an anchored regular
//! expression (`*` = `[^/]*`, `**` = `.*`), and a plain restatement of those rules.
#![no_main]

use binauthz_core::ImageRef;
use binauthz_core::allowlist::AllowlistPattern;
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
    if let Ok(p) = AllowlistPattern::parse(pattern) {
        let matched = p.matches(image);
        assert_eq!(matched, oracle(pattern, image), "{pattern:?} vs {image:?}");
        assert_eq!(
            matched,
            regex_oracle(pattern, image),
            "{pattern:?} vs {image:?}"
        );
    }
});
