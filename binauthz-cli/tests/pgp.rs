//! PGP attestors from the CLI: `--evaluation-time`, and the system clock when it is absent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::PathBuf;

use common::{Run, binauthz, root, temp_dir};
use serde_json::Value;

/// The committed conformance case whose file name ends in `-{name}.json`.
fn case(name: &str) -> Value {
    let dir = root().join("spec/conformance/cases");
    let suffix = format!("-{name}.json");
    let path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().ends_with(&suffix))
        .unwrap_or_else(|| panic!("no conformance case named {name}"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes a case's policy, attestors and attestations as files; returns them and the image.
struct Files {
    policy: PathBuf,
    attestors: PathBuf,
    attestations: PathBuf,
    image: String,
    request: Value,
}

fn files(name: &str) -> Files {
    let c = case(name);
    let dir = temp_dir(&format!("pgp-{name}"));
    let write = |file: &str, v: &Value| {
        let p = dir.join(file);
        std::fs::write(&p, v.to_string()).unwrap();
        p
    };
    Files {
        policy: write("policy.json", &c["config"]["policy"]),
        attestors: write("attestors.json", &c["config"]["attestors"]),
        attestations: write("attestations.json", &c["request"]["attestations"]),
        image: c["request"]["images"][0].as_str().unwrap().to_owned(),
        request: c["request"].clone(),
    }
}

fn evaluate(f: &Files, extra: &[&str]) -> Run {
    let (p, a, t) = (
        f.policy.to_str().unwrap(),
        f.attestors.to_str().unwrap(),
        f.attestations.to_str().unwrap(),
    );
    let mut args = vec![
        "evaluate",
        "--policy",
        p,
        "--attestor",
        a,
        "--attestations",
        t,
        "--output",
        "json",
        "--image",
        &f.image,
    ];
    args.extend_from_slice(extra);
    binauthz(&args)
}

fn reason_kinds(r: &Run) -> Vec<String> {
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    v["images"][0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn evaluation_time_flag_decides_whether_an_expiring_key_counts() {
    let f = files("pgp-expiring-key-before-expiry");
    let before = evaluate(&f, &["--evaluation-time", "2026-06-01T00:00:00Z"]);
    assert_eq!(before.status, 0, "{}{}", before.stdout, before.stderr);
    let v: Value = serde_json::from_str(&before.stdout).unwrap();
    assert_eq!(v["audit"]["evaluationTime"], "2026-06-01T00:00:00Z");

    let after = evaluate(&f, &["--evaluation-time", "2030-06-01T00:00:00Z"]);
    assert_eq!(after.status, 1, "{}{}", after.stdout, after.stderr);
    assert_eq!(reason_kinds(&after), ["keyExpired"]);
}

#[test]
fn without_the_flag_the_system_clock_is_used() {
    // The key expired in January 2025: whatever today is, it is expired, and the message names
    // the evaluation time the CLI filled in (not "no evaluationTime").
    let f = files("pgp-expired-key");
    let r = evaluate(&f, &[]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(reason_kinds(&r), ["keyExpired"]);
    assert!(r.stdout.contains("(evaluation time 20"), "{}", r.stdout);

    let ok = evaluate(&files("pgp-ed25519-armor-text"), &[]);
    assert_eq!(ok.status, 0, "{}{}", ok.stdout, ok.stderr);
}

#[test]
fn a_bad_evaluation_time_is_a_usage_error() {
    let f = files("pgp-ed25519-armor-text");
    for bad in ["2026-06-01", "2026-06-01T02:00:00+02:00", "yesterday"] {
        let r = evaluate(&f, &["--evaluation-time", bad]);
        assert_eq!(r.status, 2, "{bad}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("--evaluation-time"), "{}", r.stderr);
    }
}

#[test]
fn replay_uses_the_flag_then_the_line_then_the_clock() {
    let f = files("pgp-expiring-key-before-expiry");
    let dir = temp_dir("pgp-replay");
    let log = dir.join("requests.jsonl");
    // The request line carries evaluationTime 2026-06-01 (the key expires in 2030).
    std::fs::write(&log, format!("{}\n", f.request)).unwrap();
    let run = |extra: &[&str]| {
        let (p, a, l) = (
            f.policy.to_str().unwrap(),
            f.attestors.to_str().unwrap(),
            log.to_str().unwrap(),
        );
        let mut args = vec![
            "replay",
            "--policy",
            p,
            "--baseline",
            p,
            "--attestor",
            a,
            "--log",
            l,
            "--output",
            "json",
        ];
        args.extend_from_slice(extra);
        let r = binauthz(&args);
        assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        v["requests"][0]["allowed"].as_bool().unwrap()
    };
    assert!(run(&[]));
    assert!(!run(&["--evaluation-time", "2031-01-01T00:00:00Z"]));
}
