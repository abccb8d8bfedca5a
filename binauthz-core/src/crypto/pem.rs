//! A small, strict-but-forgiving PEM reader for exactly one `PUBLIC KEY` block.
//!
//! Accepted: LF or CRLF line endings, whitespace around the block and at the ends of
//! lines, and base64 body lines of any width. Rejected: anything other than whitespace
//! before `-----BEGIN` or after `-----END`, a second block, PEM headers, other labels.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// The only label accepted for a PKIX (SubjectPublicKeyInfo) public key.
pub(crate) const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

/// Decodes the single `PUBLIC KEY` PEM block in `input` to DER bytes.
///
/// The error is a lower-case reason suitable for appending to
/// "public key is not a PEM `PUBLIC KEY` block: ".
pub(crate) fn decode_public_key_pem(input: &str) -> Result<Vec<u8>, String> {
    let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if trimmed.is_empty() {
        return Err("the input is empty".to_owned());
    }
    let mut lines = trimmed
        .split('\n')
        .map(|line| line.trim_matches(|c: char| c.is_ascii_whitespace()));

    let first = lines.next().unwrap_or_default();
    let label = parse_boundary(first, BEGIN).ok_or_else(|| describe_missing_begin(first))?;
    if label != PUBLIC_KEY_LABEL {
        return Err(describe_wrong_label(label));
    }

    let mut body = String::new();
    let mut found_end = false;
    for (index, line) in lines.by_ref().enumerate() {
        if line.starts_with(DASHES) {
            match parse_boundary(line, END) {
                Some(end_label) if end_label == label => {
                    found_end = true;
                    break;
                }
                Some(end_label) => {
                    return Err(format!(
                        "the block ends with `-----END {end_label}-----` instead of \
                         `-----END {label}-----`"
                    ));
                }
                None => {
                    return Err(format!(
                        "unexpected line `{}` inside the block",
                        truncate(line)
                    ));
                }
            }
        }
        if line.contains(':') {
            // `index` counts body lines; the BEGIN line is line 1.
            return Err(format!(
                "PEM headers are not supported (line {} looks like a header)",
                index.saturating_add(2)
            ));
        }
        body.push_str(line);
    }
    if !found_end {
        return Err("the `-----END PUBLIC KEY-----` line is missing".to_owned());
    }
    if let Some(rest) = lines.find(|line| !line.is_empty()) {
        if rest.starts_with(BEGIN) {
            return Err("it contains more than one PEM block; give exactly one key".to_owned());
        }
        return Err("there is content after the `-----END PUBLIC KEY-----` line".to_owned());
    }
    if body.is_empty() {
        return Err("the block has no base64 content".to_owned());
    }
    STANDARD
        .decode(body.as_bytes())
        .map_err(|err| format!("the base64 content is invalid ({err})"))
}

/// Parses `-----BEGIN LABEL-----` / `-----END LABEL-----`, returning the label.
fn parse_boundary<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let label = line.strip_prefix(prefix)?.strip_suffix(DASHES)?;
    let valid = !label.is_empty()
        && !label.contains("--")
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-');
    valid.then_some(label)
}

fn describe_missing_begin(first: &str) -> String {
    if first.starts_with(BEGIN) {
        format!("the BEGIN line `{}` is malformed", truncate(first))
    } else if first.starts_with("ssh-") || first.starts_with("ecdsa-sha2-") {
        "it looks like an OpenSSH public key; convert it with `ssh-keygen -e -m PKCS8 -f KEY`"
            .to_owned()
    } else {
        "it does not start with a `-----BEGIN PUBLIC KEY-----` line".to_owned()
    }
}

fn describe_wrong_label(label: &str) -> String {
    let hint = match label {
        "RSA PUBLIC KEY" => {
            " (a PKCS#1 RSA key); convert it to SubjectPublicKeyInfo with \
             `openssl rsa -RSAPublicKey_in -pubout`"
        }
        "CERTIFICATE" => "; extract its public key with `openssl x509 -pubkey -noout`",
        l if l.contains("PRIVATE KEY") => {
            ", which is a private key; give only the public key (`openssl pkey -pubout`)"
        }
        _ => "",
    };
    format!("found a `-----BEGIN {label}-----` block{hint}")
}

/// Shortens a line for an error message without splitting a UTF-8 character.
fn truncate(line: &str) -> String {
    const MAX: usize = 40;
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", line.get(..cut).unwrap_or_default()),
        None => line.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const BODY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE";

    fn pem(body: &str) -> String {
        format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
    }

    #[test]
    fn accepts_lf_crlf_and_surrounding_whitespace() {
        let expected = STANDARD.decode(BODY).unwrap();
        assert_eq!(decode_public_key_pem(&pem(BODY)).unwrap(), expected);
        let crlf = pem(BODY).replace('\n', "\r\n");
        assert_eq!(decode_public_key_pem(&crlf).unwrap(), expected);
        let padded = format!("\n\n  \t{}\n\n  ", pem(BODY));
        assert_eq!(decode_public_key_pem(&padded).unwrap(), expected);
        let wrapped = pem(&format!("{}\n{}", &BODY[..10], &BODY[10..]));
        assert_eq!(decode_public_key_pem(&wrapped).unwrap(), expected);
    }

    #[test]
    fn rejects_bad_inputs() {
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            ("   \n ".to_owned(), "empty"),
            (BODY.to_owned(), "does not start"),
            (format!("junk\n{}", pem(BODY)), "does not start"),
            (format!("{}junk", pem(BODY)), "content after"),
            (format!("{}{}", pem(BODY), pem(BODY)), "more than one"),
            (pem(BODY).replace("PUBLIC KEY", "RSA PUBLIC KEY"), "PKCS#1"),
            (
                pem(BODY).replace("PUBLIC KEY", "PRIVATE KEY"),
                "private key",
            ),
            (pem(BODY).replace("PUBLIC KEY", "CERTIFICATE"), "x509"),
            (pem(BODY).replace("-----END PUBLIC KEY-----", ""), "missing"),
            (
                pem(BODY).replace("END PUBLIC KEY", "END PRIVATE KEY"),
                "instead of",
            ),
            (pem(""), "no base64"),
            (pem("Proc-Type: 4,ENCRYPTED\n\nAAAA"), "headers"),
            (pem("!!!!"), "base64"),
            (pem("MFk"), "base64"),
            (
                "-----BEGIN PUBLIC KEY-----MFkw-----END PUBLIC KEY-----".to_owned(),
                "malformed",
            ),
            ("ssh-ed25519 AAAA".to_owned(), "OpenSSH"),
        ];
        for (input, needle) in cases {
            let err = decode_public_key_pem(&input).unwrap_err();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        let long = "é".repeat(100);
        assert_eq!(truncate(&long).chars().count(), 43);
        assert_eq!(truncate("short"), "short");
    }
}
