//! The policy exactly as gcloud prints it, before validation.
//!
//! Enum fields are read as strings and mapped here, so that an unknown value is reported with
//! the values GCP accepts (never the `*_UNSPECIFIED` ones, which are refused, nor serde's name
//! for a Rust type), and so that a mapping such as `{ALWAYS_ALLOW: null}` is not read as an enum
//! value the way serde's externally tagged enums would.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct RawPolicy {
    pub name: Option<String>,
    pub description: Option<String>,
    pub global_policy_evaluation_mode: Option<String>,
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
    pub evaluation_mode: Option<String>,
    pub require_attestations_by: Option<Vec<String>>,
    pub enforcement_mode: Option<String>,
}

/// `globalPolicyEvaluationMode`'s usable values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RawGlobalMode {
    Enable,
    Disable,
}

/// `evaluationMode`'s usable values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RawEvaluationMode {
    AlwaysAllow,
    RequireAttestation,
    AlwaysDeny,
}

/// `enforcementMode`'s usable values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RawEnforcementMode {
    Enforced,
    DryRun,
}

/// One of GCP's enums: its usable values as spelled, and the `*_UNSPECIFIED` value that GCP
/// documents as "do not use" (refused, spec/README.md §2.1).
pub(super) trait GcpEnum: Sized + Copy + 'static {
    /// The `*_UNSPECIFIED` value's name.
    const UNSPECIFIED: &'static str;
    /// Every usable value with its name.
    const VALUES: &'static [(&'static str, Self)];

    /// Reads `text`, or says what was expected: the usable values only.
    fn read(text: &str) -> Result<Self, String> {
        if let Some((_, value)) = Self::VALUES.iter().find(|(name, _)| *name == text) {
            return Ok(*value);
        }
        let usable: Vec<&str> = Self::VALUES.iter().map(|(name, _)| *name).collect();
        if text == Self::UNSPECIFIED {
            return Err(format!(
                "{text} is not a usable value; expected {}",
                or_list(&usable)
            ));
        }
        let quoted: Vec<String> = usable.iter().map(|n| format!("`{n}`")).collect();
        Err(format!(
            "unknown variant `{}`, expected one of {}",
            crate::untrusted::escape(text),
            quoted.join(", ")
        ))
    }
}

/// `A`, `A or B`, `A, B or C`.
fn or_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_owned(),
        None => String::new(),
    }
}

impl GcpEnum for RawGlobalMode {
    const UNSPECIFIED: &'static str = "GLOBAL_POLICY_EVALUATION_MODE_UNSPECIFIED";
    const VALUES: &'static [(&'static str, Self)] =
        &[("ENABLE", Self::Enable), ("DISABLE", Self::Disable)];
}

impl GcpEnum for RawEvaluationMode {
    const UNSPECIFIED: &'static str = "EVALUATION_MODE_UNSPECIFIED";
    const VALUES: &'static [(&'static str, Self)] = &[
        ("ALWAYS_ALLOW", Self::AlwaysAllow),
        ("REQUIRE_ATTESTATION", Self::RequireAttestation),
        ("ALWAYS_DENY", Self::AlwaysDeny),
    ];
}

impl GcpEnum for RawEnforcementMode {
    const UNSPECIFIED: &'static str = "ENFORCEMENT_MODE_UNSPECIFIED";
    const VALUES: &'static [(&'static str, Self)] = &[
        ("ENFORCED_BLOCK_AND_AUDIT_LOG", Self::Enforced),
        ("DRYRUN_AUDIT_LOG_ONLY", Self::DryRun),
    ];
}
