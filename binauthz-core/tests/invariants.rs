//! Invariants of spec/README.md §7 checked over every conformance case, and with proptest over
//! generated policies: the guards against the bugs peers shipped (vacuous truth, a key outside
//! the attestor, an extra attestation or a stricter rule that admits more).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::Path;

use binauthz_core::{Decision, Engine, Verdict};
use common::case;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Every committed case with a `config` object, a `request` object and an expected decision.
fn decided_cases() -> Vec<(String, Value)> {
    let cases: Vec<(String, Value)> = common::all_cases()
        .into_iter()
        .filter(|(_, c): &(String, Value)| {
            c["config"].is_object() && c["request"].is_object() && c["expect"].is_object()
        })
        .collect();
    assert!(cases.len() >= 150, "only {} decided cases", cases.len());
    cases
}

fn decide(config: &Value, request: &Value) -> Decision {
    Engine::from_config_str(&config.to_string())
        .unwrap()
        .evaluate_str(&request.to_string())
        .unwrap()
}

/// Every image denied in `before` is still denied in `after`.
fn assert_no_new_admission(name: &str, what: &str, before: &Decision, after: &Decision) {
    assert_eq!(before.images.len(), after.images.len(), "{name}");
    for (b, a) in before.images.iter().zip(&after.images) {
        assert!(
            b.allowed || !a.allowed,
            "{name}: {what} admitted {} (before: {:?}, after: {:?})",
            a.image,
            b.verdict,
            a.verdict
        );
    }
}

