use super::*;
use crate::error::ErrorCode;

const MINIMAL: &str = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_ALLOW\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";

/// `parse`'s error, checked to be among the errors `validate` reports.
fn err(text: &str) -> InputError {
    let e = Policy::parse(text).unwrap_err();
    let all = Policy::validate(text).unwrap_err();
    assert!(all.contains(&e), "{e} not in {all:?}");
    e
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

// ---- Policy::validate: every error, each one what `parse` would report alone ----

fn validate_err(text: &str) -> Vec<InputError> {
    Policy::validate(text).unwrap_err()
}

fn paths(errors: &[InputError]) -> Vec<&str> {
    errors.iter().map(InputError::path).collect()
}

/// `validate` agrees with `parse`: the same policy when valid, and `parse`'s error among its own.
fn assert_agrees(value: &Value) {
    match (
        Policy::from_value(value.clone()),
        Policy::validate_value(value.clone()),
    ) {
        (Ok(p), Ok(v)) => assert_eq!(p, v),
        (Err(e), Err(all)) => assert!(all.contains(&e), "{e} not in {all:?}\nfor {value}"),
        (p, v) => panic!("parse gave {p:?} but validate gave {v:?} for {value}"),
    }
}

#[test]
fn validate_accepts_what_parse_accepts() {
    let p = Policy::validate(MINIMAL).unwrap();
    assert_eq!(p, Policy::parse(MINIMAL).unwrap());
    let example = include_str!("../../../../../spec/examples/policy.yaml");
    assert_eq!(
        Policy::validate(example).unwrap(),
        Policy::parse(example).unwrap()
    );
}

#[test]
fn validate_reports_every_error_of_the_fixture() {
    let text = include_str!("../../../../../spec/lint/invalid-policy.yaml");
    let errors = validate_err(text);
    assert_eq!(
        paths(&errors),
        [
            "name",
            "globalPolicyEvaluationMode",
            "admissionWhitelistPatterns[0].namePattern",
            "admissionWhitelistPatterns[2].namePatern",
            "defaultAdmissionRule.requireAttestationsBy[1]",
            "kubernetesNamespaceAdmissionRules.Payments",
            "kubernetesNamespaceAdmissionRules.staging.enforcementMode",
            "kubernetesNamespaceAdmissionRules.staging.requireAttestationsBy",
        ],
        "{errors:#?}"
    );
    assert!(errors.iter().all(|e| e.code() == ErrorCode::Invalid));
    assert!(errors[3].message().contains("unknown field `namePatern`"));
    assert!(errors[6].message().contains("unknown variant `DRYRUN`"));
    // `parse` reports one of them.
    assert!(errors.contains(&err(text)));
}

#[test]
fn a_type_error_in_one_rule_does_not_hide_the_others() {
    let text = "defaultAdmissionRule: 7\nclusterAdmissionRules:\n  us-east1-a.prod:\n    evaluationMode: ALWAYS_DENY\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n    color: red\n  us-east1-a.test:\n    evaluationMode: [ALWAYS_DENY]\n  prod:\n    evaluationMode: ALWAYS_DENY\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    let errors = validate_err(text);
    assert_eq!(
        paths(&errors),
        [
            "defaultAdmissionRule",
            "clusterAdmissionRules.prod",
            "clusterAdmissionRules.us-east1-a.prod.color",
            "clusterAdmissionRules.us-east1-a.test.evaluationMode",
            "clusterAdmissionRules.us-east1-a.test.enforcementMode",
        ],
        "{errors:#?}"
    );
}

#[test]
fn a_type_error_is_not_also_reported_as_missing() {
    let errors = validate_err(
        "defaultAdmissionRule:\n  evaluationMode: 1\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n  requireAttestationsBy: [projects/p/attestors/a, 5]\n",
    );
    assert_eq!(
        paths(&errors),
        [
            "defaultAdmissionRule.evaluationMode",
            "defaultAdmissionRule.requireAttestationsBy[1]"
        ],
        "{errors:#?}"
    );
}

#[test]
fn several_kinds_are_reported_and_each_kind_still_checked() {
    let rule =
        "    evaluationMode: ALWAYS_DENY\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
    let text = format!(
        "{MINIMAL}clusterAdmissionRules:\n  prod:\n{rule}kubernetesNamespaceAdmissionRules:\n  'a*':\n{rule}istioServiceIdentityAdmissionRules:\n  spiffe://e.com/ns/a/sa/b:\n{rule}  e.com/ns/a/sa/b:\n{rule}"
    );
    let errors = validate_err(&text);
    assert_eq!(
        paths(&errors),
        [
            "kubernetesNamespaceAdmissionRules",
            "clusterAdmissionRules.prod",
            "kubernetesNamespaceAdmissionRules.a*",
            "istioServiceIdentityAdmissionRules.spiffe://e.com/ns/a/sa/b",
        ],
        "{errors:#?}"
    );
    assert!(errors[0].message().contains("clusterAdmissionRules and kubernetesNamespaceAdmissionRules and istioServiceIdentityAdmissionRules"));
    assert!(errors.contains(&err(&text)));
}

#[test]
fn whole_document_errors_are_single() {
    assert_eq!(validate_err("- a\n").len(), 1);
    assert_eq!(validate_err("a: [").len(), 1);
    assert_eq!(validate_err("a: [")[0].code(), ErrorCode::Syntax);
    assert_eq!(
        paths(&validate_err("name: projects/p/policy\n")),
        ["defaultAdmissionRule"]
    );
}

/// Each mutation breaks one place of a valid policy. Every subset of them, applied together, must
/// give exactly the union of the errors each gives alone, and include `parse`'s error.
#[test]
fn independent_errors_add_up_for_every_combination() {
    type Mutation = fn(&mut Value);
    let base = serde_json::json!({
        "name": "projects/p/policy",
        "globalPolicyEvaluationMode": "ENABLE",
        "admissionWhitelistPatterns": [
            {"namePattern": "gcr.io/p/a/*"}, {"namePattern": "gcr.io/p/b@*"}, {"namePattern": "gcr.io/p/c"}],
        "defaultAdmissionRule": {"evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": ["projects/p/attestors/a"]},
        "kubernetesNamespaceAdmissionRules": {
            "a": {"evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"},
            "b": {"evaluationMode": "ALWAYS_ALLOW", "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"},
            "c": {"evaluationMode": "REQUIRE_ATTESTATION", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                  "requireAttestationsBy": ["projects/p/attestors/a"]}},
    });
    let mutations: [Mutation; 10] = [
        |v| v["name"] = "p/policy".into(),
        |v| v["globalPolicyEvaluationMode"] = "GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED".into(),
        |v| v["admissionWhitelistPatterns"][0]["namePattern"] = "gcr.io*".into(),
        |v| v["admissionWhitelistPatterns"][2] = serde_json::json!({"pattern": "x"}),
        |v| v["defaultAdmissionRule"]["evaluationMode"] = "ALWAYS_MAYBE".into(),
        |v| v["kubernetesNamespaceAdmissionRules"]["a"]["enforcementMode"] = Value::Null,
        |v| {
            v["kubernetesNamespaceAdmissionRules"]["b"]["requireAttestationsBy"] =
                serde_json::json!(["projects/p/attestors/a"])
        },
        |v| {
            v["kubernetesNamespaceAdmissionRules"]["c"]["requireAttestationsBy"] =
                serde_json::json!(["projects/p/attestors/a", "x", "projects/p/attestors/a"])
        },
        |v| v["etag"] = 5.into(),
        |v| v["admissionWhitelist"] = serde_json::json!([]),
    ];
    assert!(Policy::validate_value(base.clone()).is_ok());
    let alone: Vec<Vec<InputError>> = mutations
        .iter()
        .map(|m| {
            let mut v = base.clone();
            m(&mut v);
            assert_agrees(&v);
            Policy::validate_value(v).unwrap_err()
        })
        .collect();
    for subset in 1u32..(1 << mutations.len()) {
        let mut v = base.clone();
        let mut expected: Vec<&InputError> = Vec::new();
        for (i, m) in mutations.iter().enumerate() {
            if subset & (1 << i) != 0 {
                m(&mut v);
                expected.extend(&alone[i]);
            }
        }
        assert_agrees(&v);
        let got = Policy::validate_value(v).unwrap_err();
        assert_eq!(got.len(), expected.len(), "subset {subset:b}: {got:#?}");
        for e in expected {
            assert!(
                got.contains(e),
                "subset {subset:b}: {e} missing from {got:#?}"
            );
        }
    }
}

/// `validate` agrees with `parse` on the policy of every conformance case.
#[test]
fn validate_agrees_with_parse_on_the_conformance_policies() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/cases");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let config = match (case.get("config"), case.get("configText")) {
            (Some(c), _) => c.clone(),
            (None, Some(Value::String(text))) => match document::parse(text, MAX_CONFIG_BYTES) {
                Ok(v) => v,
                Err(_) => continue,
            },
            _ => continue,
        };
        if let Some(policy) = config.get("policy") {
            assert_agrees(policy);
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn missing_attestors_are_reference_errors() {
    let p = Policy::parse(include_str!("../../../../../spec/examples/policy.yaml")).unwrap();
    let errors = p.missing_attestors(&[]);
    assert_eq!(
        paths(&errors),
        [
            "defaultAdmissionRule.requireAttestationsBy[0]",
            "defaultAdmissionRule.requireAttestationsBy[1]"
        ]
    );
    assert!(errors.iter().all(|e| e.code() == ErrorCode::Reference));
    let attestors =
        crate::Attestor::parse_many(include_str!("../../../../../spec/examples/attestors.yaml"))
            .unwrap();
    assert!(p.missing_attestors(&attestors).is_empty());
}

#[test]
fn validate_attestors_checks_each_attestor() {
    let good = include_str!("../../../../../spec/examples/attestors.yaml");
    assert_eq!(validate_attestors(good).unwrap().len(), 2);
    let text = "- name: projects/p/attestors/a\n  userOwnedGrafeasNote: {noteReference: projects/p/notes/a}\n- name: bad\n  userOwnedGrafeasNote: {noteReference: projects/p/notes/b}\n- name: projects/p/attestors/c\n- name: projects/p/attestors/a\n  userOwnedGrafeasNote: {noteReference: projects/p/notes/a}\n";
    let errors = validate_attestors(text).unwrap_err();
    assert_eq!(
        paths(&errors),
        ["[1].name", "[2].userOwnedGrafeasNote", "[3].name"],
        "{errors:#?}"
    );
    assert!(errors[2].message().contains("defined twice"));
    let one = validate_attestors("name: x\n").unwrap_err();
    assert_eq!(paths(&one), ["name"]);
}

#[test]
fn global_mode_is_set_only_when_written() {
    assert!(!Policy::parse(MINIMAL).unwrap().global_mode_is_set());
    let p = Policy::parse(&format!("{MINIMAL}globalPolicyEvaluationMode: DISABLE\n")).unwrap();
    assert!(p.global_mode_is_set());
    assert_eq!(p.global_mode(), GlobalPolicyEvaluationMode::Disable);
}

/// Reading policies as gcloud imports them (issue 14): scalars for lists, nulls, names.
mod reading;
