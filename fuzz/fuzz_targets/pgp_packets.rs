//! PGP packet streams built from structure (spec/README.md §11.2, §7.2): signature packets of any
//! version, type, hash and issuer (some with the right hash prefix, so they reach the public-key
//! operation), one-pass packets, literal data of any size, nested or repeated compression, raw
//! packets — armored or not — verified with a real RSA-3072 key and a key with signing subkeys.
//! Never a panic, and the work counted stays bounded: decoding at most the input and one
//! inflated mebibyte, at most 8 verifications, the data hashed at most once per packet's hash
//! configuration.
#![no_main]

use std::io::Write as _;
use std::sync::OnceLock;

use binauthz_core::Timestamp;
use binauthz_core::budget::Work;
use binauthz_core::limits::{MAX_PGP_SIGNATURE_PACKETS, MAX_PGP_VERIFICATIONS};
use binauthz_core::pgp::{MAX_DECOMPRESSED_BYTES, PgpKey};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use sha2::Digest as _;

const KEYS: [&str; 2] = [
    include_str!("../../spec/conformance/keys/pgp-rsa3072.pub.asc"),
    include_str!("../../spec/conformance/keys/pgp-subkeys.pub.asc"),
];

fn keys() -> &'static Vec<(PgpKey, Vec<u8>)> {
    static PARSED: OnceLock<Vec<(PgpKey, Vec<u8>)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        KEYS.iter()
            .filter_map(|k| PgpKey::from_armored(k).ok())
            .map(|k| {
                let fp: Vec<u8> = (0..20)
                    .filter_map(|i| {
                        u8::from_str_radix(k.fingerprint().get(2 * i..2 * i + 2)?, 16).ok()
                    })
                    .collect();
                (k, fp)
            })
            .collect()
    })
}

#[derive(Arbitrary, Debug)]
enum Packet {
    Signature {
        version: u8,
        text: bool,
        public_key_algorithm: u8,
        /// 8: SHA-256 (its prefix computed right when `right_prefix`), else as given.
        hash: u8,
        issuer: u8,
        right_prefix: bool,
        created: u32,
        mpi: Vec<u8>,
    },
    OnePass {
        hash: u8,
    },
    Literal {
        text: bool,
        byte: u8,
        len: u16,
        repeat: u8,
    },
    Compressed {
        zlib: bool,
        inner: Vec<Packet>,
    },
    Raw {
        tag: u8,
        body: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    packets: Vec<Packet>,
    armor: bool,
    payload: bool,
}

fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(0xc0 | (tag & 0x3f));
    out.push(0xff);
    out.extend((len as u32).to_be_bytes());
}

/// The literal data the message will carry, for computing right hash prefixes.
fn literal_of(packets: &[Packet]) -> Vec<u8> {
    for p in packets {
        match p {
            Packet::Literal {
                byte, len, repeat, ..
            } => {
                return vec![*byte; usize::from(*len) * (usize::from(*repeat % 16) + 1)];
            }
            Packet::Compressed { inner, .. } => return literal_of(inner),
            _ => {}
        }
    }
    Vec::new()
}