#[test]
fn removing_any_attestation_never_admits_more() {
    let mut checked = 0;
    for (name, c) in decided_cases() {
        let before = decide(&c["config"], &c["request"]);
        let count = c["request"]["attestations"].as_array().map_or(0, Vec::len);
        for skip in 0..=count {
            let mut request = c["request"].clone();
            if let Some(list) = request["attestations"].as_array_mut() {
                if skip == count {
                    list.clear();
                } else {
                    list.remove(skip);
                }
            }
            let after = decide(&c["config"], &request);
            assert_no_new_admission(&name, "removing an attestation", &before, &after);
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} requests checked");
}

/// The rules of a policy document (default and specific), mutably.
fn rules_mut(policy: &mut Value) -> Vec<&mut Value> {
    let mut rules = Vec::new();
    for (key, value) in policy.as_object_mut().unwrap() {
        if key == "defaultAdmissionRule" {
            rules.push(value);
        } else if key.ends_with("AdmissionRules")
            && let Some(map) = value.as_object_mut()
        {
            // A map of specific rules may be null: absent (spec §2).
            rules.extend(map.values_mut());
        }
    }
    rules
}

#[test]
fn requiring_one_more_attestor_never_admits_more() {
    // An attestor whose key is real but signed nothing in any case.
    let extra = json!({"name": "projects/acme/attestors/extra",
        "userOwnedGrafeasNote": {"noteReference": "projects/acme/notes/extra",
            "publicKeys": [{"id": "extra-key", "pkixPublicKey": {
                "signatureAlgorithm": "ECDSA_P256_SHA256",
                "publicKeyPem": std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../spec/conformance/keys/ec-p256-attacker.pub.pem")).unwrap()}}]}});
    let mut stricter_rules = 0;
    for (name, c) in decided_cases() {
        let Ok(engine) = Engine::from_config_str(&c["config"].to_string()) else {
            continue;
        };
        let before = engine.evaluate_str(&c["request"].to_string()).unwrap();
        let mut config = c["config"].clone();
        let mut changed = false;
        for rule in rules_mut(&mut config["policy"]) {
            // One attestor name written alone is a list of one (spec §2).
            if let Value::String(one) = rule["requireAttestationsBy"].clone() {
                rule["requireAttestationsBy"] = json!([one]);
            }
            if let Some(list) = rule["requireAttestationsBy"].as_array_mut() {
                list.push(json!("projects/acme/attestors/extra"));
                changed = true;
            }
        }
        if !changed {
            continue;
        }
        match config["attestors"].as_array_mut() {
            Some(list) => list.push(extra.clone()),
            None => config["attestors"] = json!([extra.clone()]),
        }
        let after = decide(&config, &c["request"]);
        assert_no_new_admission(&name, "requiring one more attestor", &before, &after);
        // The extra attestor has no attestation, so nothing is admitted by attestation any more.
        for image in &after.images {
            if image.verdict == Verdict::Allowed {
                assert!(image.attestors.is_empty(), "{name}: {}", image.image);
            }
        }
        stricter_rules += 1;
    }
    assert!(
        stricter_rules > 60,
        "only {stricter_rules} cases had attestation rules"
    );
}

/// The cases that each carry one genuine signature, one per algorithm, all for the same digest.
const ALGORITHM_CASES: [&str; 11] = [
    "alg-rsa-pss-2048-sha256-valid",
    "alg-rsa-pss-3072-sha256-valid",
    "alg-rsa-pss-4096-sha256-valid",
    "alg-rsa-pss-4096-sha512-valid",
    "alg-rsa-sign-pkcs1-2048-sha256-valid",
    "alg-rsa-sign-pkcs1-3072-sha256-valid",
    "alg-rsa-sign-pkcs1-4096-sha256-valid",
    "alg-rsa-sign-pkcs1-4096-sha512-valid",
    "alg-ecdsa-p256-sha256-valid",
    "alg-ecdsa-p384-sha384-valid",
    "alg-ecdsa-p521-sha512-valid",
];

/// A genuine signature made with another attestor's key (or the same RSA key under another
/// padding), relabelled to claim this attestor's key id and note, never admits.
#[test]
fn a_signature_by_a_key_outside_the_attestor_never_admits() {
    let cases: Vec<Value> = ALGORITHM_CASES.iter().map(|n| case(n)).collect();
    for (a, case_a) in cases.iter().enumerate() {
        assert!(decide(&case_a["config"], &case_a["request"]).allowed);
        let attestor = &case_a["config"]["attestors"][0];
        let note = attestor["userOwnedGrafeasNote"]["noteReference"].clone();
        let key_id = attestor["userOwnedGrafeasNote"]["publicKeys"][0]["id"].clone();
        for (b, case_b) in cases.iter().enumerate() {
            if a == b {
                continue;
            }
            let mut request = case_b["request"].clone();
            let occ = &mut request["attestations"][0];
            occ["noteName"] = note.clone();
            occ["attestation"]["signatures"][0]["publicKeyId"] = key_id.clone();
            let decision = decide(&case_a["config"], &request);
            assert!(
                !decision.allowed,
                "{} admitted a signature from {}'s key",
                ALGORITHM_CASES[a], ALGORITHM_CASES[b]
            );
        }
    }
}

#[test]
fn an_empty_request_is_an_error_not_an_admission() {
    let engine = Engine::from_config_str(
        r#"{"policy": {"defaultAdmissionRule": {"evaluationMode": "ALWAYS_ALLOW",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}"#,
    )
    .unwrap();
    for request in [
        r#"{"images": []}"#,
        r#"{}"#,
        r#"{"images": [], "attestations": []}"#,
        r#"{"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}}"#,
    ] {
        assert!(engine.evaluate_str(request).is_err(), "{request}");
    }
}

#[test]
fn a_rule_requiring_no_attestor_cannot_be_written() {
    for rule in [
        r#"{"evaluationMode": "REQUIRE_ATTESTATION", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}"#,
        r#"{"evaluationMode": "REQUIRE_ATTESTATION", "requireAttestationsBy": [], "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}"#,
    ] {
        let config = format!(r#"{{"policy": {{"defaultAdmissionRule": {rule}}}}}"#);
        assert!(Engine::from_config_str(&config).is_err(), "{rule}");
    }
}

/// A rule of a generated policy: never ALWAYS_ALLOW.
fn strict_rule() -> impl Strategy<Value = Value> {
    common::with_any_enforcement(prop_oneof![
        Just(json!({"evaluationMode": "ALWAYS_DENY"})),
        proptest::sample::subsequence(vec!["keyless", "signer"], 1..=2)
            .prop_map(|names| common::require_attestation("acme", names)),
    ])
}

fn signer() -> Value {
    let c = case("alg-ecdsa-p256-sha256-valid");
    let mut attestor = c["config"]["attestors"][0].clone();
    attestor["name"] = json!("projects/acme/attestors/signer");
    attestor
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Without ALWAYS_ALLOW, an allowlist, system images or breakglass, nothing is ever admitted
    /// without a genuine attestation: not by an attestor without keys, not by a rule that
    /// matched nothing, not by an empty or a forged set of attestations. (A dry-run rule admits
    /// with a recorded violation; that is not an `Allowed` verdict.)
    #[test]
    fn nothing_is_admitted_without_attestations(
        default_rule in strict_rule(),
        namespace_rules in proptest::collection::btree_map("ns[0-3]", strict_rule(), 0..3),
        namespace in proptest::option::of("ns[0-4]"),
        digests in proptest::collection::vec(proptest::array::uniform32(any::<u8>()), 1..4),
        forged in proptest::collection::vec((any::<u16>(), any::<bool>()), 0..3),
    ) {
        let genuine = case("alg-ecdsa-p256-sha256-valid");
        let mut policy = json!({"defaultAdmissionRule": default_rule});
        if !namespace_rules.is_empty() {
            policy["kubernetesNamespaceAdmissionRules"] = json!(namespace_rules);
        }
        let config = json!({"policy": policy, "attestors": [signer(),
            {"name": "projects/acme/attestors/keyless",
             "userOwnedGrafeasNote": {"noteReference": "projects/acme/notes/keyless"}}]});
        let images: Vec<String> = digests.iter().map(|d| format!("gcr.io/acme/app@sha256:{}",
            d.iter().map(|b| format!("{b:02x}")).collect::<String>())).collect();
        // Forged attestations: the genuine occurrence relabelled to a requested digest (its
        // payload still names the original one) or with a bit of its signature flipped.
        let attestations: Vec<Value> = forged.iter().map(|(bit, relabel)| {
            let mut occ = genuine["request"]["attestations"][0].clone();
            if *relabel {
                occ["resourceUri"] = json!(format!("https://{}", images[usize::from(*bit) % images.len()]));
            } else {
                use base64::Engine as _;
                let b64 = base64::engine::general_purpose::STANDARD;
                let field = &mut occ["attestation"]["signatures"][0]["signature"];
                let mut sig = b64.decode(field.as_str().unwrap()).unwrap();
                let bit = usize::from(*bit) % (sig.len() * 8);
                sig[bit / 8] ^= 1 << (bit % 8);
                *field = json!(b64.encode(sig));
            }
            occ
        }).collect();
        let mut request = json!({"images": images, "attestations": attestations});
        if let Some(ns) = namespace {
            request["context"] = json!({"namespace": ns});
        }
        let decision = decide(&config, &request);
        for image in &decision.images {
            prop_assert_ne!(image.verdict, Verdict::Allowed, "{}", image.image);
            prop_assert!(image.attestors.iter().all(|a| !a.satisfied));
        }
    }
}
