use super::*;

const RULE_REQ_AB: &str = "{evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [projects/p/attestors/a, projects/p/attestors/b]}";

fn policy(text: &str) -> Policy {
    Policy::parse(text).unwrap()
}

/// A policy with ENABLE set and the given default rule and extra YAML.
fn with_default(rule: &str, extra: &str) -> Policy {
    policy(&format!(
        "globalPolicyEvaluationMode: ENABLE\ndefaultAdmissionRule: {rule}\n{extra}"
    ))
}

fn codes(lints: &[Lint]) -> Vec<&'static str> {
    lints.iter().map(|l| l.code.as_str()).collect()
}

fn pattern_codes(pattern: &str) -> Vec<&'static str> {
    let p = with_default(
        RULE_REQ_AB,
        &format!("admissionWhitelistPatterns:\n- namePattern: '{pattern}'\n"),
    );
    codes(&lint(&p, &[]))
}

#[test]
fn codes_are_unique_and_stable() {
    let mut seen = std::collections::BTreeSet::new();
    for code in LintCode::ALL {
        assert!(seen.insert(code.as_str()), "{code}");
        assert!(code.as_str().starts_with("BZ") && code.as_str().len() == 5);
        assert_eq!(
            serde_json::to_value(code).unwrap(),
            serde_json::json!(code.as_str())
        );
    }
    assert_eq!(LintCode::Bz001.severity(), Severity::Warning);
    assert_eq!(LintCode::Bz013.severity(), Severity::Info);
}

#[test]
fn every_code_is_documented_in_spec_lint_md() {
    let doc = include_str!("../../../spec/lint.md");
    for code in LintCode::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.severity());
        assert!(doc.contains(&row), "spec/lint.md lacks the row `{row}`");
    }
}

#[test]
fn a_careful_policy_has_no_findings() {
    let p = policy(include_str!("../../../spec/lint/good-policy.yaml"));
    let attestors =
        Attestor::parse_many(include_str!("../../../spec/examples/attestors.yaml")).unwrap();
    assert_eq!(lint(&p, &attestors), []);
}

#[test]
fn the_example_policy_only_has_an_info() {
    let p = policy(include_str!("../../../spec/examples/policy.yaml"));
    let attestors =
        Attestor::parse_many(include_str!("../../../spec/examples/attestors.yaml")).unwrap();
    let found = lint(&p, &attestors);
    assert_eq!(codes(&found), ["BZ004"]);
    assert_eq!(found[0].path, "kubernetesNamespaceAdmissionRules.staging");
    assert_eq!(
        found[0].message,
        "the rule for namespace `staging` is weaker than the default rule: it does not require attestor `projects/acme/attestors/security-scan`, which the default rule requires, and it only logs violations (DRYRUN_AUDIT_LOG_ONLY) where the default rule blocks them"
    );
}

#[test]
fn default_rule_always_allow_and_dry_run() {
    let allow = "{evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}";
    let found = lint(&with_default(allow, ""), &[]);
    assert_eq!(codes(&found), ["BZ001"]);
    assert!(found[0].message.contains("admits every image"), "{found:?}");
    let dry = "{evaluationMode: ALWAYS_DENY, enforcementMode: DRYRUN_AUDIT_LOG_ONLY}";
    let found = lint(&with_default(dry, ""), &[]);
    assert_eq!(codes(&found), ["BZ005"]);
    assert_eq!(found[0].path, "defaultAdmissionRule.enforcementMode");
}

#[test]
fn global_mode_unset() {
    let p = policy(
        "defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n",
    );
    let found = lint(&p, &[]);
    assert_eq!(codes(&found), ["BZ008"]);
    assert_eq!(found[0].path, "globalPolicyEvaluationMode");
    let explicit = policy(
        "globalPolicyEvaluationMode: DISABLE\ndefaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n",
    );
    assert_eq!(lint(&explicit, &[]), []);
}

