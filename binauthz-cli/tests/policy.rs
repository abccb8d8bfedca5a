//! `binauthz policy validate` and `binauthz policy lint` end to end, on the fixtures in spec/lint.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use common::{Run, binauthz, example, root, temp_dir};
use serde_json::Value;

fn fixture(name: &str) -> String {
    root()
        .join("spec/lint")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn validate(args: &[&str]) -> Run {
    let mut all = vec!["policy", "validate"];
    all.extend_from_slice(args);
    binauthz(&all)
}

fn lint(args: &[&str]) -> Run {
    let mut all = vec!["policy", "lint"];
    all.extend_from_slice(args);
    binauthz(&all)
}

/// The codes of a text report, in order.
fn codes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("warning[") || l.starts_with("info["))
        .map(|l| {
            let start = l.find('[').unwrap() + 1;
            l[start..start + 5].to_owned()
        })
        .collect()
}

#[test]
fn validate_reports_every_error_with_its_path_and_exits_2() {
    let file = fixture("invalid-policy.yaml");
    let r = validate(&[&file]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "");
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 8, "{}", r.stderr);
    for path in [
        "`name`",
        "`globalPolicyEvaluationMode`",
        "`admissionWhitelistPatterns[0].namePattern`",
        "`admissionWhitelistPatterns[2].namePatern`",
        "`defaultAdmissionRule.requireAttestationsBy[1]`",
        "`kubernetesNamespaceAdmissionRules.Payments`",
        "`kubernetesNamespaceAdmissionRules.staging.enforcementMode`",
        "`kubernetesNamespaceAdmissionRules.staging.requireAttestationsBy`",
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("error: {file}: {path}: "))),
            "{path} missing from\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.ends_with("binauthz: error: 8 errors found\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn validate_prints_one_ok_line_for_a_valid_policy() {
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let r = validate(&[&policy, "--attestor", &attestors]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{policy}: OK: default rule REQUIRE_ATTESTATION, 1 namespace rule, 1 allowlist pattern, 2 attestors required (2 given)\n"
        )
    );
    let r = validate(&[&policy]);
    assert_eq!(r.status, 0);
    assert!(
        r.stdout.ends_with("(not checked: no --attestor files)\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn validate_checks_that_required_attestors_are_given() {
    let dir = temp_dir("policy-validate-missing");
    let one = dir.join("one.yaml");
    let text = std::fs::read_to_string(example("attestors.yaml")).unwrap();
    // Keep only the first attestor of the list.
    let first = text
        .split("\n- name: projects/acme/attestors/security-scan")
        .next()
        .unwrap();
    std::fs::write(&one, first).unwrap();
    let policy = example("policy.yaml");
    let r = validate(&[&policy, "--attestor", one.to_str().unwrap()]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&format!(
        "error: {policy}: `defaultAdmissionRule.requireAttestationsBy[1]`: the policy requires attestor `projects/acme/attestors/security-scan`, but no attestor with that name was given"
    )), "{}", r.stderr);
}

