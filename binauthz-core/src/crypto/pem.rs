//! A small PEM reader: strict for the one `PUBLIC KEY` block of an attestor's key, lenient for
//! key files (every block, text between blocks ignored) through [`pem_blocks`].
//!
//! Both accept LF or CRLF line endings, whitespace around blocks and at the ends of lines, and
//! base64 body lines of any width. The strict reader rejects anything other than whitespace
//! before `-----BEGIN` or after `-----END`, a second block, PEM headers and other labels.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// The only label accepted for a PKIX (SubjectPublicKeyInfo) public key.
pub(crate) const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

/// One PEM block (RFC 7468) of a file that [`pem_blocks`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PemBlock {
    /// The label of its `-----BEGIN LABEL-----` line, e.g. `PRIVATE KEY`.
    pub label: String,
    /// RFC 1421 headers (`Name: value` lines) were present.
    pub has_headers: bool,
    /// A `Proc-Type: 4,ENCRYPTED` header was present (OpenSSL's legacy encryption); then
    /// [`der`](PemBlock::der) is empty, as the content is not base64 of DER.
    pub encrypted: bool,
    /// The decoded content (DER for keys and certificates).
    pub der: Vec<u8>,
}

/// Reads every PEM block in `text`, in order. Text outside blocks (OpenSSL's `Bag Attributes`,
/// comments) is ignored; headers are noted, not interpreted.
///
/// For reading key files, such as the private keys the `binauthz` CLI signs with; attestors'
/// public keys are read strictly by [`PkixKey::from_pem`](super::PkixKey::from_pem).
///
/// # Errors
///
/// A lower-case sentence naming the block when one is not closed by its own `-----END` line,
/// holds a line starting with `-----` that is not its end, or has invalid base64 content.
pub fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut lines = trimmed_lines(text);
    while let Some(line) = lines.next() {
        let Some(label) = parse_boundary(line, BEGIN) else {
            continue;
        };
        let body = read_body(&mut lines, label, false).map_err(|e| match e {
            BodyError::WrongEnd(end) => {
                format!("the `-----BEGIN {label}-----` block ends with `-----END {end}-----`")
            }
            BodyError::Unexpected(line) => format!(
                "the `-----BEGIN {label}-----` block has an unexpected line `{}`",
                truncate(line)
            ),
            // Headers are noted here, never refused.
            BodyError::Missing | BodyError::Header(_) => {
                format!("the `-----END {label}-----` line is missing")
            }
        })?;
        let der = if body.encrypted {
            Vec::new()
        } else {
            STANDARD.decode(body.base64.as_bytes()).map_err(|e| {
                format!(
                    "the base64 content of the `-----BEGIN {label}-----` block is invalid ({e})"
                )
            })?
        };
        blocks.push(PemBlock {
            label: label.to_owned(),
            has_headers: body.has_headers,
            encrypted: body.encrypted,
            der,
        });
    }
    Ok(blocks)
}

/// Decodes the single `PUBLIC KEY` PEM block in `input` to DER bytes.
///
/// The error is a lower-case reason suitable for appending to
/// "public key is not a PEM `PUBLIC KEY` block: ".
pub(crate) fn decode_public_key_pem(input: &str) -> Result<Vec<u8>, String> {
    let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if trimmed.is_empty() {
        return Err("the input is empty".to_owned());
    }
    let mut lines = trimmed_lines(trimmed);

    let first = lines.next().unwrap_or_default();
    let label = parse_boundary(first, BEGIN).ok_or_else(|| describe_missing_begin(first))?;
    if label != PUBLIC_KEY_LABEL {
        return Err(describe_wrong_label(label));
    }

    let body = read_body(&mut lines, label, true).map_err(|e| match e {
        BodyError::WrongEnd(end_label) => format!(
            "the block ends with `-----END {end_label}-----` instead of `-----END {label}-----`"
        ),
        BodyError::Unexpected(line) => {
            format!("unexpected line `{}` inside the block", truncate(line))
        }
        // `index` counts body lines; the BEGIN line is line 1.
        BodyError::Header(index) => format!(
            "PEM headers are not supported (line {} looks like a header)",
            index.saturating_add(2)
        ),
        BodyError::Missing => "the `-----END PUBLIC KEY-----` line is missing".to_owned(),
    })?;
    if let Some(rest) = lines.find(|line| !line.is_empty()) {
        if rest.starts_with(BEGIN) {
            return Err("it contains more than one PEM block; give exactly one key".to_owned());
        }
        return Err("there is content after the `-----END PUBLIC KEY-----` line".to_owned());
    }
    if body.base64.is_empty() {
        return Err("the block has no base64 content".to_owned());
    }
    STANDARD
        .decode(body.base64.as_bytes())
        .map_err(|err| format!("the base64 content is invalid ({err})"))
}

