//! The policy exactly as gcloud prints it, before validation.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct RawPolicy {
    pub name: Option<String>,
    pub description: Option<String>,
    pub global_policy_evaluation_mode: Option<RawGlobalMode>,
    pub admission_whitelist_patterns: Option<Vec<RawPattern>>,
    pub default_admission_rule: Option<RawRule>,
    pub cluster_admission_rules: Option<BTreeMap<String, RawRule>>,
    pub kubernetes_namespace_admission_rules: Option<BTreeMap<String, RawRule>>,
    pub kubernetes_service_account_admission_rules: Option<BTreeMap<String, RawRule>>,
    pub istio_service_identity_admission_rules: Option<BTreeMap<String, RawRule>>,
    pub etag: Option<String>,
    pub update_time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct RawPattern {
    pub name_pattern: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct RawRule {
    pub evaluation_mode: Option<RawEvaluationMode>,
    pub require_attestations_by: Option<Vec<String>>,
    pub enforcement_mode: Option<RawEnforcementMode>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[allow(
    clippy::upper_case_acronyms,
    reason = "the names are GCP's enum values"
)]
pub(super) enum RawGlobalMode {
    #[serde(rename = "GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED")]
    Unspecified,
    #[serde(rename = "ENABLE")]
    Enable,
    #[serde(rename = "DISABLE")]
    Disable,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) enum RawEvaluationMode {
    #[serde(rename = "EVALUATION_MODE_UNSPECIFIED")]
    Unspecified,
    #[serde(rename = "ALWAYS_ALLOW")]
    AlwaysAllow,
    #[serde(rename = "REQUIRE_ATTESTATION")]
    RequireAttestation,
    #[serde(rename = "ALWAYS_DENY")]
    AlwaysDeny,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) enum RawEnforcementMode {
    #[serde(rename = "ENFORCEMENT_MODE_UNSPECIFIED")]
    Unspecified,
    #[serde(rename = "ENFORCED_BLOCK_AND_AUDIT_LOG")]
    Enforced,
    #[serde(rename = "DRYRUN_AUDIT_LOG_ONLY")]
    DryRun,
}
