//! The verification cache and per-request deduplication (spec/README.md §7.1): a decision is the
//! same whether its signature checks ran or came from the cache, a cached conclusion never
//! carries over to another digest, key or payload, and the diagnostics count what happened.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::sync::Arc;

use binauthz_core::{Decision, Engine};
use serde_json::Value;

/// The cases with a config and a request that evaluate to a decision.
fn decidable() -> Vec<(String, String, String)> {
    common::all_cases()
        .into_iter()
        .filter(|(_, case)| case.get("expect").is_some())
        .filter_map(|(name, case)| {
            Some((
                name,
                common::document_text(&case, "config", "configText")?,
                common::document_text(&case, "request", "requestText")?,
            ))
        })
        .collect()
}

fn without_diagnostics(d: &Decision) -> Value {
    let mut v = serde_json::to_value(d).unwrap();
    v.as_object_mut().unwrap().remove("diagnostics");
    v
}

#[test]
fn warm_decisions_equal_cold_ones_in_every_field_but_the_counters() {
    let cases = decidable();
    assert!(cases.len() > 150);
    let mut cached_somewhere = 0;
    for (name, config, request) in &cases {
        let engine = Engine::from_config_str(config).unwrap();
        let uncached = Engine::from_config_str(config)
            .unwrap()
            .with_cache_capacity(0);
        let cold = engine.evaluate_str(request).unwrap();
        let warm = engine.evaluate_str(request).unwrap();
        let never = uncached.evaluate_str(request).unwrap();
        assert_eq!(warm, cold, "{name}");
        assert_eq!(never, cold, "{name}");
        assert_eq!(
            without_diagnostics(&warm),
            without_diagnostics(&cold),
            "{name}"
        );
        // Every check that ran cold is a hit warm, and nothing runs again.
        let (c, w) = (cold.diagnostics, warm.diagnostics);
        assert_eq!(c.cache_hits, 0, "{name}: a fresh engine has nothing cached");
        assert_eq!(
            (w.cache_hits, w.cache_misses),
            (c.cache_misses, 0),
            "{name}"
        );
        assert_eq!(w.reused_attestor_checks, c.reused_attestor_checks, "{name}");
        assert_eq!(never.diagnostics.cache_hits, 0, "{name}");
        assert_eq!(never.diagnostics.cache_misses, c.cache_misses, "{name}");
        if c.cache_misses > 0 {
            cached_somewhere += 1;
        }
    }
    assert!(
        cached_somewhere > 60,
        "only {cached_somewhere} cases check signatures"
    );
}

