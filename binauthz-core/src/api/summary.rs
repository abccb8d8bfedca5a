//! What `validatePolicy` and `validateAttestors` return: the validated documents as the engine
//! understood them (default key ids filled in, Istio keys normalised), for previews.

use crate::model::policy::{
    AdmissionRule, EnforcementMode, EvaluationMode, GlobalPolicyEvaluationMode, RuleKind,
};
use crate::{Attestor, Policy};
use serde::Serialize;

/// One admission rule.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSummary<'a> {
    /// `ALWAYS_ALLOW`, `REQUIRE_ATTESTATION` or `ALWAYS_DENY`.
    pub evaluation_mode: EvaluationMode,
    /// `ENFORCED_BLOCK_AND_AUDIT_LOG` or `DRYRUN_AUDIT_LOG_ONLY`.
    pub enforcement_mode: EnforcementMode,
    /// The attestors a `REQUIRE_ATTESTATION` rule needs (empty otherwise).
    pub require_attestations_by: Vec<&'a str>,
}

impl<'a> RuleSummary<'a> {
    fn of(rule: &'a AdmissionRule) -> Self {
        RuleSummary {
            evaluation_mode: rule.evaluation_mode(),
            enforcement_mode: rule.enforcement_mode(),
            require_attestations_by: rule
                .required_attestors()
                .iter()
                .map(|a| a.as_str())
                .collect(),
        }
    }
}

/// One specific rule with its (normalised) map key.
#[derive(Debug, Serialize)]
pub struct KeyedRule<'a> {
    /// The map key, e.g. a namespace.
    pub key: &'a str,
    /// The rule.
    #[serde(flatten)]
    pub rule: RuleSummary<'a>,
}

/// The specific rules of a policy (GCP allows one kind per policy).
#[derive(Debug, Serialize)]
pub struct SpecificRules<'a> {
    /// `cluster`, `namespace`, `serviceAccount` or `istioIdentity`.
    pub kind: RuleKind,
    /// The policy field they came from, e.g. `kubernetesNamespaceAdmissionRules`.
    pub field: &'static str,
    /// The rules, in key order.
    pub rules: Vec<KeyedRule<'a>>,
}

/// A validated policy.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicySummary<'a> {
    /// `projects/P/policy`, if the document names it.
    pub name: Option<&'a str>,
    /// The description, if any.
    pub description: Option<&'a str>,
    /// `ENABLE` or `DISABLE` (the default).
    pub global_policy_evaluation_mode: GlobalPolicyEvaluationMode,
    /// The allowlist patterns.
    pub admission_whitelist_patterns: Vec<&'a str>,
    /// The default rule.
    pub default_admission_rule: RuleSummary<'a>,
    /// The specific rules, if the policy has any.
    pub specific_rules: Option<SpecificRules<'a>>,
    /// Every attestor some rule requires, sorted, without duplicates.
    pub required_attestors: Vec<&'a str>,
}

impl<'a> PolicySummary<'a> {
    /// Summarises a validated policy.
    pub fn of(policy: &'a Policy) -> Self {
        let specific = policy.specific_rules();
        let mut required: Vec<&str> = policy
            .required_attestors()
            .into_iter()
            .map(|(name, _)| name.as_str())
            .collect();
        required.sort_unstable();
        required.dedup();
        PolicySummary {
            name: policy.name(),
            description: policy.description(),
            global_policy_evaluation_mode: policy.global_mode(),
            admission_whitelist_patterns: policy.allowlist().iter().map(|p| p.as_str()).collect(),
            default_admission_rule: RuleSummary::of(policy.default_rule()),
            specific_rules: specific.kind().map(|kind| SpecificRules {
                kind,
                field: kind.field(),
                rules: specific
                    .iter()
                    .map(|(key, rule)| KeyedRule {
                        key,
                        rule: RuleSummary::of(rule),
                    })
                    .collect(),
            }),
            required_attestors: required,
        }
    }
}

/// One attestor key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeySummary<'a> {
    /// The id signatures must name (GCP's default `ni:///sha-256;…` id when the document left it
    /// blank).
    pub id: &'a str,
    /// The signature algorithm's canonical name, e.g. `ECDSA_P256_SHA256`.
    pub signature_algorithm: &'static str,
    /// The key's comment, if any.
    pub comment: Option<&'a str>,
}

/// A validated attestor.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestorSummary<'a> {
    /// `projects/P/attestors/A`.
    pub name: &'a str,
    /// The description, if any.
    pub description: Option<&'a str>,
    /// The note its attestations are filed under.
    pub note_reference: &'a str,
    /// Its keys, in document order.
    pub public_keys: Vec<KeySummary<'a>>,
}

impl<'a> AttestorSummary<'a> {
    /// Summarises a validated attestor.
    pub fn of(attestor: &'a Attestor) -> Self {
        AttestorSummary {
            name: attestor.name().as_str(),
            description: attestor.description(),
            note_reference: attestor.note().as_str(),
            public_keys: attestor
                .keys()
                .iter()
                .map(|k| KeySummary {
                    id: k.id().as_str(),
                    signature_algorithm: k.algorithm_name(),
                    comment: k.comment(),
                })
                .collect(),
        }
    }
}
