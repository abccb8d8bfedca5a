//! Hostile requests at the documented limits, one per class of issue 13, for the `hostile/*`
//! benchmarks, the peak-memory report (`hostile-peak`) and the tests that assert each is bounded.
//!
//! Every input is what someone who may only file attestation occurrences can send: forged
//! signatures need no key, only the attestor's key id (public) and the payload (public).
//! Everything is deterministic (a fixed xorshift stream), so every run measures the same bytes.

use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use binauthz_core::Engine;
use binauthz_core::limits::{MAX_IMAGES, MAX_REQUEST_BYTES, MAX_SIGNATURES};
use serde_json::{Value, json};
use sha3::Digest as _;

use crate::{case_paths, read_json};

/// A config and a request document (JSON or YAML text) for one hostile class.
#[derive(Debug, Clone)]
pub struct Hostile {
    /// The benchmark id after `hostile/`.
    pub name: &'static str,
    /// The config document.
    pub config: String,
    /// The request document.
    pub request: String,
}

/// Every hostile class, as `hostile/*` and the peak-memory report run them.
pub const NAMES: [&str; 12] = [
    "memory_shared_digest",
    "cpu_forged_p256",
    "cpu_forged_p521",
    "cpu_forged_p521_many_digests",
    "cpu_forged_rsa4096",
    "pgp_amplification",
    "pgp_four_packets",
    "yaml_flow_mappings",
    "yaml_anchored_sequences",
    "yaml_unclosed_sequences",
    "yaml_flat_flow",
    "json_flat_array",
];

/// The hostile class called `name` (one of [`NAMES`]).
///
/// # Errors
///
/// A message when a conformance case it is built from cannot be read.
pub fn by_name(name: &str) -> Result<Hostile, String> {
    match name {
        "memory_shared_digest" => memory_shared_digest(),
        "cpu_forged_p256" => cpu_forged("cpu_forged_p256", "alg-ecdsa-p256-sha256-valid"),
        "cpu_forged_p521" => cpu_forged("cpu_forged_p521", "alg-ecdsa-p521-sha512-valid"),
        "cpu_forged_p521_many_digests" => cpu_forged_many_digests(),
        "cpu_forged_rsa4096" => {
            cpu_forged("cpu_forged_rsa4096", "alg-rsa-sign-pkcs1-4096-sha256-valid")
        }
        "pgp_amplification" => pgp_amplification("pgp_amplification", 63),
        "pgp_four_packets" => pgp_amplification("pgp_four_packets", 4),
        "yaml_flow_mappings" => yaml("yaml_flow_mappings", &"{a: ".repeat(40_000)),
        "yaml_anchored_sequences" => {
            let mut text = String::new();
            for i in 0..40_000 {
                let _ = write!(text, "&a{i} [");
            }
            yaml("yaml_anchored_sequences", &text)
        }
        "yaml_unclosed_sequences" => yaml("yaml_unclosed_sequences", &"[".repeat(100_000)),
        "yaml_flat_flow" => {
            // Not deep but wide: the most YAML a request may hold, every byte a flow token.
            let mut text = String::from("[");
            while text.len() < MAX_REQUEST_BYTES - 4096 {
                text.push_str("a, ");
            }
            text.push(']');
            yaml("yaml_flat_flow", &text)
        }
        "json_flat_array" => {
            // The same in JSON, whose reader has no value budget: four million numbers.
            let t = target("alg-ecdsa-p256-sha256-valid")?;
            let mut request = format!("{{\"images\": [\"{}\"], \"context\": [0", t.image);
            while request.len() < MAX_REQUEST_BYTES - 16 {
                request.push_str(",0");
            }
            request.push_str("]}");
            Ok(Hostile {
                name: "json_flat_array",
                config: t.config,
                request,
            })
        }
        other => Err(format!("no hostile class {other:?}")),
    }
}

