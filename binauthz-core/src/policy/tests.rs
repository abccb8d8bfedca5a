use super::*;
use crate::error::ErrorCode;

const MINIMAL: &str = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";

fn err(text: &str) -> InputError {
    Policy::parse(text).unwrap_err()
}

#[test]
fn gcloud_sample_policy_parses() {
    let text = r#"
name: projects/example-project/policy
admissionWhitelistPatterns:
- namePattern: gcr.io/example-project/helloworld
- namePattern: gcr.io/example-project/**
globalPolicyEvaluationMode: ENABLE
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy:
  - projects/example-project/attestors/secure-build
clusterAdmissionRules:
  us-east1-a.prod-cluster:
    evaluationMode: REQUIRE_ATTESTATION
    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
    requireAttestationsBy:
    - projects/example-project/attestors/secure-build
    - projects/example-project/attestors/prod-qualified
etag: abc
updateTime: '2024-01-01T00:00:00Z'
"#;
    let p = Policy::parse(text).unwrap();
    assert_eq!(p.global_mode(), GlobalPolicyEvaluationMode::Enable);
    assert_eq!(p.allowlist().len(), 2);
    assert_eq!(p.specific_rules().kind(), Some(RuleKind::Cluster));
    let rule = p.specific_rules().get("us-east1-a.prod-cluster").unwrap();
    assert_eq!(rule.required_attestors().len(), 2);
    assert_eq!(p.required_attestors().len(), 2);
}

#[test]
fn default_policy_of_a_new_project_parses() {
    let text = "defaultAdmissionRule:\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  evaluationMode: ALWAYS_ALLOW\nglobalPolicyEvaluationMode: ENABLE\nname: projects/p/policy\n";
    assert!(Policy::parse(text).is_ok());
}

#[test]
fn missing_default_rule_is_rejected() {
    let e = err("name: projects/p/policy\n");
    assert_eq!(e.path(), "defaultAdmissionRule");
}

#[test]
fn unknown_fields_are_named() {
    let e = err(&format!("{MINIMAL}admissionWhitelist: []\n"));
    assert!(e.message().contains("admissionWhitelist"), "{e}");
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationBy: []\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.requireAttestationBy");
    assert!(e.message().contains("expected one of"), "{e}");
}

#[test]
fn unspecified_and_unknown_enum_values_are_rejected() {
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: EVALUATION_MODE_UNSPECIFIED\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.evaluationMode");
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_MAYBE\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.evaluationMode");
    assert!(e.message().contains("ALWAYS_MAYBE"), "{e}");
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCEMENT_MODE_UNSPECIFIED\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.enforcementMode");
    let e = err(&format!(
        "{MINIMAL}globalPolicyEvaluationMode: GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED\n"
    ));
    assert_eq!(e.path(), "globalPolicyEvaluationMode");
}

#[test]
fn attestors_only_with_require_attestation() {
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.requireAttestationsBy");
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy: [projects/p/attestors/a]\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.requireAttestationsBy");
    let e = err(
        "defaultAdmissionRule:\n  evaluationMode: REQUIRE_ATTESTATION\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy: [attestors/a]\n",
    );
    assert_eq!(e.path(), "defaultAdmissionRule.requireAttestationsBy[0]");
}

#[test]
fn only_one_kind_of_specific_rule() {
    let rule =
        "    evaluationMode: ALWAYS_DENY\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    let text = format!(
        "{MINIMAL}clusterAdmissionRules:\n  us-east1-a.prod:\n{rule}kubernetesNamespaceAdmissionRules:\n  payments:\n{rule}"
    );
    let e = err(&text);
    assert!(e.message().contains("only one kind"), "{e}");
    // An empty map of another kind is not a second kind.
    let text = format!(
        "{MINIMAL}clusterAdmissionRules:\n  us-east1-a.prod:\n{rule}kubernetesNamespaceAdmissionRules: {{}}\n"
    );
    assert!(Policy::parse(&text).is_ok());
}

#[test]
fn malformed_keys_are_rejected_with_their_path() {
    let rule =
        "    evaluationMode: ALWAYS_DENY\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    let e = err(&format!("{MINIMAL}clusterAdmissionRules:\n  prod:\n{rule}"));
    assert_eq!(e.path(), "clusterAdmissionRules.prod");
    let e = err(&format!(
        "{MINIMAL}kubernetesNamespaceAdmissionRules:\n  'pay*':\n{rule}"
    ));
    assert_eq!(e.path(), "kubernetesNamespaceAdmissionRules.pay*");
}

#[test]
fn istio_keys_that_differ_only_by_scheme_are_duplicates() {
    let rule =
        "    evaluationMode: ALWAYS_DENY\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    let text = format!(
        "{MINIMAL}istioServiceIdentityAdmissionRules:\n  spiffe://e.com/ns/a/sa/b:\n{rule}  e.com/ns/a/sa/b:\n{rule}"
    );
    assert!(err(&text).message().contains("same identity"));
}

#[test]
fn bad_allowlist_patterns_are_rejected() {
    for p in ["'*'", "gcr.io*", "gcr.io/a*b"] {
        let e = err(&format!(
            "{MINIMAL}admissionWhitelistPatterns:\n- namePattern: {p}\n"
        ));
        assert_eq!(e.path(), "admissionWhitelistPatterns[0].namePattern", "{p}");
    }
}

#[test]
fn non_mapping_documents_are_rejected() {
    assert_eq!(err("- a\n").code(), ErrorCode::Invalid);
    assert_eq!(err("just text").code(), ErrorCode::Invalid);
}
