//! The sha256 image digest that attestations bind to.

use std::fmt;

use serde::Serialize;

/// A `sha256:` digest with exactly 64 lower-case hex digits. A value of this type is always
/// valid: there is no way to build one from a tag or a malformed digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Digest {
    /// The whole digest, `sha256:` and the 64 hex digits: decisions copy it as it is, so it is
    /// kept whole rather than formatted again each time (the prefix is the same for every
    /// digest, so the order is the order of the hex digits).
    text: Box<str>,
}

/// The one digest scheme that attestations bind.
const PREFIX: &str = "sha256:";

impl Digest {
    /// Parses `sha256:` followed by 64 lower-case hex digits.
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix(PREFIX)?;
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Digest { text: s.into() })
    }

    /// The digest as written: `sha256:` and the 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        // `parse` admits only text with the prefix.
        self.text.strip_prefix(PREFIX).unwrap_or_default()
    }

    /// The 32 bytes the hex digits spell.
    pub fn bytes(&self) -> [u8; 32] {
        let nibble = |c: u8| match c {
            b'0'..=b'9' => c - b'0',
            // `parse` admits only lower-case hex digits.
            _ => c.wrapping_sub(b'a').wrapping_add(10) & 0x0f,
        };
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(self.hex().as_bytes().chunks_exact(2)) {
            if let [hi, lo] = pair {
                *byte = (nibble(*hi) << 4) | nibble(*lo);
            }
        }
        out
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";

    #[test]
    fn bytes_are_the_hex_digits_decoded() {
        let d = Digest::parse(&format!("sha256:{HEX}")).unwrap();
        let hex: String = d.bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, HEX);
    }

    #[test]
    fn text_hex_display_and_json_agree() {
        let text = format!("sha256:{HEX}");
        let d = Digest::parse(&text).unwrap();
        assert_eq!(d.as_str(), text);
        assert_eq!(d.hex(), HEX);
        assert_eq!(d.to_string(), text);
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{text}\""));
        assert_eq!(String::from(d), text);
    }

    #[test]
    fn only_sha256_with_64_lower_hex_is_a_digest() {
        assert_eq!(
            Digest::parse(&format!("sha256:{HEX}")).unwrap().to_string(),
            format!("sha256:{HEX}")
        );
        assert!(Digest::parse(&format!("sha256:{}", HEX.to_uppercase())).is_none());
        assert!(Digest::parse(&format!("sha256:{}", &HEX[1..])).is_none());
        assert!(Digest::parse(&format!("sha256:{HEX}0")).is_none());
        assert!(Digest::parse(&format!("sha512:{HEX}")).is_none());
        assert!(Digest::parse(HEX).is_none());
        assert!(Digest::parse("sha256:").is_none());
    }
}
