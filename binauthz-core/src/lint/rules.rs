//! Lints about the admission rules: weak defaults, bypasses, dry runs and rules that change
//! nothing (BZ001-BZ008).

use super::*;

pub(super) fn global_mode(policy: &Policy, out: &mut Vec<Lint>) {
    if !policy.global_mode_is_set() {
        out.push(Lint::new(
            LintCode::Bz008,
            "globalPolicyEvaluationMode",
            "globalPolicyEvaluationMode is not set, so it means DISABLE and Google's system images (gke.gcr.io/**, k8s.gcr.io/** …) must pass the policy's rules like any other image".to_owned(),
            "set globalPolicyEvaluationMode: ENABLE, or DISABLE explicitly and allowlist the system images your clusters run".to_owned(),
        ));
    }
}

pub(super) fn default_rule(policy: &Policy, out: &mut Vec<Lint>) {
    let rule = policy.default_rule();
    rule_names(policy, RuleKind::Default, "defaultAdmissionRule", rule, out);
    if rule.evaluation_mode() == EvaluationMode::AlwaysAllow {
        let what = if policy.specific_rules().kind().is_none() {
            "the policy has no specific rules, so it admits every image"
        } else {
            "every image that no specific rule covers runs without attestation"
        };
        out.push(Lint::new(
            LintCode::Bz001,
            "defaultAdmissionRule.evaluationMode",
            format!("the default rule's evaluationMode is ALWAYS_ALLOW and {what}"),
            "set it to REQUIRE_ATTESTATION (with requireAttestationsBy) or ALWAYS_DENY, and exempt what must run with allowlist patterns or specific rules".to_owned(),
        ));
    } else if rule.enforcement_mode() == EnforcementMode::DryRun {
        out.push(Lint::new(
            LintCode::Bz005,
            "defaultAdmissionRule.enforcementMode",
            format!("the default rule's enforcementMode is DRYRUN_AUDIT_LOG_ONLY, so images that violate its {} are admitted and only logged", rule.evaluation_mode()),
            "once the audit log shows no unexpected violations, set enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG".to_owned(),
        ));
    }
}

/// How `kind` rules are keyed, for messages: "namespace `dev`".
pub(super) fn subject(kind: RuleKind, key: &str) -> String {
    match kind {
        RuleKind::Default => "the default".to_owned(),
        RuleKind::Cluster => format!("cluster `{key}`"),
        RuleKind::Namespace => format!("namespace `{key}`"),
        RuleKind::ServiceAccount => format!("service account `{key}`"),
        RuleKind::IstioIdentity => format!("Istio identity `{key}`"),
    }
}

/// Who gets past an ALWAYS_ALLOW rule of this kind.
pub(super) fn bypass(kind: RuleKind, key: &str) -> String {
    match kind {
        RuleKind::Cluster => format!("every image runs unchecked on cluster `{key}`"),
        RuleKind::ServiceAccount => {
            format!("anyone who can run pods as service account `{key}` can run any image")
        }
        RuleKind::IstioIdentity => {
            format!("any workload with Istio identity `{key}` can run any image")
        }
        RuleKind::Namespace | RuleKind::Default => {
            format!("anyone who can create pods in namespace `{key}` can run any image")
        }
    }
}

pub(super) fn specific_rules(policy: &Policy, out: &mut Vec<Lint>) {
    let Some(kind) = policy.specific_rules().kind() else {
        return;
    };
    let default = policy.default_rule();
    let default_mode = default.evaluation_mode();
    for (key, rule) in policy.specific_rules().iter() {
        let path = format!("{}.{key}", kind.field());
        let who = subject(kind, key);
        let mode = rule.evaluation_mode();
        if kind == RuleKind::Cluster {
            cluster_location(&path, key, out);
        }
        placeholder_in(&path, key, "the rule applies to nothing", out);
        rule_names(policy, kind, &path, rule, out);
        if same_rule(rule, default) {
            out.push(Lint::new(
                LintCode::Bz007,
                path,
                format!("the rule for {who} is the same as the default rule, so it has no effect"),
                "remove it, or change it if it was meant to differ from the default".to_owned(),
            ));
            continue;
        }
        if mode == EvaluationMode::AlwaysAllow {
            if default_mode != EvaluationMode::AlwaysAllow {
                out.push(Lint::new(
                    LintCode::Bz002,
                    format!("{path}.evaluationMode"),
                    format!("the ALWAYS_ALLOW rule for {who} overrides the default rule's {default_mode}, so {}", bypass(kind, key)),
                    "require attestation here too (by fewer attestors if need be), or allowlist just the images that need the exemption".to_owned(),
                ));
            }
            continue;
        }
        let mut weaker = Vec::new();
        if default_mode == EvaluationMode::RequireAttestation {
            let missing: Vec<String> = default
                .required_attestors()
                .iter()
                .filter(|a| !rule.required_attestors().contains(a))
                .map(|a| format!("`{a}`"))
                .collect();
            if mode == EvaluationMode::RequireAttestation && !missing.is_empty() {
                weaker.push(format!(
                    "it does not require {} {}, which the default rule requires",
                    if missing.len() == 1 {
                        "attestor"
                    } else {
                        "attestors"
                    },
                    missing.join(", ")
                ));
            }
        }
        let dry_run_only_here = rule.enforcement_mode() == EnforcementMode::DryRun
            && default.enforcement_mode() == EnforcementMode::Enforced
            && default_mode != EvaluationMode::AlwaysAllow;
        if dry_run_only_here {
            weaker.push(
                "it only logs violations (DRYRUN_AUDIT_LOG_ONLY) where the default rule blocks them"
                    .to_owned(),
            );
        }
        if !weaker.is_empty() {
            let (code, fix) = if kind == RuleKind::Cluster {
                (
                    LintCode::Bz003,
                    "require every attestor the default requires (adding the cluster's own) and enforce the rule, or make the default the weaker rule".to_owned(),
                )
            } else {
                (
                    LintCode::Bz004,
                    format!(
                        "make sure only trusted deployers can use {who}, or require the default rule's attestors there too"
                    ),
                )
            };
            out.push(Lint::new(
                code,
                path.clone(),
                format!(
                    "the rule for {who} is weaker than the default rule: {}",
                    weaker.join(", and ")
                ),
                fix,
            ));
        }
        if rule.enforcement_mode() == EnforcementMode::DryRun && !dry_run_only_here {
            out.push(Lint::new(
                LintCode::Bz006,
                format!("{path}.enforcementMode"),
                format!("the rule for {who} has enforcementMode DRYRUN_AUDIT_LOG_ONLY, so images that violate its {mode} are admitted and only logged"),
                "once the audit log shows no unexpected violations, set enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG".to_owned(),
            ));
        }
    }
}

/// Same mode, same attestors (in any order) and same enforcement.
pub(super) fn same_rule(a: &AdmissionRule, b: &AdmissionRule) -> bool {
    let (x, y) = (a.required_attestors(), b.required_attestors());
    a.evaluation_mode() == b.evaluation_mode()
        && a.enforcement_mode() == b.enforcement_mode()
        && x.len() == y.len()
        && x.iter().all(|n| y.contains(n))
}
