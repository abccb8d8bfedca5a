//! Reading the OpenPGP data of an attestation signature: an attached signed message
//! (`gpg --sign`, armored or binary) or a detached signature (`gpg --detach-sign`). Whether binary
//! data may count is the verifier's choice (`PgpKey::verify_attestation_counted` refuses it).

use std::borrow::Cow;
use std::io::Read as _;

use pgp::packet::{Packet, PacketParser, PacketTrait as _, Signature};

use super::armor;
use crate::budget::Work;
use crate::limits::MAX_PGP_SIGNATURE_PACKETS;

/// The most bytes a compressed message may expand to. An attestation payload is a few hundred
/// bytes; the bound keeps a compression bomb from costing more than a signature check.
pub const MAX_DECOMPRESSED_BYTES: usize = 1024 * 1024;

/// What the signature packets sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedData {
    /// An attached signature: the message's literal data.
    Attached(Vec<u8>),
    /// A detached signature: the data is given separately (`serializedPayload`).
    Detached,
}

/// The parsed OpenPGP data of one attestation signature.
#[derive(Debug, Clone)]
pub struct SignedMessage {
    /// What is signed.
    pub data: SignedData,
    /// The signature packets, in message order.
    pub signatures: Vec<Signature>,
    /// Whether the data was ASCII armor, as GCP requires of an attestation (spec §11.2), rather
    /// than binary packets.
    pub armored: bool,
}

/// Parses the OpenPGP data of an attestation signature: ASCII armor (`-----BEGIN PGP MESSAGE-----`
/// or `-----BEGIN PGP SIGNATURE-----`) or binary packets.
///
/// Accepted packet sequences (after removing one optional outer Compressed Data packet, which must
/// then hold everything): `OnePassSignature{n} LiteralData Signature{n}`,
/// `Signature+ LiteralData`, and `Signature+` (detached). Anything else — encryption, more than one
/// literal data packet, nested compression, marker or padding packets, trailing data, a
/// clear-signed message — is an error. So is a message with more than
/// [`MAX_PGP_SIGNATURE_PACKETS`] signature packets (gpg writes one per signing key).
pub fn parse_signed_message(bytes: &[u8]) -> Result<SignedMessage, String> {
    parse_signed_message_counted(bytes, &mut Work::default())
}

/// [`parse_signed_message`], adding to `work` the bytes it decoded (the signature itself, and
/// what its compressed data inflated to), also when it fails.
pub fn parse_signed_message_counted(
    bytes: &[u8],
    work: &mut Work,
) -> Result<SignedMessage, String> {
    work.bytes_decoded = work.bytes_decoded.saturating_add(bytes.len() as u64);
    let (packets, armor_label) = if armor::looks_armored(bytes) {
        let block = armor::decode(bytes)?;
        match block.label.as_str() {
            "MESSAGE" | "SIGNATURE" => {}
            "SIGNED MESSAGE" => {
                return Err(
                    "clear-signed messages (`gpg --clearsign`) are not supported: they sign the text with normalised line ends and trailing whitespace, not the payload's bytes; sign with `gpg --armor --sign` (or `--detach-sign`)"
                        .to_owned(),
                );
            }
            "PUBLIC KEY BLOCK" | "PRIVATE KEY BLOCK" => {
                return Err(format!(
                    "the signature holds a `PGP {}` armor, not a signed message",
                    block.label
                ));
            }
            other => {
                return Err(format!(
                    "expected a `PGP MESSAGE` or `PGP SIGNATURE` armor, found `PGP {other}`"
                ));
            }
        }
        (read_packets(&block.data)?, Some(block.label))
    } else {
        if bytes.is_empty() {
            return Err("the signature is empty".to_owned());
        }
        (read_packets(bytes)?, None)
    };
    let packets = match packets.as_slice() {
        [Packet::CompressedData(c)] => {
            let mut out = Vec::new();
            let read = c
                .decompress()
                .map_err(|e| {
                    format!(
                        "the compressed data cannot be read ({e}); binauthz reads uncompressed, ZIP and ZLIB messages (gpg's default is ZIP; avoid --compress-algo bzip2)"
                    )
                })?
                .take(MAX_DECOMPRESSED_BYTES as u64 + 1)
                .read_to_end(&mut out);
            // Inflating costs the same whether or not the data turns out to be broken.
            work.bytes_decoded = work.bytes_decoded.saturating_add(out.len() as u64);
            read.map_err(|e| format!("the compressed data cannot be decompressed: {e}"))?;
            if out.len() > MAX_DECOMPRESSED_BYTES {
                return Err(format!(
                    "the compressed message expands to more than {MAX_DECOMPRESSED_BYTES} bytes"
                ));
            }
            let inner = read_packets(&out)?;
            if inner.iter().any(|p| matches!(p, Packet::CompressedData(_))) {
                return Err("nested compressed data packets are not accepted".to_owned());
            }
            Cow::Owned(inner)
        }
        _ => Cow::Borrowed(&packets),
    };
    let mut message = structure(&packets)?;
    message.armored = armor_label.is_some();
    match (armor_label.as_deref(), &message.data) {
        (Some("SIGNATURE"), SignedData::Attached(_)) => Err(
            "a `PGP SIGNATURE` armor holds a signed message; attached signatures use `PGP MESSAGE`"
                .to_owned(),
        ),
        (Some("MESSAGE"), SignedData::Detached) => Err(
            "the `PGP MESSAGE` holds signatures but no literal data (a detached signature is armored as `PGP SIGNATURE`)"
                .to_owned(),
        ),
        _ => Ok(message),
    }
}

