//! The engine finds allowlist matches through an index (spec/README.md §7.1); whatever the
//! patterns, it must report exactly the pattern a scan in policy order finds first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use binauthz_core::AllowlistPattern;
use binauthz_core::DecisionStage;
use binauthz_core::{Engine, Policy};
use proptest::prelude::*;
use serde_json::json;

/// Short names over a tiny alphabet, so patterns and images collide often.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("ab"),
            Just("/"),
            Just(":"),
            Just("@")
        ],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

fn pattern() -> impl Strategy<Value = String> {
    (text(), prop_oneof![Just(""), Just("*"), Just("**")])
        .prop_map(|(rest, wildcard)| format!("r.io/{rest}{wildcard}"))
}

fn image() -> impl Strategy<Value = String> {
    text().prop_map(|rest| format!("r.io/{rest}x"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_engine_reports_the_first_pattern_a_scan_finds(
        patterns in proptest::collection::vec(pattern(), 0..40),
        images in proptest::collection::vec(image(), 1..8),
    ) {
        let valid: Vec<&String> = patterns
            .iter()
            .filter(|p| AllowlistPattern::parse(p).is_ok())
            .collect();
        let policy = json!({
            "admissionWhitelistPatterns": valid.iter().map(|p| json!({"namePattern": p})).collect::<Vec<_>>(),
            "defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}
        });
        let policy = Policy::parse(&policy.to_string()).unwrap();
        let scan: Vec<Option<String>> = images
            .iter()
            .map(|i| policy.allowlist().iter().find(|p| p.matches(i)).map(|p| p.as_str().to_owned()))
            .collect();
        let engine = Engine::new(policy, Vec::new()).unwrap();
        let decision = engine
            .evaluate_str(&json!({"images": images}).to_string())
            .unwrap();
        for (got, want) in decision.images.iter().zip(&scan) {
            prop_assert_eq!(&got.matched_pattern, want, "{}", got.image);
            prop_assert_eq!(got.stage == DecisionStage::Allowlist, want.is_some());
        }
    }
}
