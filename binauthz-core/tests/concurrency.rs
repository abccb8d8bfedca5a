//! One engine shared by 8 threads, each evaluating different requests in a different order,
//! gives exactly the single-threaded decisions (no state leaks between requests: compare
//! connaisseur#583, where one request's digest leaked into another under concurrency).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use std::path::Path;
use std::sync::Arc;

use binauthz_core::{Attestor, Context, Decision, Engine, ImageRef, Occurrence, Policy, Request};

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../spec/examples")
            .join(name),
    )
    .unwrap()
}

/// Requests over every combination of the example images, attestations and namespaces.
fn requests() -> Vec<Request> {
    let occurrences = Occurrence::parse_many(&example("attestations.json")).unwrap();
    let images = [
        "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6",
        "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff",
        "us-docker.pkg.dev/acme/base-images/migrate:1.2",
        "us-docker.pkg.dev/acme/payments/api:v1.4.2",
        "gke.gcr.io/kube-proxy:v1",
    ];
    let mut out = Vec::new();
    for mask in 1u32..(1 << images.len()) {
        for (ns, breakglass) in [
            (None, false),
            (Some("staging"), false),
            (Some("payments"), true),
        ] {
            for keep in [0usize, 1, occurrences.len()] {
                let chosen: Vec<ImageRef> = images
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, s)| ImageRef::parse(s).unwrap())
                    .collect();
                let context = Context {
                    namespace: ns.map(str::to_owned),
                    breakglass,
                    ..Context::default()
                };
                let atts: Vec<_> = occurrences.iter().take(keep).cloned().collect();
                out.push(Request::new(chosen, atts, context).unwrap());
            }
        }
    }
    out
}

#[test]
fn eight_threads_share_one_engine_and_agree_with_one_thread() {
    let policy = Policy::parse(&example("policy.yaml")).unwrap();
    let attestors = Attestor::parse_many(&example("attestors.yaml")).unwrap();
    let engine = Arc::new(Engine::new(policy, attestors).unwrap());
    let requests = Arc::new(requests());
    let expected: Vec<Decision> = requests.iter().map(|r| engine.evaluate(r)).collect();
    assert!(expected.iter().any(|d| d.allowed) && expected.iter().any(|d| !d.allowed));
    let expected = Arc::new(expected);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (engine, requests, expected) = (engine.clone(), requests.clone(), expected.clone());
            std::thread::spawn(move || {
                // Each thread walks every request, from its own starting point, odd threads
                // backwards, so that different requests run side by side.
                let n = requests.len();
                for k in 0..n {
                    let step = if t % 2 == 0 { k } else { n - 1 - k };
                    let i = (step + t * n / 8) % n;
                    let got = engine.evaluate(&requests[i]);
                    assert_eq!(got, expected[i], "thread {t}, request {i}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
