//! Floods of signatures (spec/README.md §7.2): many occurrences and signatures, built from real
//! keys, genuine signatures and forgeries (well-formed DER that verifies nowhere, wrong lengths,
//! unknown key ids, copies), for a few attestors and digests. Every decision must stay within the
//! bounds of §7.2 and be the same cold and warm:
//!
//! - at most 32 signature checks per attestor and digest, 4,096 per request;
//! - points spent at most the budget, the diagnosis allowance and one check's cost;
//! - at most 8 (+ one per further kind) reasons per attestor result, 64 (+ kinds) per image;
//! - an image admitted by a REQUIRE_ATTESTATION rule had a genuine attestation in the request.
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use binauthz_core::Engine;
use binauthz_core::limits::{
    MAX_CHECKS_PER_ATTESTOR_DIGEST, MAX_DIAGNOSIS_COST, MAX_REASONS_PER_ATTESTOR,
    MAX_REASONS_PER_IMAGE, MAX_SIGNATURE_CHECKS, MAX_VERIFICATION_COST,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// One attestor each (P-256, P-521, RSA-2048 PSS), all signing the same image.
const CASES: [&str; 3] = [
    include_str!("../../spec/conformance/cases/009-alg-ecdsa-p256-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/011-alg-ecdsa-p521-sha512-valid.json"),
    include_str!("../../spec/conformance/cases/001-alg-rsa-pss-2048-sha256-valid.json"),
];

/// Kinds of reasons there are: the most a list may hold past its limit.
const KINDS: usize = 20;

struct Pool {
    attestors: Vec<Value>,
    occurrences: Vec<Value>,
    key_ids: Vec<String>,
    image: String,
    repository: String,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool = Pool {
            attestors: Vec::new(),
            occurrences: Vec::new(),
            key_ids: Vec::new(),
            image: String::new(),
            repository: String::new(),
        };
        for (i, case) in CASES.iter().enumerate() {
            let case: Value = serde_json::from_str(case).unwrap_or_default();
            let mut attestor = case["config"]["attestors"][0].clone();
            attestor["name"] = json!(format!("projects/acme/attestors/a{i}"));
            attestor["userOwnedGrafeasNote"]["noteReference"] =
                json!(format!("projects/acme/notes/n{i}"));
            let mut occurrence = case["request"]["attestations"][0].clone();
            occurrence["noteName"] = json!(format!("projects/acme/notes/n{i}"));
            pool.key_ids.push(
                occurrence["attestation"]["signatures"][0]["publicKeyId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
            pool.attestors.push(attestor);
            pool.occurrences.push(occurrence);
            pool.image = case["request"]["images"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        pool.repository = pool.image.split('@').next().unwrap_or_default().to_owned();
        pool
    })
}

#[derive(Arbitrary, Debug)]
enum Sig {
    /// The pool's genuine signature of attestor `n`.
    Genuine(u8),
    /// A DER ECDSA value of the given width claiming attestor `n`'s key.
    ForgedDer { attestor: u8, width: u8, seed: u32 },
    /// Raw bytes claiming attestor `n`'s key.
    Bytes { attestor: u8, bytes: Vec<u8> },
    /// Bytes under a key id nobody has.
    Unknown(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Occ {
    attestor: u8,
    /// 0: the pool's digest; otherwise another.
    digest: u8,
    signatures: Vec<Sig>,
    /// How many copies of this occurrence (under distinct names).
    copies: u8,
}

#[derive(Arbitrary, Debug)]
struct Input {
    required: u8,
    images: Vec<u8>,
    occurrences: Vec<Occ>,
}

fn digest(n: u8) -> String {
    let p = pool();
    if n == 0 {
        p.image
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default()
    } else {
        format!("sha256:{:064x}", u64::from(n))
    }
}

fn der(width: u8, seed: u32) -> Vec<u8> {
    let width = [32usize, 48, 66][usize::from(width) % 3];
    let int = |salt: u32| {
        let mut v: Vec<u8> = (0..width)
            .map(|i| {
                (seed
                    .wrapping_mul(2_654_435_761)
                    .wrapping_add(salt * 97 + i as u32)
                    >> 7) as u8
            })
            .collect();
        v[0] = if width == 66 { 1 } else { 0x10 | (v[0] & 0x3f) };
        let mut out = vec![0x02, width as u8];
        out.extend(v);
        out
    };
    let (r, s) = (int(1), int(2));
    let mut out = vec![0x30];
    if r.len() + s.len() >= 0x80 {
        out.push(0x81);
    }
    out.push((r.len() + s.len()) as u8);
    out.extend(r);
    out.extend(s);
    out
}

fn signature(sig: &Sig) -> (Value, bool) {
    let p = pool();
    let n = p.attestors.len();
    let claim = |a: u8| p.key_ids[usize::from(a) % n].clone();
    match sig {
        Sig::Genuine(a) => {
            let a = usize::from(*a) % n;
            (
                p.occurrences[a]["attestation"]["signatures"][0].clone(),
                true,
            )
        }
        Sig::ForgedDer {
            attestor,
            width,
            seed,
        } => (
            json!({"publicKeyId": claim(*attestor), "signature": BASE64.encode(der(*width, *seed))}),
            false,
        ),
        Sig::Bytes { attestor, bytes } => (
            json!({"publicKeyId": claim(*attestor), "signature": BASE64.encode(bytes)}),
            false,
        ),
        Sig::Unknown(bytes) => (
            json!({"publicKeyId": "attacker", "signature": BASE64.encode(bytes)}),
            false,
        ),
    }
}

fuzz_target!(|input: Input| {
    let p = pool();
    let n = p.attestors.len();
    let required: Vec<String> = (0..n)
        .filter(|i| input.required & (1 << i) != 0 || *i == 0)
        .map(|i| format!("projects/acme/attestors/a{i}"))
        .collect();
    let config = json!({
        "policy": {"defaultAdmissionRule": {"evaluationMode": "REQUIRE_ATTESTATION",
            "requireAttestationsBy": required, "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}},
        "attestors": p.attestors,
    });
    let images: Vec<String> = input
        .images
        .iter()
        .take(64)
        .map(|d| format!("{}@{}", p.repository, digest(d % 4)))
        .collect();
    if images.is_empty() {
        return;
    }
    let mut occurrences = Vec::new();
    let mut genuine = vec![false; n];
    for (o, occ) in input.occurrences.iter().take(64).enumerate() {
        let a = usize::from(occ.attestor) % n;
        let d = occ.digest % 4;
        let mut sigs = Vec::new();
        for s in occ.signatures.iter().take(64) {
            let (v, real) = signature(s);
            if real && d == 0 {
                if let Sig::Genuine(g) = s {
                    // Genuine only under its own attestor's note.
                    if usize::from(*g) % n == a {
                        genuine[a] = true;
                    }
                }
            }
            sigs.push(v);
        }
        let mut value = p.occurrences[a].clone();
        value["resourceUri"] = json!(format!("https://{}@{}", p.repository, digest(d)));
        value["attestation"]["signatures"] = json!(sigs);
        for c in 0..=usize::from(occ.copies % 64) {
            let mut copy = value.clone();
            copy["name"] = json!(format!("projects/acme/occurrences/{o}-{c}"));
            occurrences.push(copy);
            if occurrences.len() >= 4096 {
                break;
            }
        }
    }
    let request = json!({"images": images, "attestations": occurrences}).to_string();
    let Ok(engine) = Engine::from_config_str(&config.to_string()) else {
        return;
    };
    let Ok(cold) = engine.evaluate_str(&request) else {
        return;
    };
    let warm = engine
        .evaluate_str(&request)
        .expect("the same request parses twice");
    assert_eq!(cold, warm, "cold and warm differ");
    let d = &cold.diagnostics;
    assert_eq!(d.signature_checks, warm.diagnostics.signature_checks);
    assert_eq!(d.verification_cost, warm.diagnostics.verification_cost);
    assert!(d.signature_checks <= MAX_SIGNATURE_CHECKS as u64);
    // Distinct digests times required attestors bound the pairs, each at most 32 checks.
    let pairs = 4 * cold.images[0].attestors.len().max(1) as u64;
    assert!(d.signature_checks <= pairs * MAX_CHECKS_PER_ATTESTOR_DIGEST as u64);
    // One check costs at most a P-521 verification over the largest payload (a few hundred
    // bytes here): 16 points with room to spare.
    assert!(
        d.verification_cost <= MAX_VERIFICATION_COST + MAX_DIAGNOSIS_COST + 64,
        "{d:?}"
    );
    for image in &cold.images {
        assert!(image.reasons.len() <= MAX_REASONS_PER_IMAGE + KINDS);
        for a in &image.attestors {
            assert!(a.reasons.len() <= MAX_REASONS_PER_ATTESTOR + KINDS);
        }
        if image.allowed && image.digest.as_deref() == Some(digest(0).as_str()) {
            for a in &image.attestors {
                let i: usize = a
                    .attestor
                    .as_str()
                    .rsplit_once("/a")
                    .and_then(|(_, i)| i.parse().ok())
                    .unwrap_or(usize::MAX);
                assert!(
                    genuine.get(i).copied().unwrap_or(false),
                    "admitted without a genuine attestation"
                );
            }
        }
        if image.allowed {
            assert_eq!(
                image.digest.as_deref(),
                Some(digest(0).as_str()),
                "another digest admitted"
            );
        }
    }
});
