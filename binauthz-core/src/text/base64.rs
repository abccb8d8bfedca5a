//! Base64 as proto3 JSON accepts it: standard or URL-safe alphabet, padded or not.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

/// Decodes either alphabet; a string mixing both alphabets, or containing whitespace, is rejected.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, String> {
    let url_safe = text.contains(['-', '_']);
    if url_safe && text.contains(['+', '/']) {
        return Err(
            "mixes the standard (`+`, `/`) and URL-safe (`-`, `_`) base64 alphabets".into(),
        );
    }
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    engine
        .decode(text)
        .map_err(|e| format!("is not valid base64 ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_with_or_without_padding() {
        let bytes = [0xfb, 0xff, 0xfe, 0x01];
        assert_eq!(decode("+//+AQ==").unwrap(), bytes);
        assert_eq!(decode("+//+AQ").unwrap(), bytes);
        assert_eq!(decode("-__-AQ==").unwrap(), bytes);
        assert_eq!(decode("-__-AQ").unwrap(), bytes);
    }

    #[test]
    fn junk_is_rejected() {
        for s in ["+_", "AQ= =", " AQ==", "A", "AQ=\n", "*"] {
            assert!(decode(s).is_err(), "{s:?}");
        }
    }
}
