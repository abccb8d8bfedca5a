//! Admission rules: what to do with an image that no allowlist exempted.

use std::fmt;

use serde::Serialize;

use super::raw::{RawEnforcementMode, RawEvaluationMode, RawRule};
use crate::error::{InputError, InputResult, join_path};
use crate::names::AttestorName;

/// GCP's `evaluationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvaluationMode {
    /// Admit every image.
    AlwaysAllow,
    /// Admit an image only if every listed attestor has attested its digest.
    RequireAttestation,
    /// Deny every image.
    AlwaysDeny,
}

/// GCP's `enforcementMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EnforcementMode {
    /// Violations are blocked and logged.
    #[serde(rename = "ENFORCED_BLOCK_AND_AUDIT_LOG")]
    Enforced,
    /// Violations are admitted and logged as dry-run.
    #[serde(rename = "DRYRUN_AUDIT_LOG_ONLY")]
    DryRun,
}

impl EvaluationMode {
    /// The GCP enum name.
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationMode::AlwaysAllow => "ALWAYS_ALLOW",
            EvaluationMode::RequireAttestation => "REQUIRE_ATTESTATION",
            EvaluationMode::AlwaysDeny => "ALWAYS_DENY",
        }
    }
}

impl EnforcementMode {
    /// The GCP enum name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnforcementMode::Enforced => "ENFORCED_BLOCK_AND_AUDIT_LOG",
            EnforcementMode::DryRun => "DRYRUN_AUDIT_LOG_ONLY",
        }
    }
}

impl fmt::Display for EvaluationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for EnforcementMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule does. Attestors exist only on `RequireAttestation`, and there at least one, so a
/// rule that "requires" nothing cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    /// Admit.
    AlwaysAllow,
    /// Deny.
    AlwaysDeny,
    /// Require an attestation from each of these attestors (never empty, no duplicates).
    RequireAttestation(Vec<AttestorName>),
}

/// A validated admission rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionRule {
    action: RuleAction,
    enforcement: EnforcementMode,
}

impl AdmissionRule {
    /// Builds a rule. `RequireAttestation` with no attestors is rejected.
    pub fn new(action: RuleAction, enforcement: EnforcementMode) -> Option<Self> {
        match &action {
            RuleAction::RequireAttestation(list) if list.is_empty() => None,
            _ => Some(AdmissionRule {
                action,
                enforcement,
            }),
        }
    }

    /// What the rule does.
    pub fn action(&self) -> &RuleAction {
        &self.action
    }

    /// The rule's `evaluationMode`.
    pub fn evaluation_mode(&self) -> EvaluationMode {
        match self.action {
            RuleAction::AlwaysAllow => EvaluationMode::AlwaysAllow,
            RuleAction::AlwaysDeny => EvaluationMode::AlwaysDeny,
            RuleAction::RequireAttestation(_) => EvaluationMode::RequireAttestation,
        }
    }

    /// The rule's `enforcementMode`.
    pub fn enforcement_mode(&self) -> EnforcementMode {
        self.enforcement
    }

    /// The attestors the rule requires (empty unless REQUIRE_ATTESTATION).
    pub fn required_attestors(&self) -> &[AttestorName] {
        match &self.action {
            RuleAction::RequireAttestation(list) => list,
            _ => &[],
        }
    }

    pub(super) fn from_raw(raw: RawRule, path: &str) -> InputResult<Self> {
        let at = |field: &str| join_path(path, field);
        let mode = match raw.evaluation_mode {
            None => {
                return Err(InputError::invalid(
                    at("evaluationMode"),
                    "field is required (ALWAYS_ALLOW, REQUIRE_ATTESTATION or ALWAYS_DENY)",
                ));
            }
            Some(RawEvaluationMode::Unspecified) => {
                return Err(InputError::invalid(
                    at("evaluationMode"),
                    "EVALUATION_MODE_UNSPECIFIED is not a usable value; expected ALWAYS_ALLOW, REQUIRE_ATTESTATION or ALWAYS_DENY",
                ));
            }
            Some(m) => m,
        };
        let enforcement = match raw.enforcement_mode {
            None => {
                return Err(InputError::invalid(
                    at("enforcementMode"),
                    "field is required (ENFORCED_BLOCK_AND_AUDIT_LOG or DRYRUN_AUDIT_LOG_ONLY)",
                ));
            }
            Some(RawEnforcementMode::Unspecified) => {
                return Err(InputError::invalid(
                    at("enforcementMode"),
                    "ENFORCEMENT_MODE_UNSPECIFIED is not a usable value; expected ENFORCED_BLOCK_AND_AUDIT_LOG or DRYRUN_AUDIT_LOG_ONLY",
                ));
            }
            Some(RawEnforcementMode::Enforced) => EnforcementMode::Enforced,
            Some(RawEnforcementMode::DryRun) => EnforcementMode::DryRun,
        };
        let names = raw.require_attestations_by.unwrap_or_default();
        let action = match mode {
            RawEvaluationMode::RequireAttestation => {
                if names.is_empty() {
                    return Err(InputError::invalid(
                        at("requireAttestationsBy"),
                        "REQUIRE_ATTESTATION needs at least one attestor in requireAttestationsBy",
                    ));
                }
                let mut attestors: Vec<AttestorName> = Vec::with_capacity(names.len());
                for (i, name) in names.iter().enumerate() {
                    let field = format!("{}[{i}]", at("requireAttestationsBy"));
                    let parsed = AttestorName::parse(name).ok_or_else(|| {
                        InputError::invalid(
                            &field,
                            format!("`{name}` is not an attestor name of the form projects/PROJECT/attestors/ATTESTOR"),
                        )
                    })?;
                    if attestors.contains(&parsed) {
                        return Err(InputError::invalid(
                            field,
                            format!("attestor `{name}` is listed twice in one rule"),
                        ));
                    }
                    attestors.push(parsed);
                }
                RuleAction::RequireAttestation(attestors)
            }
            other => {
                if !names.is_empty() {
                    let mode = if matches!(other, RawEvaluationMode::AlwaysAllow) {
                        "ALWAYS_ALLOW"
                    } else {
                        "ALWAYS_DENY"
                    };
                    return Err(InputError::invalid(
                        at("requireAttestationsBy"),
                        format!(
                            "attestors may only be listed when evaluationMode is REQUIRE_ATTESTATION, not {mode}"
                        ),
                    ));
                }
                if matches!(other, RawEvaluationMode::AlwaysAllow) {
                    RuleAction::AlwaysAllow
                } else {
                    RuleAction::AlwaysDeny
                }
            }
        };
        Ok(AdmissionRule {
            action,
            enforcement,
        })
    }
}