/// A deterministic byte stream (xorshift64).
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }

    fn fill(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// A conformance case by its `name`.
fn case(name: &str) -> Result<Value, String> {
    for path in case_paths() {
        let case = read_json(&path)?;
        if case.get("name").and_then(Value::as_str) == Some(name) {
            return Ok(case);
        }
    }
    Err(format!("no conformance case named {name:?}"))
}

/// What a forger knows of a case: its config, the image, the attestor's note and key id, and
/// the genuine occurrence.
struct Target {
    config: String,
    image: String,
    note: String,
    key_id: String,
    occurrence: Value,
    evaluation_time: Option<Value>,
}

fn target(case_name: &str) -> Result<Target, String> {
    let case = case(case_name)?;
    let config = case
        .get("config")
        .ok_or("the case has no config")?
        .to_string();
    let engine = Engine::from_config_str(&config).map_err(|e| e.to_string())?;
    let attestor = engine
        .attestors()
        .next()
        .ok_or("the config has no attestor")?;
    let key_id = attestor
        .keys()
        .first()
        .ok_or("the attestor has no key")?
        .id()
        .as_str()
        .to_owned();
    let image = case
        .pointer("/request/images/0")
        .and_then(Value::as_str)
        .ok_or("the request has no image")?
        .to_owned();
    let occurrence = case
        .pointer("/request/attestations/0")
        .cloned()
        .ok_or("the request has no attestation")?;
    Ok(Target {
        config,
        image,
        note: attestor.note().as_str().to_owned(),
        key_id,
        occurrence,
        evaluation_time: case.pointer("/request/evaluationTime").cloned(),
    })
}

/// Occurrences filed under `target`'s note for its digest, each with up to 64 signatures from
/// `signature`, as many as fit in a request of about 8 MiB beside `images`.
fn flood(
    target: &Target,
    images: &[String],
    signature: impl FnMut(usize) -> (String, String),
) -> String {
    let uri = target
        .occurrence
        .get("resourceUri")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    flood_digests(target, images, |_| uri.clone(), signature)
}

/// [`flood`], filing occurrence `i` under the resource URI `uri(i)`.
fn flood_digests(
    target: &Target,
    images: &[String],
    uri: impl Fn(usize) -> String,
    mut signature: impl FnMut(usize) -> (String, String),
) -> String {
    let payload = target
        .occurrence
        .pointer("/attestation/serializedPayload")
        .cloned()
        .unwrap_or(Value::Null);
    let budget = MAX_REQUEST_BYTES - 4 * 1024;
    let empty = occurrence(&target.note, &uri(0), &payload, 999_999, Vec::new())
        .to_string()
        .len();
    let mut occurrences = Vec::new();
    let mut size = serde_json::to_string(images).map_or(0, |s| s.len()) + 200;
    let mut n = 0;
    'fill: while occurrences.len() < binauthz_core::limits::MAX_OCCURRENCES {
        if size + empty + 1 > budget {
            break;
        }
        size += empty + 1;
        let mut sigs = Vec::new();
        for _ in 0..MAX_SIGNATURES {
            let (key_id, sig) = signature(n);
            n += 1;
            let entry = json!({"publicKeyId": key_id, "signature": sig});
            let len = entry.to_string().len() + 1;
            if size + len > budget {
                if !sigs.is_empty() {
                    occurrences.push(occurrence(
                        &target.note,
                        &uri(occurrences.len()),
                        &payload,
                        occurrences.len(),
                        sigs,
                    ));
                }
                break 'fill;
            }
            size += len;
            sigs.push(entry);
        }
        occurrences.push(occurrence(
            &target.note,
            &uri(occurrences.len()),
            &payload,
            occurrences.len(),
            sigs,
        ));
    }
    let mut request = json!({"images": images, "attestations": occurrences});
    if let (Some(t), Some(map)) = (&target.evaluation_time, request.as_object_mut()) {
        map.insert("evaluationTime".into(), t.clone());
    }
    request.to_string()
}

fn occurrence(note: &str, uri: &str, payload: &Value, n: usize, signatures: Vec<Value>) -> Value {
    json!({
        "name": format!("projects/attacker/occurrences/{n:06}"),
        "resourceUri": uri,
        "noteName": note,
        "kind": "ATTESTATION",
        "attestation": {"serializedPayload": payload, "signatures": signatures}
    })
}

/// Class 1, memory: the most images a request may hold, all one digest, and 8 MiB of 1-byte
/// signatures, half claiming the attestor's key id and half unknown ids. Unbounded, every failure
/// was a reason copied into every image, its denial and the audit record (2.2 GB for 100 images).
fn memory_shared_digest() -> Result<Hostile, String> {
    let t = target("alg-ecdsa-p256-sha256-valid")?;
    let images = vec![t.image.clone(); MAX_IMAGES];
    let request = flood(&t, &images, |n| {
        let id = if n % 2 == 0 {
            t.key_id.clone()
        } else {
            format!("attacker-key-{n}")
        };
        (id, "AA==".to_owned())
    });
    Ok(Hostile {
        name: "memory_shared_digest",
        config: t.config,
        request,
    })
}

