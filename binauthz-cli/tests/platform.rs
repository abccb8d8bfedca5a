//! `binauthz platform-policy validate|evaluate` end to end, on the worked example of
//! spec/examples/platform (spec/README.md §15.7).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use common::{Run, binauthz, example, temp_dir};
use serde_json::Value;

fn evaluate_example(extra: &[&str]) -> Run {
    let policy = example("platform/platform-policy.yaml");
    let pods = example("platform/pods.json");
    let attestations = example("attestations.json");
    let cosign = example("platform/cosign-signatures.jsonl");
    let images = example("platform/docker-images.json");
    let vulns = example("platform/vulnerabilities.json");
    let mut args = vec![
        "platform-policy",
        "evaluate",
        policy.as_str(),
        "--object",
        pods.as_str(),
        "--attestations",
        attestations.as_str(),
        "--cosign-signatures",
        cosign.as_str(),
        "--docker-images",
        images.as_str(),
        "--vulnerabilities",
        vulns.as_str(),
        "--evaluation-time",
        "2026-11-30T12:00:00Z",
    ];
    args.extend_from_slice(extra);
    binauthz(&args)
}

#[test]
fn the_worked_example_decides_as_the_spec_s_table_says() {
    let run = evaluate_example(&["--output", "json"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let response: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(response["verdict"], "NON_CONFORMANT");
    let verdicts: Vec<(&str, &str)> = response["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["podName"].as_str().unwrap(),
                p["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("api-7d4b9", "CONFORMANT"),
            ("worker-5f8c2", "NON_CONFORMANT"),
            ("reports-28190", "CONFORMANT"),
            ("miner", "NON_CONFORMANT"),
        ]
    );
    let worker = &response["results"][1]["imageResults"][0]["checkSetResult"];
    let checks: Vec<&str> = worker["checkResults"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["evaluationResult"]["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["CONFORMANT", "NON_CONFORMANT", "NON_CONFORMANT"]);
    assert_eq!(worker["displayName"], "payments");
}

#[test]
fn text_output_names_each_pod_image_and_check() {
    let run = evaluate_example(&[]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("NON_CONFORMANT  pod payments/worker-5f8c2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("CVE-2024-6387 (HIGH, fixable) exceeds maximumFixableSeverity MEDIUM")
    );
    assert!(run.stdout.contains("182 days before the evaluation time"));
    assert!(run.stdout.trim_end().ends_with("NON_CONFORMANT: 4 pods"));
}

#[test]
fn cv_log_writes_one_event_per_pod_that_does_not_conform() {
    let run = evaluate_example(&["--output", "cv-log"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let events: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0]["@type"],
        "type.googleapis.com/google.cloud.binaryauthorization.v1beta1.ContinuousValidationEvent"
    );
    let pods: Vec<&str> = events
        .iter()
        .map(|e| e["podEvent"]["pod"].as_str().unwrap())
        .collect();
    assert_eq!(pods, ["worker-5f8c2", "miner"]);
    let image = &events[0]["podEvent"]["images"][0];
    assert_eq!(image["result"], "DENY");
    assert_eq!(image["containerType"], "CONTAINER");
    let failed: Vec<&str> = image["checkResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["checkType"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["VulnerabilityCheck", "ImageFreshnessCheck"]);
}

#[test]
fn validate_reports_every_error_with_its_path_and_exits_2() {
    let dir = temp_dir("platform-validate");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "gkePolicy:\n  checkSets:\n  - checks:\n    - alwaysDeny: true\n      trustedDirectoryCheck: {trustedDirPatterns: [gcr.io/a/b]}\n  - scope: {kubernetesNamespace: prod}\n    checks: []\n",
    )
    .unwrap();
    let run = binauthz(&["platform-policy", "validate", bad.to_str().unwrap()]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr
            .contains("`gkePolicy.checkSets[0].checks[0]`: a check has exactly one kind"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`gkePolicy.checkSets[1].scope`: the last check set must have no scope"),
        "{}",
        run.stderr
    );
    let good = binauthz(&[
        "platform-policy",
        "validate",
        &example("platform/platform-policy.yaml"),
    ]);
    assert_eq!(good.status, 0, "{}", good.stderr);
    assert!(
        good.stdout
            .contains("OK: 1 allowlist patterns, 2 check sets")
    );
}

#[test]
fn an_unreadable_policy_is_one_config_error_event_in_the_cv_log() {
    let dir = temp_dir("platform-config-error");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "gkePolicy: {checkSets: [{checks: [{alwaysDeny: false}]}]}\n",
    )
    .unwrap();
    let pods = example("platform/pods.json");
    let run = binauthz(&[
        "platform-policy",
        "evaluate",
        bad.to_str().unwrap(),
        "--object",
        &pods,
        "--output",
        "cv-log",
    ]);
    assert_eq!(run.status, 2);
    let event: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert!(
        event["configErrorEvent"]["description"]
            .as_str()
            .unwrap()
            .contains("alwaysDeny")
    );
}

#[test]
fn untrusted_names_are_escaped_in_text_output() {
    let dir = temp_dir("platform-escape");
    let pod = dir.join("pod.json");
    std::fs::write(
        &pod,
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x\nCONFORMANT      pod forged","namespace":"prod"},"spec":{"containers":[{"name":"c","image":"gcr.io/a/b:1"}]}}"#,
    )
    .unwrap();
    let run = binauthz(&[
        "platform-policy",
        "evaluate",
        &example("platform/platform-policy.yaml"),
        "--object",
        pod.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.starts_with("CONFORMANT      pod forged")),
        "{}",
        run.stdout
    );
}

#[test]
fn lint_reports_findings_and_fails_on_warnings_only_when_asked() {
    let dir = temp_dir("platform-lint");
    let policy = dir.join("p.yaml");
    std::fs::write(
        &policy,
        "gkePolicy:\n  checkSets:\n  - scope: {kubernetesNamespace: dev}\n    checks: []\n  - checks: [{alwaysDeny: true}]\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let run = binauthz(&["platform-policy", "lint", p]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("warning BZ050 `gkePolicy.checkSets[0].checks`"),
        "{}",
        run.stdout
    );
    let run = binauthz(&[
        "platform-policy",
        "lint",
        p,
        "--deny-warnings",
        "--output",
        "json",
    ]);
    assert_eq!(run.status, 1);
    let findings: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(findings[0]["code"], "BZ050");
    let example = binauthz(&[
        "platform-policy",
        "lint",
        &example("platform/platform-policy.yaml"),
        "--deny-warnings",
    ]);
    assert_eq!(example.status, 0, "{}", example.stdout);
}

#[test]
fn a_bad_request_file_is_named_with_the_path_within_it() {
    let dir = temp_dir("platform-bad-part");
    let bad = dir.join("bad-images.json");
    let digest = "a".repeat(64);
    std::fs::write(
        &bad,
        format!(
            r#"[{{"uri": "us-docker.pkg.dev/a/b/c@sha256:{digest}", "uploadTime": "yesterday"}}]"#
        ),
    )
    .unwrap();
    let good = example("platform/docker-images.json");
    let run = binauthz(&[
        "platform-policy",
        "evaluate",
        &example("platform/platform-policy.yaml"),
        "--object",
        &example("platform/pods.json"),
        "--docker-images",
        &good,
        "--docker-images",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 2);
    let want = format!(
        "{}: invalid request: `dockerImages[0].uploadTime`",
        bad.display()
    );
    assert!(run.stderr.contains(&want), "{}", run.stderr);
}
