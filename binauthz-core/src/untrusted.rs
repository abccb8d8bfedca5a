//! Text from untrusted input, made safe to show to a person.
//!
//! An occurrence name, a `publicKeyId` or a Kubernetes object's name can hold terminal escape
//! sequences, line breaks or bidirectional overrides. Printed raw, they can forge an `ALLOWED`
//! line on a terminal or rewrite the message `kubectl` shows. Every message the engine builds
//! for people passes such text through [`shown`]; the CLI escapes whatever else it prints with
//! [`escape`].

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::limits::MAX_SHOWN_CHARS;

/// Whether `c` must not reach a person's terminal or log viewer as is: control characters (C0,
/// DEL, C1), the line and paragraph separators, and the invisible formatting characters that
/// reorder or hide text (bidirectional overrides and isolates, zero-width characters, the byte
/// order mark).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `text` with every character that could mislead a reader written as a Rust-style escape
/// (`\u{1b}`, a line break as `\u{a}`). Text without such characters is returned as it is,
/// without copying. Escaping twice changes nothing more, so text the engine already escaped can
/// go through the CLI's escaping again.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`], and cut to [`MAX_SHOWN_CHARS`] characters (saying how long the text was), so
/// that one long name cannot make every message that quotes it long.
pub fn shown(text: &str) -> Cow<'_, str> {
    match head(text) {
        None => escape(text),
        Some(head) => Cow::Owned(format!("{}… ({} bytes in all)", escape(head), text.len())),
    }
}

/// Like [`shown`], but not escaped: how a decision's JSON writes a name from the input (a key
/// id, an occurrence label), which JSON escapes itself.
pub fn cut(text: &str) -> Cow<'_, str> {
    match head(text) {
        None => Cow::Borrowed(text),
        Some(head) => Cow::Owned(format!("{head}… ({} bytes in all)", text.len())),
    }
}

/// The first [`MAX_SHOWN_CHARS`] characters of `text`, or `None` when that is all of it.
fn head(text: &str) -> Option<&str> {
    if text.len() <= MAX_SHOWN_CHARS {
        return None;
    }
    let cut = text
        .char_indices()
        .nth(MAX_SHOWN_CHARS)
        .map_or(text.len(), |(i, _)| i);
    if cut == text.len() {
        return None;
    }
    text.get(..cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_not_copied() {
        assert!(matches!(
            escape("projects/p/occurrences/1"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(shown("gcr.io/p/app"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_escapes_line_breaks_and_bidi_overrides_are_escaped() {
        assert_eq!(
            escape("x\u{1b}[32mALLOWED\u{1b}[0m\nok"),
            "x\\u{1b}[32mALLOWED\\u{1b}[0m\\u{a}ok"
        );
        assert_eq!(escape("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(escape("a\u{85}b\u{7f}"), "a\\u{85}b\\u{7f}");
        assert_eq!(escape("é and 😀 stay"), "é and 😀 stay");
    }

    #[test]
    fn escaping_twice_changes_nothing_more() {
        let once = escape("a\u{1b}b\nc").into_owned();
        assert_eq!(escape(&once), once);
    }

    #[test]
    fn long_text_is_cut_and_says_how_long_it_was() {
        let long = "a".repeat(10_000);
        let s = shown(&long);
        assert!(s.len() < MAX_SHOWN_CHARS + 40, "{}", s.len());
        assert!(s.ends_with("… (10000 bytes in all)"), "{s}");
        let exact = "b".repeat(MAX_SHOWN_CHARS);
        assert_eq!(shown(&exact), exact);
        // `cut` cuts the same, and escapes nothing (JSON escapes what it writes).
        assert_eq!(cut(&exact), exact);
        let long = format!("\u{1b}{}", "c".repeat(MAX_SHOWN_CHARS));
        assert_eq!(
            cut(&long),
            format!(
                "\u{1b}{}… (257 bytes in all)",
                "c".repeat(MAX_SHOWN_CHARS - 1)
            )
        );
        // Multi-byte characters are cut on a character boundary.
        let wide = "é".repeat(MAX_SHOWN_CHARS + 1);
        assert!(shown(&wide).starts_with(&"é".repeat(MAX_SHOWN_CHARS)));
    }
}
