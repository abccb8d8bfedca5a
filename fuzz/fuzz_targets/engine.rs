//! The whole engine from structured inputs: policies, attestors, images and attestations are
//! built from a pool of real keys and genuine signatures (spec/conformance), then mutated. Every
//! decision must satisfy the invariants of spec/README.md §7:
//!
//! - an image admitted by a REQUIRE_ATTESTATION rule has, for every required attestor, an
//!   unmodified genuine attestation by that attestor for exactly the image's digest;
//! - removing any attestation never turns a denied image into an admitted one;
//! - adding an attestor to every rule never turns a denied image into an admitted one;
//! - the decision is deterministic and independent of the order of attestations;
//! - verifying the request's signatures on two threads (spec §7.3) decides the same, byte for
//!   byte;
//! - only breakglass yields a breakglass verdict and only a dry-run rule a dry-run verdict.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::EvaluationMode;
use binauthz_core::Verdict;
use binauthz_core::{Decision, Engine};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// Cases with one genuine signature each (different algorithms, the same image digest).
const CASES: [&str; 4] = [
    include_str!("../../spec/conformance/cases/009-alg-ecdsa-p256-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/010-alg-ecdsa-p384-sha384-valid.json"),
    include_str!("../../spec/conformance/cases/001-alg-rsa-pss-2048-sha256-valid.json"),
    include_str!("../../spec/conformance/cases/005-alg-rsa-sign-pkcs1-2048-sha256-valid.json"),
];

/// One attestor of the pool and the genuine occurrence it signed (absent for the keyless one).
struct Entry {
    attestor: Value,
    occurrence: Option<Value>,
    key_id: String,
}

struct Pool {
    entries: Vec<Entry>,
    /// The digest (`sha256:…`) every genuine occurrence binds.
    digest: String,
}

fn name(i: usize) -> String {
    format!("projects/acme/attestors/a{i}")
}

fn note(i: usize) -> String {
    format!("projects/acme/notes/n{i}")
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut entries = Vec::new();
        let mut digest = String::new();
        for (i, case) in CASES.iter().enumerate() {
            let case: Value = serde_json::from_str(case).unwrap_or_default();
            let mut attestor = case["config"]["attestors"][0].clone();
            attestor["name"] = json!(name(i));
            attestor["userOwnedGrafeasNote"]["noteReference"] = json!(note(i));
            let mut occurrence = case["request"]["attestations"][0].clone();
            occurrence["noteName"] = json!(note(i));
            let key_id = occurrence["attestation"]["signatures"][0]["publicKeyId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let image = case["request"]["images"][0].as_str().unwrap_or_default();
            digest = image
                .rsplit_once('@')
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default();
            entries.push(Entry {
                attestor,
                occurrence: Some(occurrence),
                key_id,
            });
        }
        // An attestor without keys: it can never be satisfied (no vacuous truth).
        let i = entries.len();
        entries.push(Entry {
            attestor: json!({"name": name(i), "userOwnedGrafeasNote": {"noteReference": note(i)}}),
            occurrence: None,
            key_id: String::new(),
        });
        assert_eq!(digest.len(), 71);
        Pool { entries, digest }
    })
}

#[derive(Arbitrary, Debug, Clone)]
enum Mode {
    AlwaysAllow,
    AlwaysDeny,
    Require(Vec<u8>),
}

#[derive(Arbitrary, Debug, Clone)]
struct Rule {
    mode: Mode,
    dry_run: bool,
}

#[derive(Arbitrary, Debug)]
enum Image {
    /// The pool's digest in some repository.
    Attested { repository: u8 },
    /// Another digest.
    Other { repository: u8, digest: [u8; 32] },
    /// A tag, no digest.
    Tagged { repository: u8 },
}

#[derive(Arbitrary, Debug)]
enum Mutation {
    None,
    FlipSignatureBit(u16),
    FlipPayloadBit(u16),
    OtherDigestInUri([u8; 32]),
    UnderNoteOf(u8),
    ClaimKeyIdOf(u8),
    DropSignatures,
}

#[derive(Arbitrary, Debug)]
struct Attestation {
    entry: u8,
    mutation: Mutation,
}

#[derive(Arbitrary, Debug)]
struct Input {
    default_rule: Rule,
    namespace_rules: Vec<(u8, Rule)>,
    allowlist: Vec<(u8, u8)>,
    system_images: bool,
    images: Vec<Image>,
    attestations: Vec<Attestation>,
    namespace: Option<u8>,
    breakglass: bool,
}

const REPOSITORIES: [&str; 4] = [
    "us-docker.pkg.dev/acme/prod/payments-api",
    "gcr.io/acme/worker",
    "k8s.gcr.io/pause",
    "localhost:5000/app",
];