/// Class 2, CPU: 8 MiB of well-formed but invalid signatures that claim the attestor's key id
/// (DER ECDSA with in-range r and s, or RSA values below the modulus). Unbounded, each was
/// verified by AWS-LC, then RustCrypto, then diagnosed (94 s for P-256, 202 s for P-521).
fn cpu_forged(name: &'static str, case_name: &str) -> Result<Hostile, String> {
    let t = target(case_name)?;
    let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
    let kind = case_name.to_owned();
    let request = flood(&t, std::slice::from_ref(&t.image), |_| {
        let sig = if kind.contains("p256") {
            ecdsa_der(&mut rng, 32)
        } else if kind.contains("p521") {
            ecdsa_der(&mut rng, 66)
        } else {
            let mut s = rng.fill(512);
            if let Some(first) = s.first_mut() {
                *first = 0;
            }
            s
        };
        (t.key_id.clone(), BASE64.encode(sig))
    });
    Ok(Hostile {
        name,
        config: t.config,
        request,
    })
}

/// Class 2 across the request: the most images a request may hold, each a different digest, and
/// 8 MiB of forged P-521 signatures spread over their occurrences, so that no one attestor and
/// digest reaches its own limit first and the request's verification budget must stop them.
fn cpu_forged_many_digests() -> Result<Hostile, String> {
    let t = target("alg-ecdsa-p521-sha512-valid")?;
    let repository = t.image.split('@').next().unwrap_or_default().to_owned();
    let images: Vec<String> = (0..MAX_IMAGES)
        .map(|i| format!("{repository}@sha256:{:064x}", i + 1))
        .collect();
    let mut rng = Bytes(0x5851_f42d_4c95_7f2d);
    let request = flood_digests(
        &t,
        &images,
        |i| {
            format!(
                "https://{}",
                images.get(i % images.len()).map_or("", String::as_str)
            )
        },
        |_| (t.key_id.clone(), BASE64.encode(ecdsa_der(&mut rng, 66))),
    );
    Ok(Hostile {
        name: "cpu_forged_p521_many_digests",
        config: t.config,
        request,
    })
}

/// A DER ECDSA signature whose r and s are `len`-byte positive integers below any of the curve
/// orders (their top byte is small and non-zero).
fn ecdsa_der(rng: &mut Bytes, len: usize) -> Vec<u8> {
    let int = |rng: &mut Bytes| {
        let mut v = rng.fill(len);
        if let Some(first) = v.first_mut() {
            *first = if len == 66 { 1 } else { 0x10 | (*first & 0x3f) };
        }
        if let Some(second) = v.get_mut(1).filter(|_| len == 66) {
            *second &= 0x7f;
        }
        let mut out = vec![0x02];
        push_der_len(&mut out, v.len());
        out.extend(v);
        out
    };
    let (r, s) = (int(rng), int(rng));
    let mut der = vec![0x30];
    push_der_len(&mut der, r.len() + s.len());
    der.extend(r);
    der.extend(s);
    der
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        out.push(0x81);
        out.push(len as u8);
    }
}

/// Class 3, PGP: ZLIB-compressed messages of 1 MiB of literal data and 63 forged text-mode
/// SHA3-512 signature packets naming the attestor's key, with the right two-byte hash prefix so
/// that each packet reaches the public-key operation. Unbounded, every packet hashed the whole
/// literal data again (244 s for a 150 KB occurrence). With `packets` = 4, the most a message
/// may hold, every packet is read and verified.
fn pgp_amplification(name: &'static str, packets: usize) -> Result<Hostile, String> {
    let t = target("pgp-rsa3072-attached-armored")?;
    // As much literal data as fits the decompression limit beside the packets.
    let literal = 1024 * 1024 - packets * 512 - 4096;
    // Different messages, so that the verification cache cannot answer for them: more than
    // one attestor and digest may check (the rest repeat, to keep generating them quick).
    let messages: Vec<String> = (0..64)
        .map(|n| armor(&forged_pgp_message(&t.key_id, packets, literal, n)))
        .collect();
    let request = flood(&t, std::slice::from_ref(&t.image), |n| {
        let message = messages
            .get(n % messages.len())
            .cloned()
            .unwrap_or_default();
        (t.key_id.clone(), message)
    });
    Ok(Hostile {
        name,
        config: t.config,
        request,
    })
}