fn read_packets(bytes: &[u8]) -> Result<Vec<Packet>, String> {
    let mut packets = Vec::new();
    for packet in PacketParser::new(bytes) {
        let packet = packet.map_err(|e| format!("malformed OpenPGP packet: {e}"))?;
        if packets.len() >= 64 {
            return Err("more than 64 OpenPGP packets".to_owned());
        }
        packets.push(packet);
    }
    if packets.is_empty() {
        return Err("no OpenPGP packets".to_owned());
    }
    Ok(packets)
}

fn structure(packets: &[Packet]) -> Result<SignedMessage, String> {
    let ops = packets
        .iter()
        .take_while(|p| matches!(p, Packet::OnePassSignature(_)))
        .count();
    let rest = packets.get(ops..).unwrap_or_default();
    let mut signatures = Vec::new();
    let mut literal = None;
    let mut seen_literal_at = None;
    for (i, p) in rest.iter().enumerate() {
        match p {
            Packet::Signature(s) => signatures.push(s.clone()),
            Packet::LiteralData(l) => {
                if literal.is_some() {
                    return Err("more than one literal data packet".to_owned());
                }
                literal = Some(l.data().to_vec());
                seen_literal_at = Some(i);
            }
            Packet::OnePassSignature(_) => {
                return Err("a one-pass signature packet after the message started".to_owned());
            }
            Packet::CompressedData(_) => {
                return Err("a compressed data packet inside the message".to_owned());
            }
            other => {
                return Err(format!(
                    "unexpected {:?} packet in a signed message",
                    other.tag()
                ));
            }
        }
    }
    if signatures.is_empty() {
        return Err("the message has no signature packet".to_owned());
    }
    if signatures.len() > MAX_PGP_SIGNATURE_PACKETS {
        return Err(format!(
            "the message has {} signature packets, more than the {MAX_PGP_SIGNATURE_PACKETS} binauthz reads (gpg writes one per signing key)",
            signatures.len()
        ));
    }
    let Some(data) = literal else {
        if ops > 0 {
            return Err("one-pass signature packets without literal data".to_owned());
        }
        return Ok(SignedMessage {
            data: SignedData::Detached,
            signatures,
            armored: false,
        });
    };
    let before = seen_literal_at.unwrap_or(0);
    let after = signatures.len() - before;
    if ops > 0 {
        // One-pass signed: n one-pass packets, the literal data, then exactly n signatures.
        if before != 0 || after != ops {
            return Err(format!(
                "{ops} one-pass signature packet(s) but {after} signature packet(s) after the literal data"
            ));
        }
    } else if after != 0 {
        // Old-style signed message: the signatures come first.
        return Err("signature packets on both sides of the literal data".to_owned());
    }
    Ok(SignedMessage {
        data: SignedData::Attached(data),
        signatures,
        armored: false,
    })
}
