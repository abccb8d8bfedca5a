//! `platform/*`: check-based platform policies (spec/README.md §15). `example` evaluates the
//! worked example of spec/examples/platform (four pods, every check kind that runs offline);
//! `patterns` and `results` are the two hostile shapes the request's allowances bound (spec
//! §15.5): distinct images times long pattern lists, and many pods sharing one image under a
//! hundred checks. The tests in binauthz-core/src/platform/tests.rs assert the bounds, never
//! the time.
#![allow(missing_docs, reason = "criterion_main generates undocumented items")]
#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails cannot run"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use binauthz_core::api::{self, PlatformRequestParts};
use binauthz_core::platform::{PlatformPolicy, PlatformRequest, evaluate};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

fn example_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/examples")
        .join(name);
    std::fs::read_to_string(path).expect("example file")
}

fn pod(name: &str, images: &[String]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, im)| json!({"name": format!("c{i}"), "image": im}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a"},
           "spec": {"containers": containers}})
}

fn platform(c: &mut Criterion) {
    let mut group = c.benchmark_group("platform");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));

    let policy_text = example_file("platform/platform-policy.yaml");
    let object = example_file("platform/pods.json");
    let attestations = example_file("attestations.json");
    let cosign = example_file("platform/cosign-signatures.jsonl");
    let images = example_file("platform/docker-images.json");
    let vulnerabilities = example_file("platform/vulnerabilities.json");
    let parts = PlatformRequestParts {
        object: &object,
        attestations: vec![&attestations],
        cosign_signatures: vec![&cosign],
        docker_images: vec![&images],
        vulnerabilities: vec![&vulnerabilities],
        evaluation_time: Some("2026-11-30T12:00:00Z"),
    };
    let policy = PlatformPolicy::parse(&policy_text).expect("example policy");
    let request = api::platform_request_from_parts(&parts).expect("example request");
    group.bench_function("example", |b| {
        b.iter(|| black_box(evaluate(black_box(&policy), black_box(&request)).is_ok()));
    });

    // A hundred trusted-directory checks of 180 patterns, allowlists of 1,000, and distinct
    // images until the request's 2,000,000 pattern matches are spent.
    let dirs: Vec<String> = (0..180)
        .map(|i| format!("us-docker.pkg.dev/p{i}/r"))
        .collect();
    let allow: Vec<String> = (0..1000)
        .map(|i| format!("gcr.io/allow/img{i}@*"))
        .collect();
    let checks: Vec<Value> = (0..100)
        .map(|_| json!({"trustedDirectoryCheck": {"trustedDirPatterns": dirs}}))
        .collect();
    let hostile = json!({"gkePolicy": {"imageAllowlist": {"allowPattern": allow},
        "checkSets": [{"imageAllowlist": {"allowPattern": allow}, "checks": checks}]}});
    let hostile = PlatformPolicy::parse(&hostile.to_string()).expect("hostile policy");
    let many: Vec<Value> = (0..50)
        .map(|p| {
            pod(
                &format!("p{p}"),
                &(0..20)
                    .map(|i| format!("us-docker.pkg.dev/q/r/i{p}-{i}:1"))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let distinct = PlatformRequest::from_value(json!({"object": {"kind": "List", "items": many}}))
        .expect("distinct images");
    group.bench_function("patterns", |b| {
        b.iter(|| black_box(evaluate(black_box(&hostile), black_box(&distinct)).is_err()));
    });

    // 990 pods of one image under a hundred checks: 99,990 results, all but 101 from the memo.
    let same: Vec<Value> = (0..990)
        .map(|p| {
            pod(
                &format!("p{p}"),
                &["us-docker.pkg.dev/q/r/img:1".to_owned()],
            )
        })
        .collect();
    let shared = PlatformRequest::from_value(json!({"object": {"kind": "List", "items": same}}))
        .expect("shared image");
    group.bench_function("results", |b| {
        b.iter(|| black_box(evaluate(black_box(&hostile), black_box(&shared)).is_ok()));
    });
    group.finish();
}

criterion_group!(benches, platform);
criterion_main!(benches);
