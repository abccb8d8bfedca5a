//! OpenPGP ASCII armor (RFC 9580 §6), read strictly: one block, nothing before or after it but
//! blank lines, LF or CRLF line ends.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

const ARMOR: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The start of every OpenPGP armor header line.
pub(crate) const BEGIN_PGP: &str = "-----BEGIN PGP ";

/// Whether `bytes` start (after ASCII whitespace) like ASCII-armored OpenPGP data.
pub(crate) fn looks_armored(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|i| bytes.get(i..))
        .is_some_and(|rest| rest.starts_with(BEGIN_PGP.as_bytes()))
}

/// One decoded armor block: its label (`PUBLIC KEY BLOCK`, `MESSAGE`, `SIGNATURE`, …) and the
/// binary data.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) label: String,
    pub(crate) data: Vec<u8>,
}

/// Decodes one armor block. The CRC24 checksum line is accepted but, as RFC 9580 §6.1 requires,
/// not checked: the signatures inside are what protect the data.
pub(crate) fn decode(bytes: &[u8]) -> Result<Block, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the armor is not UTF-8 text".to_owned())?;
    let mut lines = text
        .split('\n')
        .map(|l| l.trim_end_matches([' ', '\t', '\r']))
        .skip_while(|l| l.is_empty());
    let first = lines.next().unwrap_or_default();
    let label = first
        .strip_prefix(BEGIN_PGP)
        .and_then(|l| l.strip_suffix("-----"))
        .filter(|l| !l.is_empty() && !l.contains("-----"))
        .ok_or_else(|| "the armor does not start with a `-----BEGIN PGP …-----` line".to_owned())?
        .to_owned();
    if label == "SIGNED MESSAGE" {
        // The cleartext signature framework; the caller explains why it is not accepted.
        return Ok(Block {
            label,
            data: Vec::new(),
        });
    }
    // Armor headers (`Version: …`, `Comment: …`) up to the blank line.
    let mut saw_blank = false;
    for line in lines.by_ref() {
        if line.is_empty() {
            saw_blank = true;
            break;
        }
        if !line.contains(": ") {
            return Err(format!(
                "armor header line `{}` is not `Key: Value`, or the blank line after the headers is missing",
                shorten(line)
            ));
        }
    }
    if !saw_blank {
        return Err("the armor has no body".to_owned());
    }
    let end = format!("-----END PGP {label}-----");
    let mut body = String::new();
    let mut checksum_seen = false;
    let mut ended = false;
    for line in lines.by_ref() {
        if line == end {
            ended = true;
            break;
        }
        if line.starts_with("-----") {
            return Err(format!(
                "armor footer `{}` does not match the header `-----BEGIN PGP {label}-----`",
                shorten(line)
            ));
        }
        if checksum_seen {
            return Err("text after the armor checksum line, before the footer".to_owned());
        }
        if let Some(crc) = line.strip_prefix('=') {
            if crc.len() != 4 || !crc.bytes().all(is_base64_char) {
                return Err(format!(
                    "armor checksum line `{}` is malformed",
                    shorten(line)
                ));
            }
            checksum_seen = true;
            continue;
        }
        if let Some(bad) = line
            .chars()
            .find(|&c| !c.is_ascii() || !is_base64_char(c as u8))
        {
            return Err(format!(
                "armor body contains `{}`, which is not base64",
                bad.escape_default()
            ));
        }
        body.push_str(line);
    }
    if !ended {
        return Err(format!("the armor has no `{end}` footer line"));
    }
    if lines.any(|l| !l.is_empty()) {
        return Err("text after the armor footer (give exactly one armored block)".to_owned());
    }
    let data = ARMOR
        .decode(body.as_bytes())
        .map_err(|e| format!("the armor body is not valid base64 ({e})"))?;
    if data.is_empty() {
        return Err("the armor body is empty".to_owned());
    }
    Ok(Block { label, data })
}

fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

fn shorten(line: &str) -> String {
    let mut s: String = line.chars().take(60).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "-----BEGIN PGP MESSAGE-----\n\nowE=\n=AAAA\n-----END PGP MESSAGE-----\n";

    #[test]
    fn lf_crlf_headers_and_blank_lines() {
        for text in [
            BLOCK.to_owned(),
            BLOCK.replace('\n', "\r\n"),
            format!("\n\n{BLOCK}\n\n"),
            BLOCK.replace("-----\n\n", "-----\nVersion: GnuPG v2\nComment: x: y\n\n"),
            BLOCK.replace("\n=AAAA", ""),
            BLOCK.replace("owE=", "owE"),
        ] {
            let block = decode(text.as_bytes()).unwrap();
            assert_eq!(block.label, "MESSAGE");
            assert_eq!(block.data, [0xa3, 0x01], "{text:?}");
        }
        assert!(looks_armored(b"  \n-----BEGIN PGP SIGNATURE-----"));
        assert!(!looks_armored(b"LS0tLS1CRUdJTiBQR1A="));
    }

    #[test]
    fn malformed_armor_is_rejected() {
        for text in [
            "",
            "owE=",
            "junk\n-----BEGIN PGP MESSAGE-----\n\nowE=\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP MESSAGE-----\nowE=\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP MESSAGE-----\n\nowE=\n-----END PGP SIGNATURE-----\n",
            "-----BEGIN PGP MESSAGE-----\n\nowE=\n",
            "-----BEGIN PGP MESSAGE-----\n\now E=\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP MESSAGE-----\n\nowE=\n=AAA\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP MESSAGE-----\n\nowE=\n=AAAA\nowE=\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP MESSAGE-----\n\n\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP MESSAGE-----\n\nowE=\n-----END PGP MESSAGE-----\nmore\n",
            "-----BEGIN PGP MESSAGE-----\n\nowé=\n-----END PGP MESSAGE-----\n",
            "-----BEGIN PGP -----\n\nowE=\n-----END PGP -----\n",
        ] {
            assert!(decode(text.as_bytes()).is_err(), "{text:?}");
        }
    }
}