/// A binary OpenPGP message: one compressed data packet (ZLIB) holding `packets` version 4
/// text-mode SHA3-512 RSA signature packets by the key with fingerprint `fingerprint`, then a
/// literal data packet of `literal_len` bytes; `seed` makes the packets of one call differ from
/// another's.
pub fn forged_pgp_message(
    fingerprint: &str,
    packets: usize,
    literal_len: usize,
    seed: u32,
) -> Vec<u8> {
    let fp: Vec<u8> = (0..fingerprint.len() / 2)
        .filter_map(|i| u8::from_str_radix(fingerprint.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let data: Vec<u8> = b"payload\n"
        .iter()
        .copied()
        .cycle()
        .take(literal_len)
        .collect();
    // What a text signature hashes: the data with CRLF line ends.
    let mut normalized = Vec::with_capacity(data.len() * 9 / 8);
    for &b in &data {
        if b == b'\n' {
            normalized.push(b'\r');
        }
        normalized.push(b);
    }
    let mut rng = Bytes(0x2545_f491_4f6c_dd1d ^ u64::from(seed));
    let mut after_data = sha3::Sha3_512::new();
    after_data.update(&normalized);
    let mut inner = Vec::new();
    for n in 0..packets {
        let mut hashed = Vec::new();
        let created = 1_700_000_000u32
            .wrapping_add(seed.wrapping_mul(64))
            .wrapping_add(n as u32);
        subpacket(&mut hashed, 2, &created.to_be_bytes());
        let mut issuer = vec![4];
        issuer.extend(&fp);
        subpacket(&mut hashed, 33, &issuer);
        // version 4, text (0x01), RSA (1), SHA3-512 (14)
        let mut head = vec![4, 0x01, 1, 14];
        head.extend((hashed.len() as u16).to_be_bytes());
        head.extend(&hashed);
        let mut hasher = after_data.clone();
        hasher.update(&head);
        hasher.update([4, 0xff]);
        hasher.update((head.len() as u32).to_be_bytes());
        let hash = hasher.finalize();
        let mut body = head;
        let mut unhashed = Vec::new();
        subpacket(
            &mut unhashed,
            16,
            fp.get(fp.len().saturating_sub(8)..).unwrap_or_default(),
        );
        body.extend((unhashed.len() as u16).to_be_bytes());
        body.extend(&unhashed);
        body.extend(hash.get(..2).unwrap_or_default());
        // One MPI of 3,000 bits: below any 3072-bit modulus.
        body.extend(3000u16.to_be_bytes());
        let mut mpi = rng.fill(375);
        if let Some(first) = mpi.first_mut() {
            *first = 0x80 | (*first & 0x7f);
        }
        body.extend(mpi);
        packet(&mut inner, 2, &body);
    }
    let mut literal = vec![b't', 0];
    literal.extend(1_700_000_000u32.to_be_bytes());
    literal.extend(&data);
    packet(&mut inner, 11, &literal);
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = zlib
        .write_all(&inner)
        .and_then(|()| zlib.finish())
        .unwrap_or_default();
    let mut body = vec![2];
    body.extend(compressed);
    let mut message = Vec::new();
    packet(&mut message, 8, &body);
    message
}

/// `message` as ASCII armor, the form GCP accepts for PGP attestations (a binary message is
/// refused before it is verified, spec §11.2).
fn armor(message: &[u8]) -> String {
    let b64 = BASE64.encode(message);
    let mut text = String::from("-----BEGIN PGP MESSAGE-----\n\n");
    for line in b64.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str("-----END PGP MESSAGE-----\n");
    text
}

fn subpacket(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
    out.push((data.len() + 1) as u8);
    out.push(kind);
    out.extend(data);
}

/// A new-format packet header (RFC 9580 §4.2.1) and its body.
fn packet(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(0xc0 | tag);
    let len = body.len();
    if len < 192 {
        out.push(len as u8);
    } else if len < 8384 {
        let l = len - 192;
        out.push(((l >> 8) + 192) as u8);
        out.push((l & 0xff) as u8);
    } else {
        out.push(0xff);
        out.extend((len as u32).to_be_bytes());
    }
    out.extend(body);
}

/// Class 4, YAML: a request of the given deep or unclosed nesting (in a request's context, where
/// nothing else bounds it). Unbounded, the parser was quadratic in depth (4-52 s).
fn yaml(name: &'static str, nesting: &str) -> Result<Hostile, String> {
    let t = target("alg-ecdsa-p256-sha256-valid")?;
    Ok(Hostile {
        name,
        config: t.config,
        request: format!("images: [{}]\ncontext: {nesting}\n", t.image),
    })
}
