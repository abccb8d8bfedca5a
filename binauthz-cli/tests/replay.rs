//! `binauthz replay`: what a stricter policy would newly block.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use common::{binauthz, example, root, temp_dir};
use serde_json::Value;

fn k8s(name: &str) -> String {
    root()
        .join("spec/kubernetes")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";

#[test]
fn enforcing_staging_newly_blocks_the_tagged_canary() {
    let (attestors, attestations) = (example("attestors.yaml"), example("attestations.json"));
    let (new, old, log) = (
        k8s("policy-staging-enforced.yaml"),
        example("policy.yaml"),
        k8s("requests.jsonl"),
    );
    let r = binauthz(&[
        "replay",
        "--policy",
        &new,
        "--baseline",
        &old,
        "--attestor",
        &attestors,
        "--attestations",
        &attestations,
        "--log",
        &log,
        "--output",
        "json",
    ]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["requests"], 4);
    assert_eq!(v["summary"]["newlyBlocked"], 1);
    assert_eq!(v["summary"]["stillAllowed"], 2);
    assert_eq!(v["summary"]["stillBlocked"], 1);
    assert_eq!(v["requests"][2]["change"], "newlyBlocked");
    assert_eq!(v["requests"][2]["line"], 3);

    let text = binauthz(&[
        "replay",
        "--policy",
        &new,
        "--baseline",
        &old,
        "--attestor",
        &attestors,
        "--attestations",
        &attestations,
        "--log",
        &log,
    ]);
    assert!(text.stdout.contains("NEWLY BLOCKED"));
    assert!(text.stdout.contains("total                         4"));
}

#[test]
fn the_same_policy_changes_nothing() {
    let (policy, attestors, attestations) = (
        example("policy.yaml"),
        example("attestors.yaml"),
        example("attestations.json"),
    );
    let log = k8s("requests.jsonl");
    let r = binauthz(&[
        "replay",
        "--policy",
        &policy,
        "--baseline",
        &policy,
        "--attestor",
        &attestors,
        "--attestations",
        &attestations,
        "--log",
        &log,
        "--output",
        "json",
    ]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["newlyBlocked"], 0);
    assert_eq!(v["summary"]["newlyAllowed"], 0);
}

#[test]
fn audit_log_of_evaluate_replays_against_its_recorded_outcome() {
    let dir = temp_dir("replay-audit");
    let log = dir.join("audit.jsonl");
    let log = log.to_str().unwrap();
    let (policy, attestors, attestations) = (
        example("policy.yaml"),
        example("attestors.yaml"),
        example("attestations.json"),
    );
    for (ns, image) in [
        ("payments", API),
        ("staging", "us-docker.pkg.dev/acme/payments/api:v1.4.2"),
    ] {
        binauthz(&[
            "evaluate",
            "--policy",
            &policy,
            "--attestor",
            &attestors,
            "--attestations",
            &attestations,
            "--namespace",
            ns,
            "--image",
            image,
            "--audit-log",
            log,
        ]);
    }
    let stricter = k8s("policy-staging-enforced.yaml");
    let r = binauthz(&[
        "replay",
        "--policy",
        &stricter,
        "--attestor",
        &attestors,
        "--attestations",
        &attestations,
        "--log",
        log,
        "--output",
        "json",
    ]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["newlyBlocked"], 1);
    assert_eq!(v["requests"][1]["context"]["namespace"], "staging");
}

#[test]
fn a_request_line_without_outcome_needs_a_baseline() {
    let (policy, attestors) = (example("policy.yaml"), example("attestors.yaml"));
    let log = k8s("requests.jsonl");
    let r = binauthz(&[
        "replay",
        "--policy",
        &policy,
        "--attestor",
        &attestors,
        "--log",
        &log,
    ]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("requests.jsonl line 1"), "{}", r.stderr);
    assert!(r.stderr.contains("--baseline"), "{}", r.stderr);
}

/// An audit record of an image that was not a valid reference (an unrendered template, decided
/// per image since spec §4 changed) replays like any other record instead of stopping replay.
#[test]
fn an_audit_record_of_an_invalid_reference_is_replayed() {
    let dir = temp_dir("replay-invalid-reference");
    let log = dir.join("audit.jsonl");
    let record = serde_json::json!({
        "allowed": false, "context": {"namespace": "payments"},
        "images": [{"image": "gcr.io/{{ .Project }}/nginx:1", "verdict": "DENIED"}]
    });
    std::fs::write(&log, format!("{record}\n")).unwrap();
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let r = binauthz(&[
        "replay",
        "--policy",
        &policy,
        "--baseline",
        &policy,
        "--attestor",
        &attestors,
        "--log",
        &log.to_string_lossy(),
        "--output",
        "json",
    ]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["stillBlocked"], 1, "{v}");
}
