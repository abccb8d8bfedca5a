//! Serialize → parse round trips: every document type binauthz reads can be written back in
//! gcloud's shape (or its own text form) and reads back as the same value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use binauthz_core::AllowlistPattern;
use binauthz_core::{Attestor, Config, Digest, ImageRef, Occurrence, Policy, Request, Timestamp};
use proptest::prelude::*;
use serde_json::{Value, json};

#[test]
fn every_valid_conformance_document_round_trips() {
    let (mut policies, mut attestors, mut requests) = (0, 0, 0);
    for (name, case) in common::all_cases() {
        if let Ok(config) = Config::from_value(case["config"].clone()) {
            let written = config.policy.to_value();
            assert_eq!(
                Policy::from_value(written.clone()).unwrap(),
                config.policy,
                "{name}"
            );
            // Written JSON is also valid text for the YAML front end.
            assert_eq!(
                Policy::parse(&written.to_string()).unwrap(),
                config.policy,
                "{name}"
            );
            policies += 1;
            for a in &config.attestors {
                let written = a.to_value();
                let back = Attestor::from_value(written.clone()).unwrap();
                assert_eq!(back.to_value(), written, "{name}");
                assert_eq!(back.name(), a.name());
                assert_eq!(back.note(), a.note());
                let ids =
                    |x: &Attestor| x.keys().iter().map(|k| k.id().clone()).collect::<Vec<_>>();
                assert_eq!(ids(&back), ids(a), "{name}");
                attestors += 1;
            }
        }
        if let Ok(request) = Request::from_value(case["request"].clone()) {
            // An occurrence that could not be read was skipped, not read: it has no shape to be
            // written back in. What was read still writes back.
            if !request.occurrences().is_complete() {
                let written = request.to_value();
                assert_eq!(
                    Request::from_value(written).unwrap().attestations(),
                    request.attestations(),
                    "{name}"
                );
                continue;
            }
            let written = request.to_value();
            assert_eq!(Request::from_value(written).unwrap(), request, "{name}");
            for occ in request.attestations() {
                let back = Occurrence::from_value(occ.to_value()).unwrap();
                assert_eq!(&back, occ, "{name}");
            }
            requests += 1;
        }
    }
    assert!(
        policies > 150 && attestors > 150 && requests > 150,
        "{policies} {attestors} {requests}"
    );
}

#[test]
fn written_keys_are_pem_as_openssl_writes_it() {
    let case = common::case("alg-rsa-pss-2048-sha256-valid");
    let given = &case["config"]["attestors"][0]["userOwnedGrafeasNote"]["publicKeys"][0];
    let attestor = Attestor::from_value(case["config"]["attestors"][0].clone()).unwrap();
    let written = attestor.to_value();
    let key = &written["userOwnedGrafeasNote"]["publicKeys"][0];
    assert_eq!(
        key["pkixPublicKey"]["publicKeyPem"],
        given["pkixPublicKey"]["publicKeyPem"]
    );
    assert_eq!(
        key["pkixPublicKey"]["signatureAlgorithm"],
        json!("RSA_PSS_2048_SHA256")
    );
}

fn rule() -> impl Strategy<Value = Value> {
    common::with_any_enforcement(prop_oneof![
        Just(json!({"evaluationMode": "ALWAYS_ALLOW"})),
        Just(json!({"evaluationMode": "ALWAYS_DENY"})),
        proptest::collection::btree_set("[a-z][a-z0-9-]{0,8}", 1..4)
            .prop_map(|names| common::require_attestation("p", names)),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Generated policies (every rule kind, allowlists, global mode) round trip.
    #[test]
    fn policies_round_trip(
        default_rule in rule(),
        kind in 0usize..5,
        keys in proptest::collection::btree_map("[a-z]([a-z0-9-]{0,8}[a-z0-9])?", rule(), 0..4),
        patterns in proptest::collection::vec("[a-z]{1,8}\\.io/[a-z0-9/_-]{1,12}(\\*|\\*\\*)?", 0..4),
        global in proptest::option::of(prop_oneof![Just("ENABLE"), Just("DISABLE")]),
        name in proptest::option::of(Just("projects/p/policy")),
    ) {
        let mut policy = json!({"defaultAdmissionRule": default_rule});
        let field = ["clusterAdmissionRules", "kubernetesNamespaceAdmissionRules",
            "kubernetesServiceAccountAdmissionRules", "istioServiceIdentityAdmissionRules", ""][kind];
        if !field.is_empty() && !keys.is_empty() {
            let rules: serde_json::Map<String, Value> = keys.into_iter().map(|(k, r)| {
                let key = match kind {
                    0 => format!("us-east1-b.{k}"),
                    2 => format!("{k}:sa-{k}"),
                    3 => format!("spiffe://acme.svc.id.goog/ns/{k}/sa/{k}"),
                    _ => k,
                };
                (key, r)
            }).collect();
            policy[field] = Value::Object(rules);
        }
        if !patterns.is_empty() {
            policy["admissionWhitelistPatterns"] =
                json!(patterns.iter().map(|p| json!({"namePattern": p})).collect::<Vec<_>>());
        }
        if let Some(g) = global {
            policy["globalPolicyEvaluationMode"] = json!(g);
        }
        if let Some(n) = name {
            policy["name"] = json!(n);
        }
        let parsed = Policy::from_value(policy).unwrap();
        prop_assert_eq!(Policy::from_value(parsed.to_value()).unwrap(), parsed);
    }

    /// Digests, image references, allowlist patterns and timestamps round trip through their
    /// text form.
    #[test]
    fn text_forms_round_trip(
        hex in proptest::collection::vec(any::<u8>(), 32),
        repo in "[a-z0-9]{1,10}(\\.[a-z]{2,3})?(:[0-9]{2,5})?/[a-z0-9_/-]{1,20}",
        tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
        secs in -62_135_596_800i64..253_402_300_799,
    ) {
        let hex: String = hex.iter().map(|b| format!("{b:02x}")).collect();
        let digest = Digest::parse(&format!("sha256:{hex}")).unwrap();
        prop_assert_eq!(Digest::parse(&digest.to_string()), Some(digest.clone()));
        let text = match &tag {
            Some(t) => format!("{repo}:{t}@{digest}"),
            None => format!("{repo}@{digest}"),
        };
        if let Ok(image) = ImageRef::parse(&text) {
            prop_assert_eq!(image.digest(), Some(&digest));
            prop_assert_eq!(ImageRef::parse(image.as_str()).unwrap(), image);
        }
        if let Ok(p) = AllowlistPattern::parse(&format!("{repo}*")) {
            prop_assert_eq!(AllowlistPattern::parse(p.as_str()).unwrap(), p);
        }
        let t = Timestamp::from_unix_seconds(secs);
        prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()).unwrap(), t);
    }
}
