//! Verification as a plan (spec/README.md §7.3): whichever way a request's signatures are
//! verified — here, on several threads, or by a host that answers the plan — every conformance
//! case gets the same decision, byte for byte, as `Engine::evaluate` gives it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use binauthz_core::Decision;
use binauthz_core::{Engine, Request, Verdicts};
use serde_json::Value;

fn json(decision: &Decision) -> String {
    serde_json::to_string(decision).unwrap()
}

/// Every conformance case that has a decision, as its engine and parsed request.
fn cases() -> Vec<(String, String, String)> {
    common::case_paths()
        .iter()
        .filter_map(|path| {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            case.get("expect")?;
            let config = common::document_text(&case, "config", "configText")?;
            let request = common::document_text(&case, "request", "requestText")?;
            Some((path.display().to_string(), config, request))
        })
        .collect()
}

/// A fresh engine (an empty cache) and the request, for each way of deciding.
fn fresh(config: &str, request: &str) -> (Engine, Request) {
    (
        Engine::from_config_str(config).unwrap(),
        Request::parse(request).unwrap(),
    )
}

/// A host that verifies as WebCrypto would be asked to: only what `host_signature` gives it,
/// reporting acceptances alone.
fn honest_host(engine: &Engine, request: &Request) -> Verdicts {
    let mut verdicts = Verdicts::new();
    for check in engine.plan(request).checks() {
        if check.host_signature().is_ok() && check.verify().is_ok() {
            verdicts.host_verified(check.id());
        }
    }
    verdicts
}

#[test]
fn every_way_of_verifying_gives_the_same_decision() {
    let cases = cases();
    assert!(cases.len() > 100, "only {} cases", cases.len());
    let mut planned = 0;
    for (name, config, request) in &cases {
        let (engine, req) = fresh(config, request);
        let expected = json(&engine.evaluate(&req));

        let (engine, req) = fresh(config, request);
        let plan = engine.plan(&req);
        planned += plan.len();
        let verdicts = plan.verify_all(1);
        assert_eq!(
            json(&engine.evaluate_verified(&req, &verdicts)),
            expected,
            "{name}: verify_all(1)"
        );

        let (engine, req) = fresh(config, request);
        let verdicts = engine.plan(&req).verify_all(4);
        assert_eq!(
            json(&engine.evaluate_verified(&req, &verdicts)),
            expected,
            "{name}: verify_all(4)"
        );

        let (engine, req) = fresh(config, request);
        let engine = engine.with_verify_threads(3);
        assert_eq!(json(&engine.evaluate(&req)), expected, "{name}: 3 threads");

        let (engine, req) = fresh(config, request);
        let verdicts = honest_host(&engine, &req);
        assert_eq!(
            json(&engine.evaluate_verified(&req, &verdicts)),
            expected,
            "{name}: host"
        );

        // A host that answers nothing (no WebCrypto, or every key refused) changes nothing.
        let (engine, req) = fresh(config, request);
        assert_eq!(
            json(&engine.evaluate_verified(&req, &Verdicts::new())),
            expected,
            "{name}: no host"
        );
    }
    assert!(
        planned > 100,
        "only {planned} checks planned over every case"
    );
}

#[test]
fn a_host_cannot_make_a_malformed_signature_count() {
    // A host that claims every planned check verified is taken at its word for the arithmetic
    // only: where every planned signature is one this crate calls malformed (raw r || s, bad
    // DER, out of range, wrong length), the decision is the one made without any host.
    let (mut malformed_only, mut differ) = (0, 0);
    for (name, config, request) in cases() {
        let (engine, req) = fresh(&config, &request);
        let expected = json(&engine.evaluate(&req));
        let (engine, req) = fresh(&config, &request);
        let mut verdicts = Verdicts::new();
        let plan = engine.plan(&req);
        for check in plan.checks() {
            verdicts.host_verified(check.id());
        }
        let all_malformed =
            !plan.is_empty() && plan.checks().iter().all(|c| c.host_signature().is_err());
        let claimed = json(&engine.evaluate_verified(&req, &verdicts));
        if all_malformed {
            malformed_only += 1;
            assert_eq!(claimed, expected, "{name}: a host's claim counted");
        }
        differ += usize::from(claimed != expected);
    }
    assert!(malformed_only > 0, "no case has only malformed signatures");
    // A lying host does change decisions (forged but well-formed signatures): the host is
    // trusted with the arithmetic, which is the point of asking it.
    assert!(differ > 0);
}

#[test]
fn a_plan_lists_each_check_once_and_a_warm_cache_answers_it() {
    let case = common::case("alg-ecdsa-p256-sha256-valid");
    let engine = common::engine(&case);
    let request =
        Request::parse(&common::document_text(&case, "request", "requestText").unwrap()).unwrap();
    let plan = engine.plan(&request);
    assert_eq!(plan.len(), 1);
    let check = &plan.checks()[0];
    assert_eq!(check.key().algorithm().name(), "ECDSA_P256_SHA256");
    let host = check.host_signature().unwrap();
    assert_eq!(
        (host.name, host.hash, host.named_curve),
        ("ECDSA", "SHA-256", Some("P-256"))
    );
    assert_eq!(host.signature.len(), 64);
    // Planning neither verified nor cached anything.
    assert_eq!(engine.cache_stats().entries, 0);
    assert!(engine.evaluate(&request).allowed);
    assert_eq!(engine.cache_stats().entries, 1);
    assert!(
        engine.plan(&request).is_empty(),
        "the cache answers a warm request"
    );
}
