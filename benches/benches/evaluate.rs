//! Measures deciding, compiling and parsing (the ids are stable, for comparing runs over time):
//!
//! - `evaluate/cold_1img_1att_p256`, `evaluate/warm_1img_1att_p256`: one image, one attestor
//!   with one P-256 key; cold with the verification cache disabled (every evaluation verifies),
//!   warm with the conclusion already cached.
//! - `evaluate/pod_8img_5att_cold`, `evaluate/pod_8img_5att_warm`: eight distinct images, five
//!   attestors, forty signatures (kyverno#16657's pod).
//! - `evaluate/allowlist_10`, `evaluate/allowlist_10000`: a policy with that many allowlist
//!   patterns and namespace rules; one image matches only the last pattern, one reaches the last
//!   namespace's rule.
//! - `evaluate/attestor_keys_10`, `evaluate/attestor_keys_1000`: one attestor with that many keys
//!   (the most GCP allows is 1,000), the signature by the last; warm, so the key lookup and the
//!   decision are what is timed.
//! - `evaluate_plan/cold_1img_1att_p256`, `evaluate_plan/pod_8img_5att_cold`: the same cold
//!   decisions through the plan path of spec §7.3 (`plan`, `verify_all(1)`,
//!   `evaluate_verified`): what planning adds when nothing runs in parallel.
//! - `evaluate_plan/plan_only_pod_8img_5att`: the planning pass alone (no verification).
//! - `evaluate_parallel/pod_8img_5att_cold_2threads`: the cold pod with
//!   `Engine::with_verify_threads(2)`; its goal is 1.2 × (40 × `verify/ecdsa_p256`) / 2.
//! - `compile/policy_1000_rules`: parsing and compiling 1,000 cluster rules and 200 attestors.
//! - `parse/policy_yaml`: spec/examples/policy.yaml; `parse/occurrences_100`: 100 occurrences.
//!
//! Requests are parsed outside the timed loop (`evaluate/*` is the decision alone), and every
//! scenario's decision is checked before it is timed, so no benchmark measures a failure path.
#![allow(missing_docs, reason = "criterion_main generates undocumented items")]
#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails cannot run"
)]

use std::hint::black_box;
use std::path::Path;

use binauthz_benches::scenarios::{self, Scenario};
use binauthz_core::{Engine, Occurrence, Policy, Request};
use criterion::{Criterion, criterion_group, criterion_main};

/// Compiles a scenario and parses its request, checking the decision admits everything.
fn prepare(scenario: &Scenario, cache_entries: usize) -> (Engine, Request) {
    let engine = Engine::from_config_str(&scenario.config)
        .expect("scenario config compiles")
        .with_cache_capacity(cache_entries);
    let request = Request::parse(&scenario.request).expect("scenario request parses");
    let decision = engine.evaluate(&request);
    assert!(decision.allowed, "{}", decision.to_json_pretty());
    (engine, request)
}

fn bench_evaluate(c: &mut Criterion, id: &str, scenario: &Scenario, cache_entries: usize) {
    let (engine, request) = prepare(scenario, cache_entries);
    c.bench_function(id, |b| b.iter(|| engine.evaluate(black_box(&request))));
}

/// A cold decision through the plan path, verified on this thread (spec §7.3).
fn bench_plan(c: &mut Criterion, id: &str, scenario: &Scenario) {
    let (engine, request) = prepare(scenario, 0);
    c.bench_function(id, |b| {
        b.iter(|| {
            let verdicts = engine.plan(black_box(&request)).verify_all(1);
            engine.evaluate_verified(&request, &verdicts)
        })
    });
}

fn evaluate(c: &mut Criterion) {
    let single = Scenario {
        config: scenarios::single_attestor().expect("single attestor"),
        request: scenarios::single_image_request(0).expect("single request"),
    };
    let pod = scenarios::pod(8, 5).expect("pod scenario");
    let default = binauthz_core::Engine::DEFAULT_CACHE_ENTRIES;
    bench_evaluate(c, "evaluate/cold_1img_1att_p256", &single, 0);
    bench_evaluate(c, "evaluate/warm_1img_1att_p256", &single, default);
    bench_evaluate(c, "evaluate/pod_8img_5att_cold", &pod, 0);
    bench_evaluate(c, "evaluate/pod_8img_5att_warm", &pod, default);
    bench_plan(c, "evaluate_plan/cold_1img_1att_p256", &single);
    bench_plan(c, "evaluate_plan/pod_8img_5att_cold", &pod);
    let (engine, request) = prepare(&pod, 0);
    c.bench_function("evaluate_plan/plan_only_pod_8img_5att", |b| {
        b.iter(|| engine.plan(black_box(&request)).len())
    });
    let (engine, request) = prepare(&pod, 0);
    let engine = engine.with_verify_threads(2);
    c.bench_function("evaluate_parallel/pod_8img_5att_cold_2threads", |b| {
        b.iter(|| engine.evaluate(black_box(&request)))
    });
    for n in [10, 10_000] {
        bench_evaluate(
            c,
            &format!("evaluate/allowlist_{n}"),
            &scenarios::allowlist(n),
            default,
        );
    }
    for n in [10, 1000] {
        bench_evaluate(
            c,
            &format!("evaluate/attestor_keys_{n}"),
            &scenarios::attestor_keys(n).expect("key scenario"),
            default,
        );
    }
}

fn compile(c: &mut Criterion) {
    let config = scenarios::large_policy(1000, 200).expect("large policy");
    Engine::from_config_str(&config).expect("large policy compiles");
    c.bench_function("compile/policy_1000_rules", |b| {
        b.iter(|| Engine::from_config_str(black_box(&config)))
    });
}

fn parse(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/examples/policy.yaml");
    let policy = std::fs::read_to_string(&path).expect("spec/examples/policy.yaml");
    Policy::parse(&policy).expect("example policy parses");
    c.bench_function("parse/policy_yaml", |b| {
        b.iter(|| Policy::parse(black_box(&policy)))
    });
    let occurrences = scenarios::occurrences(100).expect("occurrences");
    assert_eq!(
        Occurrence::parse_many(&occurrences).map(|o| o.len()),
        Ok(100)
    );
    c.bench_function("parse/occurrences_100", |b| {
        b.iter(|| Occurrence::parse_many(black_box(&occurrences)))
    });
}

criterion_group!(benches, evaluate, compile, parse);
criterion_main!(benches);