#[test]
fn allowlist_patterns() {
    for (pattern, expected) in [
        ("gcr.io/**", &["BZ010"][..]),
        ("gcr.io/*", &["BZ010"]),
        ("gcr.io/acme/**", &["BZ010"]),
        ("docker.io/library/**", &["BZ010"]),
        ("myorg/**", &["BZ010"]),
        ("localhost:5000/*", &["BZ010"]),
        ("us-docker.pkg.dev/acme/**", &["BZ010"]),
        ("gcr.io/acme**", &["BZ011"]),
        ("gcr.io/acme/app**", &["BZ011"]),
        ("gcr.io/acme/app:1.2", &["BZ012"]),
        ("gcr.io/acme/app:v1.*", &["BZ012"]),
        ("gcr.io/acme/app:*", &["BZ012"]),
        ("local-image:*", &["BZ012"]),
        ("gcr.io:*", &["BZ012"]),
        ("localhost:5000*", &["BZ012"]),
        ("gcr.io/acme/app", &["BZ012"]),
        ("gcr.io/acme/nginx*", &["BZ013"]),
        ("gcr.io/acme/*", &[]),
        ("us-docker.pkg.dev/acme/base/**", &[]),
        ("us-docker.pkg.dev/acme/base/*", &[]),
        ("gcr.io/acme/app@*", &[]),
        ("gcr.io/acme/app@**", &[]),
        (
            "gcr.io/acme/app@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6",
            &[],
        ),
        (
            "gcr.io/acme/app:1@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6",
            &[],
        ),
        ("localhost:5000/acme/app@*", &[]),
    ] {
        assert_eq!(pattern_codes(pattern), expected, "{pattern}");
    }
}

#[test]
fn allowlist_fixes_do_not_suggest_another_broad_pattern() {
    let fix = |pattern: &str| {
        let p = with_default(
            RULE_REQ_AB,
            &format!("admissionWhitelistPatterns:\n- namePattern: '{pattern}'\n"),
        );
        lint(&p, &[]).remove(0).fix
    };
    assert!(fix("gcr.io/**").contains("`gcr.io/PROJECT/REPOSITORY/*`"));
    assert!(fix("gcr.io/acme/**").contains("`gcr.io/acme/REPOSITORY/*`"));
    assert!(fix("gcr.io/acme/app**").contains("`gcr.io/acme/app/**`"));
    // The suggestions' placeholders are for the reader to fill in (BZ032 says so); filled in,
    // the patterns have no findings.
    assert_eq!(pattern_codes("gcr.io/PROJECT/REPOSITORY/*"), ["BZ032"]);
    for suggested in [
        "gcr.io/my-project/base-images/*",
        "gcr.io/acme/base-images/*",
        "gcr.io/acme/app/**",
    ] {
        assert_eq!(pattern_codes(suggested), [] as [&str; 0], "{suggested}");
    }
}

#[test]
fn allowlist_messages_name_the_pattern_and_the_risk() {
    let p = with_default(
        RULE_REQ_AB,
        "admissionWhitelistPatterns:\n- namePattern: gcr.io/p/a@*\n- namePattern: gcr.io/proj**\n- namePattern: gcr.io/p/app:v1.*\n",
    );
    let found = lint(&p, &[]);
    assert_eq!(found[0].path, "admissionWhitelistPatterns[1].namePattern");
    assert!(
        found[0].message.contains("`gcr.io/proj-evil/…`"),
        "{}",
        found[0].message
    );
    assert_eq!(
        found[0].fix,
        "end the prefix with a slash and name the repositories that need no attestation (`gcr.io/proj/REPOSITORY/*`)"
    );
    assert_eq!(
        found[1].message,
        "pattern `gcr.io/p/app:v1.*` allowlists every tag starting with `v1.`, which whoever can push to `gcr.io/p/app` can re-point to any image, and that image then runs without attestation"
    );
    assert!(found[1].fix.contains("`gcr.io/p/app@sha256:…`"));
}

/// Issue 13: a pattern with no `/` whose name looks like a registry host is a local reference;
/// the finding says so instead of describing it as a registry's images.
#[test]
fn a_slash_free_pattern_is_described_as_a_local_reference_not_a_registry() {
    let finding = |pattern: &str| {
        let p = with_default(
            RULE_REQ_AB,
            &format!("admissionWhitelistPatterns:\n- namePattern: '{pattern}'\n"),
        );
        lint(&p, &[]).remove(0)
    };
    let star = finding("gcr.io:*");
    assert_eq!(star.code, LintCode::Bz012);
    assert_eq!(
        star.message,
        "pattern `gcr.io:*` has no `/`, so it matches only the local reference `gcr.io` (the image named `gcr.io` in the node's default registry) and allowlists every tag of it, which whoever can push to that image can re-point; it never matches an image stored in registry `gcr.io`, on any port"
    );
    assert!(
        star.fix.contains("`gcr.io/PROJECT/REPOSITORY/*`"),
        "{}",
        star.fix
    );
    let port = finding("localhost:5000*");
    assert!(
        port.message
            .contains("allowlists every tag starting with `5000` of it"),
        "{}",
        port.message
    );
    assert!(
        port.message
            .contains("never matches an image stored in registry `localhost`, on any port"),
        "{}",
        port.message
    );
    // A `**` there is not a finding but an error: the policy does not load (spec/README.md §3).
    for pattern in ["gcr.io:**", "localhost:5000**", "local-image:**"] {
        let e = Policy::parse(&format!(
            "defaultAdmissionRule: {RULE_REQ_AB}\nadmissionWhitelistPatterns:\n- namePattern: '{pattern}'\n"
        ))
        .unwrap_err();
        assert_eq!(e.path(), "admissionWhitelistPatterns[0].namePattern");
        assert!(e.message().contains("another registry or port"), "{e}");
    }
}