#[test]
fn validate_reports_bad_attestor_files_and_duplicates_with_the_policy_errors() {
    let policy = fixture("invalid-policy.yaml");
    let attestors = example("attestors.yaml");
    let not_attestors = example("deployment.yaml");
    let r = validate(&[
        &policy,
        "--attestor",
        &attestors,
        "--attestor",
        &attestors,
        "--attestor",
        &not_attestors,
        "--attestor",
        "no-such-file.yaml",
    ]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains(&format!(
        "error: {attestors}: attestor `projects/acme/attestors/built-by-ci` is defined twice (also in {attestors})"
    )), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "error: {not_attestors}: `apiVersion`: unknown field `apiVersion`"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("error: no-such-file.yaml: cannot open"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.ends_with("binauthz: error: 12 errors found\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn validate_reports_syntax_errors_once() {
    let dir = temp_dir("policy-validate-syntax");
    let file = dir.join("broken.yaml");
    std::fs::write(&file, "defaultAdmissionRule: [\n").unwrap();
    let r = validate(&[file.to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("invalid YAML"), "{}", r.stderr);
    assert!(
        r.stderr.ends_with("binauthz: error: 1 error found\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn lint_of_the_example_policy_has_one_info_and_passes() {
    let r = lint(&[
        &example("policy.yaml"),
        "--attestor",
        &example("attestors.yaml"),
        "--deny-warnings",
    ]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(codes(&r.stdout), ["BZ004"]);
    assert!(
        r.stdout
            .contains("  fix: make sure only trusted deployers can use namespace `staging`")
    );
    assert!(r.stdout.ends_with(": 0 warnings, 1 info\n"), "{}", r.stdout);
}

#[test]
fn lint_reports_the_risky_namespace_policy_and_its_attestors() {
    let policy = fixture("risky-namespaces.yaml");
    let attestors = fixture("risky-attestors.yaml");
    let r = lint(&[&policy, "--attestor", &attestors]);
    assert_eq!(r.status, 0, "warnings alone do not fail: {}", r.stderr);
    assert_eq!(
        codes(&r.stdout),
        [
            "BZ008", "BZ010", "BZ010", "BZ011", "BZ012", "BZ013", "BZ002", "BZ007", "BZ004",
            "BZ021", "BZ022", "BZ023", "BZ020"
        ]
    );
    assert!(r.stdout.contains(&format!(
        "warning[BZ002] {policy}: kubernetesNamespaceAdmissionRules.dev.evaluationMode: the ALWAYS_ALLOW rule for namespace `dev` overrides the default rule's REQUIRE_ATTESTATION, so anyone who can create pods in namespace `dev` can run any image\n"
    )), "{}", r.stdout);
    assert!(r.stdout.contains(&format!(
        "warning[BZ020] {attestors} (projects/acme/attestors/qa-approved): userOwnedGrafeasNote.publicKeys: "
    )), "{}", r.stdout);
    assert!(
        r.stdout.ends_with(": 9 warnings, 4 infos\n"),
        "{}",
        r.stdout
    );

    let r = lint(&[&policy, "--attestor", &attestors, "--deny-warnings"]);
    assert_eq!(r.status, 1);
    assert!(
        r.stdout
            .ends_with(": 9 warnings, 4 infos (failed: --deny-warnings)\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn lint_reports_weaker_cluster_rules_and_notes_skipped_attestor_checks() {
    let r = lint(&[&fixture("risky-clusters.yaml"), "--deny-warnings"]);
    assert_eq!(r.status, 1);
    assert_eq!(codes(&r.stdout), ["BZ005", "BZ006", "BZ002", "BZ003"]);
    assert!(r.stdout.contains(
        "note: no --attestor files given, so the attestor checks (BZ020-BZ023, and BZ030 and BZ032 on attestors) were skipped\n"
    ));
}

#[test]
fn lint_of_a_careful_policy_is_clean() {
    let policy = fixture("good-policy.yaml");
    let r = lint(&[
        &policy,
        "--attestor",
        &example("attestors.yaml"),
        "--deny-warnings",
    ]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, format!("{policy}: no findings\n"));
}

#[test]
fn lint_json_output() {
    let policy = fixture("risky-namespaces.yaml");
    let attestors = fixture("risky-attestors.yaml");
    let r = lint(&[
        &policy,
        "--attestor",
        &attestors,
        "--output",
        "json",
        "--deny-warnings",
    ]);
    assert_eq!(r.status, 1);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["policy"], policy.as_str());
    assert_eq!(report["passed"], false);
    assert_eq!(report["warnings"], 9);
    assert_eq!(report["infos"], 4);
    let lints = report["lints"].as_array().unwrap();
    assert_eq!(lints.len(), 13);
    let first = &lints[0];
    assert_eq!(first["code"], "BZ008");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["file"], policy.as_str());
    assert_eq!(first["attestor"], Value::Null);
    assert_eq!(first["path"], "globalPolicyEvaluationMode");
    assert!(first["message"].is_string() && first["fix"].is_string());
    let last = &lints[12];
    assert_eq!(last["code"], "BZ020");
    assert_eq!(last["file"], attestors.as_str());
    assert_eq!(last["attestor"], "projects/acme/attestors/qa-approved");

    let r = lint(&[&policy, "--output", "json"]);
    assert_eq!(r.status, 0);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["passed"], true);
}

#[test]
fn lint_refuses_invalid_input_like_validate() {
    let r = lint(&[&fixture("invalid-policy.yaml")]);
    assert_eq!(r.status, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.ends_with("binauthz: error: 8 errors found\n"),
        "{}",
        r.stderr
    );
    let r = lint(&[&fixture("risky-clusters.yaml"), "--output", "yaml"]);
    assert_eq!(r.status, 2, "usage errors exit 2");
}

#[test]
fn help_has_examples() {
    for cmd in [
        &["policy", "--help"][..],
        &["policy", "validate", "--help"],
        &["policy", "lint", "--help"],
    ] {
        let r = binauthz(cmd);
        assert_eq!(r.status, 0);
        assert!(r.stdout.contains("binauthz policy "), "{}", r.stdout);
    }
}

// ---- Documents written outside the project (issue 14) ----

/// Writes `text` to a file in a fresh directory and returns its path.
fn document(dir: &str, name: &str, text: &str) -> String {
    let path = temp_dir(dir).join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A policy as a shell heredoc writes it when `$PROJECT_ID` is unset, with a single attestor
/// name where gcloud expects a list: gcloud imports it, and so does binauthz.
const HEREDOC_POLICY: &str = "name: projects//policy
globalPolicyEvaluationMode: ENABLE
admissionWhitelistPatterns:
  namePattern: gcr.io/acme/base/*
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy: projects/acme/attestors/built-by-ci
clusterAdmissionRules:
  europewest1.prod:
    evaluationMode: ALWAYS_DENY
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
";

#[test]
fn validate_accepts_what_gcloud_imports() {
    let file = document("policy-gcloud-reads", "policy.yaml", HEREDOC_POLICY);
    let r = validate(&[&file]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{file}: OK: default rule REQUIRE_ATTESTATION, 1 cluster rule, 1 allowlist pattern, 1 attestor required (not checked: no --attestor files)\n"
        )
    );
}

#[test]
fn lint_reports_what_gcloud_imports_but_probably_was_not_meant() {
    let file = document("policy-gcloud-lint", "policy.yaml", HEREDOC_POLICY);
    let r = lint(&[&file, "--deny-warnings"]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(codes(&r.stdout), ["BZ031", "BZ030", "BZ030", "BZ009"]);
    assert!(
        r.stdout.contains(&format!(
            "warning[BZ030] {file}: defaultAdmissionRule.requireAttestationsBy: `defaultAdmissionRule.requireAttestationsBy` is a single value, not a list: "
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn validate_says_what_was_expected_in_gcp_terms() {
    let file = document(
        "policy-gcp-terms",
        "policy.yaml",
        "defaultAdmissionRule: ALWAYS_ALLOW
globalPolicyEvaluationMode: EVALUATION_MODE_UNSPECIFIED
clusterAdmissionRules:
  us-east1-b.prod: [ALWAYS_DENY, ENFORCED_BLOCK_AND_AUDIT_LOG]
  us-east1-b.test:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: ENFORCED
    requireAttestationsBy: projects/PROJECT_ID/attestors/built-by-ci
",
    );
    let r = validate(&[&file]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    let errors: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        errors,
        [
            format!(
                "error: {file}: `globalPolicyEvaluationMode`: unknown variant `EVALUATION_MODE_UNSPECIFIED`, expected one of `ENABLE`, `DISABLE` (or leave the field out)"
            ),
            format!(
                "error: {file}: `defaultAdmissionRule`: expected a mapping with evaluationMode, enforcementMode and requireAttestationsBy, found a string"
            ),
            format!(
                "error: {file}: `clusterAdmissionRules.us-east1-b.prod`: expected a mapping with evaluationMode, enforcementMode and requireAttestationsBy, found a sequence"
            ),
            format!(
                "error: {file}: `clusterAdmissionRules.us-east1-b.test.enforcementMode`: unknown variant `ENFORCED`, expected one of `ENFORCED_BLOCK_AND_AUDIT_LOG`, `DRYRUN_AUDIT_LOG_ONLY`"
            ),
            format!(
                "error: {file}: `clusterAdmissionRules.us-east1-b.test.requireAttestationsBy[0]`: attestor `projects/PROJECT_ID/attestors/built-by-ci`: `PROJECT_ID` is not a GCP project id: it has upper-case letters (a project id is lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen, at most 30 characters; a project number or a domain-scoped DOMAIN:ID is also accepted)"
            ),
            "binauthz: error: 5 errors found".to_owned(),
        ]
    );
}

#[test]
fn validate_refuses_a_platform_policy_as_such() {
    let file = document(
        "policy-platform",
        "platform.yaml",
        "name: projects/my-project/platforms/gke/policies/prod\ngkePolicy:\n  checkSets:\n  - checks:\n    - alwaysDeny: true\n",
    );
    for r in [validate(&[&file]), lint(&[&file])] {
        assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
        assert_eq!(
            r.stderr,
            format!(
                "error: {file}: `gkePolicy`: this is a check-based platform policy (`gcloud beta container binauthz policy create --platform=gke`), which binauthz does not read; give the project's policy, as `gcloud container binauthz policy export` prints it\nbinauthz: error: 1 error found\n"
            )
        );
    }
}

#[test]
fn validate_checks_attestor_key_ids_and_project_ids() {
    let policy = document(
        "policy-attestor-ids",
        "policy.yaml",
        "defaultAdmissionRule: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: projects/acme/attestors/a}\n",
    );
    let pem =
        std::fs::read_to_string(root().join("spec/conformance/keys/ec-p256.pub.pem")).unwrap();
    let attestors = document(
        "policy-attestor-ids-a",
        "attestors.json",
        &serde_json::json!([
            {"name": "projects/acme/attestors/a",
             "userOwnedGrafeasNote": {"noteReference": "projects/acme/notes/a",
                "publicKeys": {"id": ":{invalid-key-id}", "pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": "ECDSA_P256_SHA256"}}}},
            {"name": "projects/acme/attestors/b",
             "userOwnedGrafeasNote": {"noteReference": "projects/${PROJECT}/notes/b"}},
            {"name": "projects/Acme/attestors/c",
             "userOwnedGrafeasNote": {"noteReference": "projects/acme/notes/c"}},
        ])
        .to_string(),
    );
    let r = validate(&[&policy, "--attestor", &attestors]);
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    for expected in [
        format!(
            "error: {attestors}: `[0].userOwnedGrafeasNote.publicKeys[0].id`: key id `:{{invalid-key-id}}` is not a URI (RFC 3986, as GCP requires): it has `:`, which is not a URI scheme"
        ),
        format!(
            "error: {attestors}: `[1].userOwnedGrafeasNote.noteReference`: `projects/${{PROJECT}}/notes/b` is not a note name of the form projects/PROJECT/notes/NOTE"
        ),
        format!(
            "error: {attestors}: `[2].name`: `projects/Acme/attestors/c`: `Acme` is not a GCP project id: it has upper-case letters"
        ),
    ] {
        assert!(
            r.stderr.contains(&expected),
            "{expected}\nnot in\n{}",
            r.stderr
        );
    }
}