fn write(out: &mut Vec<u8>, packets: &[Packet], data: &[u8], depth: u8) {
    let fp = keys().first().map(|(_, fp)| fp.clone()).unwrap_or_default();
    for p in packets.iter().take(80) {
        match p {
            Packet::Signature {
                version,
                text,
                public_key_algorithm,
                hash,
                issuer,
                right_prefix,
                created,
                mpi,
            } => {
                let mut hashed = vec![5, 2];
                hashed.extend(created.to_be_bytes());
                if issuer % 3 != 0 {
                    hashed.extend([22, 33, 4]);
                    hashed.extend(&fp);
                }
                let typ = u8::from(*text);
                let head_len = hashed.len();
                let mut head = vec![
                    4 + (version % 3).saturating_sub(1),
                    typ,
                    *public_key_algorithm,
                    *hash,
                ];
                head.extend((head_len as u16).to_be_bytes());
                head.extend(&hashed);
                let prefix = if *right_prefix && *hash == 8 {
                    let mut h = sha2::Sha256::new();
                    if *text {
                        for &b in data {
                            if b == b'\n' {
                                h.update(b"\r");
                            }
                            h.update([b]);
                        }
                    } else {
                        h.update(data);
                    }
                    h.update(&head);
                    h.update([4, 0xff]);
                    h.update((head.len() as u32).to_be_bytes());
                    let d = h.finalize();
                    [d[0], d[1]]
                } else {
                    [0x12, 0x34]
                };
                let mut body = head;
                let mut unhashed = Vec::new();
                if issuer % 3 == 2 {
                    unhashed.extend([9, 16]);
                    unhashed.extend(fp.get(12..).unwrap_or_default());
                }
                body.extend((unhashed.len() as u16).to_be_bytes());
                body.extend(&unhashed);
                body.extend(prefix);
                let mpi: Vec<u8> = mpi.iter().copied().take(512).collect();
                body.extend(((mpi.len() * 8) as u16).to_be_bytes());
                body.extend(&mpi);
                header(out, 2, body.len());
                out.extend(body);
            }
            Packet::OnePass { hash } => {
                let mut body = vec![3, 0, 1, *hash];
                body.extend(fp.get(12..).unwrap_or_default());
                body.push(1);
                header(out, 4, body.len());
                out.extend(body);
            }
            Packet::Literal {
                text,
                byte,
                len,
                repeat,
            } => {
                let n = usize::from(*len) * (usize::from(*repeat % 16) + 1);
                let mut body = vec![if *text { b't' } else { b'b' }, 0, 0, 0, 0, 0];
                body.extend(std::iter::repeat_n(*byte, n));
                header(out, 11, body.len());
                out.extend(body);
            }
            Packet::Compressed { zlib, inner } => {
                let mut plain = Vec::new();
                if depth < 2 {
                    write(&mut plain, inner, data, depth + 1);
                }
                let mut body = vec![if *zlib { 2 } else { 1 }];
                if *zlib {
                    let mut z =
                        flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                    let _ = z.write_all(&plain);
                    body.extend(z.finish().unwrap_or_default());
                } else {
                    let mut z =
                        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
                    let _ = z.write_all(&plain);
                    body.extend(z.finish().unwrap_or_default());
                }
                header(out, 8, body.len());
                out.extend(body);
            }
            Packet::Raw { tag, body } => {
                header(out, *tag, body.len());
                out.extend(body);
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let data = literal_of(&input.packets);
    let mut bytes = Vec::new();
    write(&mut bytes, &input.packets, &data, 0);
    if input.armor {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let mut text = String::from("-----BEGIN PGP MESSAGE-----\n\n");
        for chunk in b64.as_bytes().chunks(64) {
            text.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            text.push('\n');
        }
        text.push_str("-----END PGP MESSAGE-----\n");
        bytes = text.into_bytes();
    }
    let payload = input.payload.then_some(data.as_slice());
    let at = Some(Timestamp::from_unix_seconds(1_780_000_000));
    for (key, _) in keys() {
        let mut work = Work::default();
        let _ = key.verify_counted(&bytes, payload, at, &mut work);
        assert!(
            work.bytes_decoded <= bytes.len() as u64 + MAX_DECOMPRESSED_BYTES as u64 + 1,
            "{work:?}"
        );
        // Each verification costs at most an RSA-4096-or-smaller key's points here.
        assert!(
            work.verification_points <= MAX_PGP_VERIFICATIONS as u64 * 4,
            "{work:?}"
        );
        // The data is hashed at most once per hash configuration of the (at most 4) packets,
        // text mode doubling at most its length.
        let longest = (bytes.len() + MAX_DECOMPRESSED_BYTES) as u64 * 2;
        assert!(
            work.bytes_hashed <= MAX_PGP_SIGNATURE_PACKETS as u64 * longest,
            "{work:?}"
        );
    }
});