#[test]
fn namespace_overrides() {
    let p = policy(include_str!("../../../spec/lint/risky-namespaces.yaml"));
    let found = lint(&p, &[]);
    assert_eq!(
        codes(&found),
        [
            "BZ008", "BZ010", "BZ010", "BZ011", "BZ012", "BZ013", "BZ002", "BZ007", "BZ004"
        ]
    );
    let bypass = &found[6];
    assert_eq!(
        bypass.path,
        "kubernetesNamespaceAdmissionRules.dev.evaluationMode"
    );
    assert_eq!(
        bypass.message,
        "the ALWAYS_ALLOW rule for namespace `dev` overrides the default rule's REQUIRE_ATTESTATION, so anyone who can create pods in namespace `dev` can run any image"
    );
    assert_eq!(found[7].path, "kubernetesNamespaceAdmissionRules.payments");
}

#[test]
fn cluster_rules_weaker_than_the_default() {
    let p = policy(include_str!("../../../spec/lint/risky-clusters.yaml"));
    let found = lint(&p, &[]);
    assert_eq!(codes(&found), ["BZ005", "BZ006", "BZ002", "BZ003"]);
    assert_eq!(
        found[1].path,
        "clusterAdmissionRules.europe-west1.edge.enforcementMode"
    );
    assert!(
        found[2]
            .message
            .contains("every image runs unchecked on cluster `us-east1-a.dev`")
    );
    assert_eq!(found[3].path, "clusterAdmissionRules.us-east1-a.prod");
    assert_eq!(found[3].severity, Severity::Warning);

    // A dry-run cluster rule under an enforced default is weaker, not just dry run.
    let p = with_default(
        RULE_REQ_AB,
        "clusterAdmissionRules:\n  us-east1-a.prod: {evaluationMode: ALWAYS_DENY, enforcementMode: DRYRUN_AUDIT_LOG_ONLY}\n",
    );
    let found = lint(&p, &[]);
    assert_eq!(codes(&found), ["BZ003"]);
    assert!(found[0].message.contains("only logs violations"));
    // Stricter cluster rules are fine; so is opening one cluster under a deny-all default.
    let p = with_default(
        RULE_REQ_AB,
        "clusterAdmissionRules:\n  us-east1-a.prod: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [projects/p/attestors/b, projects/p/attestors/a, projects/p/attestors/c]}\n",
    );
    assert_eq!(lint(&p, &[]), []);
    let p = with_default(
        "{evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}",
        "clusterAdmissionRules:\n  us-east1-a.prod: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [projects/p/attestors/a]}\n",
    );
    assert_eq!(lint(&p, &[]), []);
}

#[test]
fn service_account_and_istio_overrides_name_who_gets_through() {
    let p = with_default(
        RULE_REQ_AB,
        "kubernetesServiceAccountAdmissionRules:\n  ci:deployer: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n",
    );
    let found = lint(&p, &[]);
    assert_eq!(codes(&found), ["BZ002"]);
    assert!(
        found[0]
            .message
            .contains("run pods as service account `ci:deployer`")
    );
    let p = with_default(
        RULE_REQ_AB,
        "istioServiceIdentityAdmissionRules:\n  spiffe://p.svc.id.goog/ns/a/sa/b: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: [projects/p/attestors/a]}\n",
    );
    let found = lint(&p, &[]);
    assert_eq!(codes(&found), ["BZ004"]);
    assert_eq!(found[0].severity, Severity::Info);
    assert!(
        found[0]
            .message
            .contains("Istio identity `p.svc.id.goog/ns/a/sa/b`")
    );
}