/// The lines of `text` without the white space around them.
fn trimmed_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|line| line.trim_matches(|c: char| c.is_ascii_whitespace()))
}

/// What stands between a block's BEGIN line and its END line.
struct Body {
    /// The content lines, joined.
    base64: String,
    has_headers: bool,
    encrypted: bool,
}

/// Why a block's body could not be read.
enum BodyError<'a> {
    /// It ends with the END line of another label.
    WrongEnd(&'a str),
    /// A line starting with `-----` that is not an END line.
    Unexpected(&'a str),
    /// A header line (only when headers are refused): its index among the body's lines.
    Header(usize),
    /// The input ended before the END line.
    Missing,
}

/// Reads the lines after a `-----BEGIN {label}-----` line up to and including its END line.
/// Header lines (holding `:`) are refused when `refuse_headers`, otherwise noted and skipped.
fn read_body<'a>(
    lines: &mut impl Iterator<Item = &'a str>,
    label: &str,
    refuse_headers: bool,
) -> Result<Body, BodyError<'a>> {
    let mut body = Body {
        base64: String::new(),
        has_headers: false,
        encrypted: false,
    };
    for (index, line) in lines.enumerate() {
        if line.starts_with(DASHES) {
            return match parse_boundary(line, END) {
                Some(end_label) if end_label == label => Ok(body),
                Some(end_label) => Err(BodyError::WrongEnd(end_label)),
                None => Err(BodyError::Unexpected(line)),
            };
        }
        if line.contains(':') {
            if refuse_headers {
                return Err(BodyError::Header(index));
            }
            body.has_headers = true;
            if line.starts_with("Proc-Type:") && line.contains("ENCRYPTED") {
                body.encrypted = true;
            }
            continue;
        }
        body.base64.push_str(line);
    }
    Err(BodyError::Missing)
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
    fn pem_blocks_reads_every_block_and_ignores_text_between() {
        let text = format!(
            "Bag Attributes\n    friendlyName: key\n{}\r\n-----BEGIN EC PARAMETERS-----\r\nBgUrgQQAIg==\r\n-----END EC PARAMETERS-----\r\n\
             -----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n%%%\n-----END RSA PRIVATE KEY-----\n\
             -----BEGIN PRIVATE KEY-----\nComment: a header\nAAAA\n-----END PRIVATE KEY-----\n",
            pem(BODY)
        );
        let blocks = pem_blocks(&text).unwrap();
        let summary: Vec<(&str, bool, bool, usize)> = blocks
            .iter()
            .map(|b| (b.label.as_str(), b.has_headers, b.encrypted, b.der.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("PUBLIC KEY", false, false, 27),
                ("EC PARAMETERS", false, false, 7),
                ("RSA PRIVATE KEY", true, true, 0),
                ("PRIVATE KEY", true, false, 3),
            ]
        );
        assert_eq!(pem_blocks("no blocks here\n").unwrap(), []);
    }

    #[test]
    fn pem_blocks_names_the_broken_block() {
        let cases: Vec<(String, &str)> = vec![
            (
                pem(BODY).replace("-----END PUBLIC KEY-----", ""),
                "the `-----END PUBLIC KEY-----` line is missing",
            ),
            (
                pem(BODY).replace("END PUBLIC KEY", "END PRIVATE KEY"),
                "the `-----BEGIN PUBLIC KEY-----` block ends with `-----END PRIVATE KEY-----`",
            ),
            (
                pem("!!!!"),
                "the base64 content of the `-----BEGIN PUBLIC KEY-----` block is invalid",
            ),
            (
                pem(&format!("{BODY}\n-----BEGIN PUBLIC KEY-----")),
                "the `-----BEGIN PUBLIC KEY-----` block has an unexpected line",
            ),
        ];
        for (input, needle) in cases {
            let err = pem_blocks(&input).unwrap_err();
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
