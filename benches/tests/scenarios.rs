//! The benchmark scenarios decide what the benchmarks claim they measure.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use binauthz_benches::scenarios;
use binauthz_core::DecisionStage;
use binauthz_core::{Engine, ReasonKind};

#[test]
fn the_pod_verifies_forty_signatures_cold_and_none_warm() {
    let pod = scenarios::pod(8, 5).unwrap();
    let engine = Engine::from_config_str(&pod.config).unwrap();
    let cold = engine.evaluate_str(&pod.request).unwrap();
    assert!(cold.allowed, "{}", cold.to_json_pretty());
    assert_eq!(cold.images.len(), 8);
    assert!(cold.images.iter().all(|i| i.attestors.len() == 5));
    assert_eq!(
        (cold.diagnostics.cache_misses, cold.diagnostics.cache_hits),
        (40, 0)
    );
    let warm = engine.evaluate_str(&pod.request).unwrap();
    assert_eq!(warm, cold);
    assert_eq!(
        (warm.diagnostics.cache_misses, warm.diagnostics.cache_hits),
        (0, 40)
    );
}

#[test]
fn the_allowlist_scenarios_reach_the_last_pattern_and_the_last_rule() {
    for n in [10, 10_000] {
        let s = scenarios::allowlist(n);
        let engine = Engine::from_config_str(&s.config).unwrap();
        assert_eq!(engine.policy().allowlist().len(), n);
        let d = engine.evaluate_str(&s.request).unwrap();
        assert!(d.allowed, "{}", d.to_json_pretty());
        let last = engine.policy().allowlist().last().unwrap().as_str();
        assert_eq!(d.images[0].stage, DecisionStage::Allowlist);
        assert_eq!(d.images[0].matched_pattern.as_deref(), Some(last));
        assert_eq!(d.images[1].stage, DecisionStage::Rule);
        assert_eq!(
            d.images[1].rule.as_ref().unwrap().key.as_deref(),
            Some(format!("ns-{}", n - 1).as_str())
        );
        assert_eq!(d.images[1].reasons[0].kind, ReasonKind::AlwaysAllow);
    }
}

#[test]
fn the_large_policy_and_the_occurrences_load() {
    let config = scenarios::large_policy(1000, 200).unwrap();
    let engine = Engine::from_config_str(&config).unwrap();
    assert_eq!(engine.attestors().count(), 200);
    assert_eq!(engine.policy().specific_rules().iter().count(), 1000);
    let occurrences = scenarios::occurrences(100).unwrap();
    assert_eq!(
        binauthz_core::Occurrence::parse_many(&occurrences)
            .unwrap()
            .len(),
        100
    );
    let single = Engine::from_config_str(&scenarios::single_attestor().unwrap()).unwrap();
    let d = single
        .evaluate_str(&scenarios::single_image_request(3).unwrap())
        .unwrap();
    assert!(d.allowed && d.diagnostics.cache_misses == 1);
}

#[test]
fn the_key_scenarios_verify_with_the_last_of_n_keys() {
    for n in [10, 1000] {
        let s = scenarios::attestor_keys(n).unwrap();
        let engine = Engine::from_config_str(&s.config).unwrap();
        let attestor = engine.attestors().next().unwrap();
        assert_eq!(attestor.keys().len(), n);
        let d = engine.evaluate_str(&s.request).unwrap();
        assert!(d.allowed, "{}", d.to_json_pretty());
        let by = d.images[0].attestors[0].verified_by.as_ref().unwrap();
        assert_eq!(by.key_id.as_str(), attestor.keys()[n - 1].id().as_str());
        assert_eq!(d.diagnostics.cache_misses, 1);
    }
}

#[test]
fn the_webhook_files_admit_one_image_with_one_signature_and_the_pod_with_forty() {
    use binauthz_core::api::json;
    let files: std::collections::HashMap<_, _> =
        scenarios::webhook_files().unwrap().into_iter().collect();
    let engine = json::compile_documents(&files["policy.json"], Some(&files["attestors.json"]))
        .unwrap()
        .with_cache_capacity(0);
    let attestations = &files["attestations/attestations.json"];
    for (review, uid, signatures) in [
        ("pod-1.json", "bench-1", 1),
        ("pod-8x5.json", "bench-8x5", 40),
    ] {
        let answer: serde_json::Value = serde_json::from_str(
            &json::answer_review(&engine, &files[review], Some(attestations), None, None).unwrap(),
        )
        .unwrap();
        assert_eq!(answer["response"]["response"]["uid"], uid);
        assert_eq!(answer["response"]["response"]["allowed"], true, "{answer}");
        assert_eq!(
            answer["decision"]["diagnostics"]["cacheMisses"], signatures,
            "{review}"
        );
    }
}