#[test]
fn attestor_keys_and_unused_attestors() {
    let p = policy(include_str!("../../../spec/lint/risky-namespaces.yaml"));
    let attestors =
        Attestor::parse_many(include_str!("../../../spec/lint/risky-attestors.yaml")).unwrap();
    let found: Vec<Lint> = lint(&p, &attestors)
        .into_iter()
        .filter(|l| l.attestor.is_some())
        .collect();
    assert_eq!(codes(&found), ["BZ021", "BZ022", "BZ023", "BZ020"]);
    let names: Vec<&str> = found
        .iter()
        .map(|l| l.attestor.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(
        names,
        [
            "projects/acme/attestors/built-by-ci",
            "projects/acme/attestors/security-scan",
            "projects/acme/attestors/qa-approved",
            "projects/acme/attestors/qa-approved"
        ]
    );
    assert_eq!(
        found[0].path,
        "userOwnedGrafeasNote.publicKeys[0].pkixPublicKey.signatureAlgorithm"
    );
    assert!(found[0].message.contains("RSA_PSS_2048_SHA256"));
    assert!(found[1].message.contains("RSA_SIGN_PKCS1_3072_SHA256"));
    assert_eq!(found[2].path, "name");
    assert_eq!(found[3].path, "userOwnedGrafeasNote.publicKeys");
}

#[test]
fn lints_serialize_with_stable_field_names() {
    let allow = "{evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}";
    let found = lint(&with_default(allow, ""), &[]);
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(json["code"], "BZ001");
    assert_eq!(json["severity"], "warning");
    assert_eq!(json["attestor"], serde_json::Value::Null);
    assert_eq!(json["path"], "defaultAdmissionRule.evaluationMode");
    assert!(json["message"].is_string() && json["fix"].is_string());
}

#[test]
fn messages_are_lower_case_single_sentences() {
    let p = policy(include_str!("../../../spec/lint/risky-namespaces.yaml"));
    let attestors =
        Attestor::parse_many(include_str!("../../../spec/lint/risky-attestors.yaml")).unwrap();
    let mut all = lint(&p, &attestors);
    all.extend(lint(
        &policy(include_str!("../../../spec/lint/risky-clusters.yaml")),
        &[],
    ));
    all.extend(lint(&policy(TEMPLATE_MISTAKES), &[template_attestor()]));
    for l in &all {
        for text in [&l.message, &l.fix] {
            let first = text.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{text}");
            assert!(
                !text.ends_with('.') && !text.contains(". ") && !text.contains('\n'),
                "{text}"
            );
        }
    }
}

// ---- What documents written outside the project get wrong (issue 14) ----

/// A policy with each of the mistakes BZ009, BZ014 and BZ030-BZ032 report.
const TEMPLATE_MISTAKES: &str = "name: projects//policy
globalPolicyEvaluationMode: ENABLE
admissionWhitelistPatterns:
- namePattern: gcr.io/$PROJECT_ID/base/*
- namePattern: gcr.io/acme/base/*
- namePattern: gcr.io/acme/base/*
defaultAdmissionRule:
  evaluationMode: REQUIRE_ATTESTATION
  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG
  requireAttestationsBy: projects/acme/attestors/ATTESTOR_NAME
clusterAdmissionRules:
  europewest1.prod: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
  global.edge-membership: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
  us-central1-a.CLUSTER_NAME: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}
";

/// The attestor TEMPLATE_MISTAKES requires, with one key given as a single value and a note
/// name that was never filled in.
fn template_attestor() -> Attestor {
    let pem = include_str!("../../../spec/conformance/keys/ec-p256.pub.pem");
    Attestor::from_value(serde_json::json!({
        "name": "projects/acme/attestors/ATTESTOR_NAME",
        "userOwnedGrafeasNote": {
            "noteReference": "projects/acme/notes/NOTE_ID",
            "publicKeys": {"pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": "ECDSA_P256_SHA256"}}}
    }))
    .unwrap()
}

#[test]
fn template_mistakes_are_each_reported_where_they_are() {
    let found = lint(&policy(TEMPLATE_MISTAKES), &[template_attestor()]);
    let at: Vec<(&str, &str)> = found
        .iter()
        .map(|l| (l.code.as_str(), l.path.as_str()))
        .collect();
    assert_eq!(
        at,
        [
            ("BZ031", "name"),
            ("BZ032", "admissionWhitelistPatterns[0].namePattern"),
            ("BZ014", "admissionWhitelistPatterns[2].namePattern"),
            ("BZ030", "defaultAdmissionRule.requireAttestationsBy"),
            ("BZ032", "defaultAdmissionRule.requireAttestationsBy[0]"),
            ("BZ009", "clusterAdmissionRules.europewest1.prod"),
            ("BZ032", "clusterAdmissionRules.us-central1-a.CLUSTER_NAME"),
            ("BZ030", "userOwnedGrafeasNote.publicKeys"),
            ("BZ032", "name"),
            ("BZ032", "userOwnedGrafeasNote.noteReference"),
        ],
        "{found:#?}"
    );
    assert!(found.iter().all(|l| l.severity == Severity::Warning));
    let attestor = Some("projects/acme/attestors/ATTESTOR_NAME");
    assert!(
        found[7..]
            .iter()
            .all(|l| l.attestor.as_ref().map(AttestorName::as_str) == attestor)
    );
    assert!(found[..7].iter().all(|l| l.attestor.is_none()));
}

#[test]
fn a_policy_name_without_a_project_is_reported_with_its_likely_cause() {
    let found = lint(&policy(TEMPLATE_MISTAKES), &[]);
    assert_eq!(
        found[0].message,
        "the policy name `projects//policy` names no project, which is what `projects/$PROJECT_ID/policy` becomes where the variable is not set (a shell heredoc); gcloud's import replaces the name with the current project's, so the file does not say which project it is for"
    );
    let name = |name: &str| {
        let p = policy(&format!(
            "name: {name}\nglobalPolicyEvaluationMode: ENABLE\ndefaultAdmissionRule: {RULE_REQ_AB}\n"
        ));
        lint(&p, &[])
    };
    let bad = name("projects/Acme/policy");
    assert_eq!(codes(&bad), ["BZ031"]);
    assert!(
        bad[0]
            .message
            .contains("`Acme` is not a GCP project id: it has upper-case letters"),
        "{}",
        bad[0].message
    );
    assert_eq!(codes(&name("projects/PROJECT_ID/policy")), ["BZ032"]);
    assert_eq!(codes(&name("projects/my-project/policy")), [] as [&str; 0]);
    assert_eq!(codes(&name("locations/global/policy")), [] as [&str; 0]);
}

#[test]
fn a_cluster_location_must_be_a_region_a_zone_or_global() {
    let codes_for = |key: &str| {
        let p = with_default(
            RULE_REQ_AB,
            &format!(
                "clusterAdmissionRules:\n  {key}: {{evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}}\n"
            ),
        );
        codes(&lint(&p, &[]))
    };
    for ok in [
        "us-central1.prod",
        "us-central1-a.prod",
        "global.test-membership",
    ] {
        assert_eq!(codes_for(ok), [] as [&str; 0], "{ok}");
    }
    for bad in ["europewest1.prod", "us.prod", "us-central1-ab.prod"] {
        assert_eq!(codes_for(bad), ["BZ009"], "{bad}");
    }
    let found = lint(&policy(TEMPLATE_MISTAKES), &[]);
    assert_eq!(
        found[5].message,
        "cluster rule key `europewest1.prod` has the location `europewest1`, which is not a GCP region (`us-central1`) or zone (`us-central1-a`), nor `global` (a Distributed Cloud fleet membership), so the rule applies to no cluster and the default rule decides there"
    );
}

#[test]
fn a_duplicate_pattern_is_reported_once_naming_the_first() {
    let found = lint(&policy(TEMPLATE_MISTAKES), &[]);
    assert_eq!(
        found[2].message,
        "pattern `gcr.io/acme/base/*` is listed twice (also admissionWhitelistPatterns[1]), so the allowlist has one pattern fewer than it shows; a copy is often a pattern that was meant to be edited"
    );
    // The copy's other findings are the first one's: reported once.
    let p = with_default(
        RULE_REQ_AB,
        "admissionWhitelistPatterns:\n- namePattern: gcr.io/**\n- namePattern: gcr.io/**\n",
    );
    assert_eq!(codes(&lint(&p, &[])), ["BZ010", "BZ014"]);
}

#[test]
fn a_single_value_is_reported_for_every_repeated_field() {
    let p = with_default(
        "{evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: projects/p/attestors/a}",
        "admissionWhitelistPatterns: {namePattern: gcr.io/acme/base/*}\nistioServiceIdentityAdmissionRules:\n  spiffe://p.svc.id.goog/ns/a/sa/b: {evaluationMode: REQUIRE_ATTESTATION, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG, requireAttestationsBy: projects/p/attestors/a}\n",
    );
    let found = lint(&p, &[]);
    let single: Vec<&str> = found
        .iter()
        .filter(|l| l.code == LintCode::Bz030)
        .map(|l| l.path.as_str())
        .collect();
    assert_eq!(
        single,
        [
            "admissionWhitelistPatterns",
            "defaultAdmissionRule.requireAttestationsBy",
            "istioServiceIdentityAdmissionRules.spiffe://p.svc.id.goog/ns/a/sa/b.requireAttestationsBy"
        ]
    );
    assert_eq!(
        found[0].message,
        "`admissionWhitelistPatterns` is a single value, not a list: gcloud's import reads it as a list of one, but GCP's API and other tools need a list (and `policy export` writes it back as one)"
    );
}