fn pick<T>(items: &[T], i: u8) -> &T {
    &items[usize::from(i) % items.len()]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn rule_json(rule: &Rule, extra: Option<usize>) -> Value {
    let enforcement = if rule.dry_run {
        "DRYRUN_AUDIT_LOG_ONLY"
    } else {
        "ENFORCED_BLOCK_AND_AUDIT_LOG"
    };
    let n = pool().entries.len();
    match &rule.mode {
        Mode::AlwaysAllow => {
            json!({"evaluationMode": "ALWAYS_ALLOW", "enforcementMode": enforcement})
        }
        Mode::AlwaysDeny => {
            json!({"evaluationMode": "ALWAYS_DENY", "enforcementMode": enforcement})
        }
        Mode::Require(which) => {
            let mut names: Vec<String> = which
                .iter()
                .take(4)
                .map(|i| name(usize::from(*i) % n))
                .collect();
            if let Some(extra) = extra {
                names.push(name(extra));
            }
            names.sort();
            names.dedup();
            json!({"evaluationMode": "REQUIRE_ATTESTATION", "enforcementMode": enforcement,
                   "requireAttestationsBy": names})
        }
    }
}

fn config(input: &Input, extra: Option<usize>) -> Value {
    let mut policy = json!({"defaultAdmissionRule": rule_json(&input.default_rule, extra)});
    if !input.namespace_rules.is_empty() {
        let rules: serde_json::Map<String, Value> = input
            .namespace_rules
            .iter()
            .take(4)
            .map(|(ns, rule)| (format!("ns{}", ns % 4), rule_json(rule, extra)))
            .collect();
        policy["kubernetesNamespaceAdmissionRules"] = Value::Object(rules);
    }
    if !input.allowlist.is_empty() {
        let patterns: Vec<Value> = input
            .allowlist
            .iter()
            .take(4)
            .map(|(repo, kind)| {
                let repo = pick(&REPOSITORIES, *repo);
                let pattern = match kind % 3 {
                    0 => format!("{repo}*"),
                    1 => format!("{}/**", repo.rsplit_once('/').map_or(*repo, |(p, _)| p)),
                    _ => format!("{repo}:v1"),
                };
                json!({"namePattern": pattern})
            })
            .collect();
        policy["admissionWhitelistPatterns"] = Value::Array(patterns);
    }
    if input.system_images {
        policy["globalPolicyEvaluationMode"] = json!("ENABLE");
    }
    let attestors: Vec<Value> = pool().entries.iter().map(|e| e.attestor.clone()).collect();
    json!({"policy": policy, "attestors": attestors})
}

fn flip(field: &mut Value, bit: u16) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(mut bytes) = field.as_str().and_then(|s| b64.decode(s).ok()) else {
        return;
    };
    if bytes.is_empty() {
        return;
    }
    let bit = usize::from(bit) % (bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
    *field = json!(b64.encode(&bytes));
}

/// The request's attestations, each with whether it is an unmodified genuine one (by entry).
fn attestations(input: &Input) -> Vec<(Value, Option<usize>)> {
    let entries = &pool().entries;
    input
        .attestations
        .iter()
        .take(6)
        .filter_map(|a| {
            let i = usize::from(a.entry) % entries.len();
            let mut occ = entries[i].occurrence.clone()?;
            let genuine = matches!(a.mutation, Mutation::None);
            match &a.mutation {
                Mutation::None => {}
                Mutation::FlipSignatureBit(bit) => {
                    flip(&mut occ["attestation"]["signatures"][0]["signature"], *bit)
                }
                Mutation::FlipPayloadBit(bit) => {
                    flip(&mut occ["attestation"]["serializedPayload"], *bit)
                }
                Mutation::OtherDigestInUri(d) => {
                    occ["resourceUri"] = json!(format!("https://gcr.io/acme/x@sha256:{}", hex(d)))
                }
                Mutation::UnderNoteOf(j) => {
                    occ["noteName"] = json!(note(usize::from(*j) % entries.len()))
                }
                Mutation::ClaimKeyIdOf(j) => {
                    let other = &pick(entries, *j).key_id;
                    occ["attestation"]["signatures"][0]["publicKeyId"] = json!(other)
                }
                Mutation::DropSignatures => occ["attestation"]["signatures"] = json!([]),
            }
            // A mutation that leaves the occurrence as it was is still genuine.
            let genuine = genuine || Some(&occ) == entries[i].occurrence.as_ref();
            Some((occ, genuine.then_some(i)))
        })
        .collect()
}

fn request(input: &Input, atts: &[(Value, Option<usize>)]) -> Value {
    let images: Vec<String> = input
        .images
        .iter()
        .take(8)
        .map(|image| match image {
            Image::Attested { repository } => {
                format!("{}@{}", pick(&REPOSITORIES, *repository), pool().digest)
            }
            Image::Other { repository, digest } => {
                format!(
                    "{}@sha256:{}",
                    pick(&REPOSITORIES, *repository),
                    hex(digest)
                )
            }
            Image::Tagged { repository } => format!("{}:v1", pick(&REPOSITORIES, *repository)),
        })
        .collect();
    let mut context = json!({"breakglass": input.breakglass});
    if let Some(ns) = input.namespace {
        context["namespace"] = json!(format!("ns{}", ns % 5));
    }
    let attestations: Vec<&Value> = atts.iter().map(|(v, _)| v).collect();
    json!({"images": images, "attestations": attestations, "context": context})
}

fn evaluate(engine: &Engine, request: &Value) -> Option<Decision> {
    engine.evaluate_str(&request.to_string()).ok()
}

/// Every image denied in `before` is denied in `after` (same images, same order).
fn no_new_admissions(before: &Decision, after: &Decision, what: &str) {
    assert_eq!(before.images.len(), after.images.len());
    for (b, a) in before.images.iter().zip(&after.images) {
        assert!(b.allowed || !a.allowed, "{what} admitted {}", a.image);
    }
}

fuzz_target!(|input: Input| {
    let Ok(engine) = Engine::from_config_str(&config(&input, None).to_string()) else {
        return;
    };
    let atts = attestations(&input);
    let request_json = request(&input, &atts);
    let Some(decision) = evaluate(&engine, &request_json) else {
        return;
    };

    // Determinism, and independence from the order of attestations and of how the signatures
    // are verified (a fresh engine, so that nothing is answered by the first one's cache).
    let threaded = Engine::from_config_str(&config(&input, None).to_string())
        .expect("the same config")
        .with_verify_threads(2);
    assert_eq!(
        evaluate(&threaded, &request_json).map(|d| d.to_json_pretty()),
        Some(decision.to_json_pretty())
    );
    assert_eq!(Some(&decision), evaluate(&engine, &request_json).as_ref());
    let mut reversed = atts.clone();
    reversed.reverse();
    let other_order =
        evaluate(&engine, &request(&input, &reversed)).expect("same request, reordered");
    assert_eq!(decision.allowed, other_order.allowed);
    assert_eq!(decision.images, other_order.images);

    assert_eq!(decision.allowed, decision.images.iter().all(|i| i.allowed));
    let genuine: Vec<usize> = atts.iter().filter_map(|(_, g)| *g).collect();
    for image in &decision.images {
        match image.verdict {
            Verdict::Breakglass => assert!(input.breakglass),
            Verdict::DryRunViolation => {
                assert!(
                    image.rule.as_ref().is_some_and(
                        |r| r.enforcement_mode == binauthz_core::EnforcementMode::DryRun
                    )
                )
            }
            Verdict::Allowed => {
                let Some(rule) = &image.rule else { continue };
                if rule.evaluation_mode != EvaluationMode::RequireAttestation {
                    continue;
                }
                // Admitted by attestation: the digest is the attested one and every required
                // attestor has an unmodified genuine occurrence in the request.
                assert_eq!(
                    image.digest.as_deref(),
                    Some(pool().digest.as_str()),
                    "{}",
                    image.image
                );
                assert!(!image.attestors.is_empty());
                for result in &image.attestors {
                    assert!(result.satisfied);
                    let index = result
                        .attestor
                        .as_str()
                        .rsplit_once("/a")
                        .and_then(|(_, i)| i.parse::<usize>().ok());
                    assert!(
                        index.is_some_and(|i| genuine.contains(&i)),
                        "{} admitted without a genuine attestation",
                        result.attestor
                    );
                }
            }
            Verdict::Denied => {}
        }
    }

    // Removing any one attestation, or all of them, admits nothing new.
    for skip in 0..=atts.len() {
        let fewer: Vec<(Value, Option<usize>)> = if skip == atts.len() {
            Vec::new()
        } else {
            atts.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, a)| a.clone())
                .collect()
        };
        if let Some(after) = evaluate(&engine, &request(&input, &fewer)) {
            no_new_admissions(&decision, &after, "removing an attestation");
        }
    }

    // Requiring one more attestor in every rule admits nothing new.
    for extra in 0..pool().entries.len() {
        if let Ok(stricter) = Engine::from_config_str(&config(&input, Some(extra)).to_string()) {
            if let Some(after) = evaluate(&stricter, &request_json) {
                no_new_admissions(&decision, &after, "adding an attestor");
            }
        }
    }
});
