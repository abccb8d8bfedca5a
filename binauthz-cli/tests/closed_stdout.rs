//! A closed standard output (`binauthz ... | head`) ends the output quietly: no panic, and the
//! command's own exit status.
//!
//! Each command writes far more than a pipe holds (64 KiB on Linux), to a pipe whose read end the
//! test closes before the command starts writing: whether a write comes before or after the close,
//! it fails with `EPIPE`, which `println!` turns into a panic (exit 101) and the CLI's `outln!`
//! and `out!` macros ignore.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Runs `binauthz ARGS` with `stdin` as standard input and its standard output closed before it
/// writes; returns the exit status and standard error.
fn run_with_stdout_closed(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_binauthz"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run binauthz");
    // Close the read end of standard output: the first write that does not fit fails.
    drop(child.stdout.take());
    let mut input = child.stdin.take().unwrap();
    // The command may exit before it has read everything; a broken stdin pipe is not the test.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_no_panic(what: &str, (status, stderr): (i32, String), want_status: i32) {
    assert!(
        !stderr.contains("panicked"),
        "{what}: panicked on a closed stdout: {stderr}"
    );
    assert_eq!(status, want_status, "{what}: exit status; stderr: {stderr}");
}

fn temp_file(name: &str, text: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A policy with `n` allowlist patterns that name a tag: one BZ012 warning each.
fn policy_with_tagged_patterns(n: usize) -> String {
    let mut policy = String::from(
        "name: projects/acme/policy\nglobalPolicyEvaluationMode: ENABLE\nadmissionWhitelistPatterns:\n",
    );
    for i in 0..n {
        let _ = writeln!(
            policy,
            "- namePattern: us-docker.pkg.dev/acme/payments/service-number-{i}:v1.0"
        );
    }
    policy.push_str(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n",
    );
    policy
}

#[test]
fn lint_manifest_with_stdout_closed_exits_1_without_panic() {
    // One Deployment with 1,000 containers deployed by tag: one line each, about 150 KB.
    let mut manifest = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: big\n  namespace: payments\nspec:\n  template:\n    spec:\n      containers:\n",
    );
    for i in 0..1000 {
        let _ = writeln!(
            manifest,
            "      - name: container-{i}\n        image: us-docker.pkg.dev/acme/payments/service-number-{i}:v1.0"
        );
    }
    let run = run_with_stdout_closed(&["lint-manifest", "-"], &manifest);
    assert_no_panic("lint-manifest", run, 1);
}

#[test]
fn policy_lint_with_stdout_closed_exits_0_without_panic() {
    let policy = temp_file(
        "closed-stdout-policy.yaml",
        &policy_with_tagged_patterns(1000),
    );
    for output in ["text", "json"] {
        let run = run_with_stdout_closed(&["policy", "lint", &policy, "--output", output], "");
        assert_no_panic(&format!("policy lint --output {output}"), run, 0);
    }
}

#[test]
fn policy_validate_with_stdout_closed_exits_0_without_panic() {
    // One short line: the read end is usually closed before it is written, but not always, so
    // this can pass without the fix; the two tests above cannot.
    let policy = temp_file(
        "closed-stdout-validate.yaml",
        &policy_with_tagged_patterns(2000),
    );
    let run = run_with_stdout_closed(&["policy", "validate", &policy], "");
    assert_no_panic("policy validate", run, 0);
    // The same command with its output read still prints its line.
    let r = common::binauthz(&["policy", "validate", &policy]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains(": OK: "), "{}", r.stdout);
}