#[test]
fn a_tiny_cache_shared_by_threads_gives_the_uncached_decisions() {
    // Capacity 3 evicts constantly, and 4 threads race on it over the same requests.
    let cases = decidable();
    let multi: Vec<_> = cases
        .iter()
        .filter(|(name, ..)| {
            name.contains("rotation") || name.contains("several") || name.contains("two-attestors")
        })
        .collect();
    assert!(multi.len() >= 5);
    for (name, config, request) in multi {
        let expected = Engine::from_config_str(config)
            .unwrap()
            .with_cache_capacity(0)
            .evaluate_str(request)
            .unwrap();
        let engine = Arc::new(
            Engine::from_config_str(config)
                .unwrap()
                .with_cache_capacity(3),
        );
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (engine, request) = (Arc::clone(&engine), request.clone());
                std::thread::spawn(move || {
                    (0..25)
                        .map(|_| engine.evaluate_str(&request).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for t in threads {
            for d in t.join().unwrap() {
                assert_eq!(d, expected, "{name}");
            }
        }
        let stats = engine.cache_stats();
        assert!(stats.entries <= 3, "{name}: {stats:?}");
        assert_eq!(stats.capacity, 3);
    }
}

/// The `valid` P-256 case, and its request with the image and occurrence moved to another digest
/// (the signed payload still names the original one).
fn rebound() -> (Value, Value, Value) {
    let case = common::case("alg-ecdsa-p256-sha256-valid");
    let request = case["request"].clone();
    let image = request["images"][0].as_str().unwrap().to_owned();
    let (repo, digest) = image.split_once("@sha256:").unwrap();
    let other = digest.replace(
        &digest[..1],
        if digest.starts_with('0') { "1" } else { "0" },
    );
    assert_ne!(other, digest);
    let mut moved = request.clone();
    moved["images"][0] = Value::String(format!("{repo}@sha256:{other}"));
    let uri = moved["attestations"][0]["resourceUri"]
        .as_str()
        .unwrap()
        .to_owned();
    moved["attestations"][0]["resourceUri"] = Value::String(uri.replace(digest, &other));
    (case, request, moved)
}

#[test]
fn a_cached_acceptance_never_admits_another_digest() {
    let (case, request, moved) = rebound();
    let engine = common::engine(&case);
    assert!(engine.evaluate_str(&request.to_string()).unwrap().allowed);
    let d = engine.evaluate_str(&moved.to_string()).unwrap();
    assert!(!d.allowed, "{}", d.to_json_pretty());
    assert_eq!(
        d.images[0].reasons[0].kind,
        binauthz_core::ReasonKind::PayloadDigestMismatch
    );
    assert_eq!(
        d.diagnostics.cache_misses, 1,
        "another digest is another check"
    );
}

#[test]
fn a_cached_acceptance_never_admits_a_changed_signature_or_payload() {
    let case = common::case("alg-ecdsa-p256-sha256-valid");
    let engine = common::engine(&case);
    let request = case["request"].clone();
    assert!(engine.evaluate_str(&request.to_string()).unwrap().allowed);
    let occurrence = &request["attestations"][0];
    let signature = occurrence["attestation"]["signatures"][0]["signature"]
        .as_str()
        .unwrap();
    let payload = occurrence["attestation"]["serializedPayload"]
        .as_str()
        .unwrap();
    let flip = |b64: &str| {
        let mut chars: Vec<char> = b64.chars().collect();
        let at = chars.len() / 2;
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    for (pointer, changed) in [
        (
            "/attestations/0/attestation/signatures/0/signature",
            flip(signature),
        ),
        (
            "/attestations/0/attestation/serializedPayload",
            flip(payload),
        ),
    ] {
        let mut tampered = request.clone();
        *tampered.pointer_mut(pointer).unwrap() = Value::String(changed);
        let d = engine.evaluate_str(&tampered.to_string()).unwrap();
        assert!(!d.allowed, "{pointer}: {}", d.to_json_pretty());
        assert_eq!(d.diagnostics.cache_misses, 1, "{pointer}");
    }
}

#[test]
fn images_sharing_a_digest_are_checked_once_per_attestor() {
    let case = common::case("two-attestors-both-satisfied");
    let engine = common::engine(&case);
    let mut request = case["request"].clone();
    let image = request["images"][0].as_str().unwrap().to_owned();
    // The same digest eight times: as given, and under other names and tags.
    let (repo, digest) = image.split_once('@').unwrap();
    let names: Vec<Value> = (0..8)
        .map(|i| match i % 3 {
            0 => Value::String(image.clone()),
            1 => Value::String(format!("{repo}:v{i}@{digest}")),
            _ => Value::String(format!("https://{repo}@{digest}")),
        })
        .collect();
    request["images"] = Value::Array(names);
    let d = engine.evaluate_str(&request.to_string()).unwrap();
    assert!(d.allowed, "{}", d.to_json_pretty());
    assert_eq!(d.images.len(), 8);
    assert_eq!(
        d.diagnostics.cache_misses, 2,
        "one signature check per attestor"
    );
    assert_eq!(d.diagnostics.reused_attestor_checks, 7 * 2);
    let stats = engine.cache_stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (0, 2, 2));
}

#[test]
fn clones_share_the_cache_and_with_cache_capacity_starts_afresh() {
    let case = common::case("alg-ecdsa-p256-sha256-valid");
    let engine = common::engine(&case);
    let request = case["request"].to_string();
    engine.evaluate_str(&request).unwrap();
    let clone = engine.clone();
    assert_eq!(
        clone.evaluate_str(&request).unwrap().diagnostics.cache_hits,
        1
    );
    assert_eq!(engine.cache_stats().hits, 1);
    let fresh = engine.with_cache_capacity(16);
    assert_eq!(fresh.cache_stats().entries, 0);
    assert_eq!(
        fresh
            .evaluate_str(&request)
            .unwrap()
            .diagnostics
            .cache_misses,
        1
    );
}
