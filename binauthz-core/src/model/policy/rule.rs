//! Admission rules: what to do with an image that no allowlist exempted.

use std::fmt;

use serde::Serialize;

use super::raw::{GcpEnum as _, RawEnforcementMode, RawEvaluationMode, RawRule};
use crate::error::{InputError, InputResult, join_path};
use crate::model::names::{AttestorName, project_message, project_of, project_problem};

/// GCP's `evaluationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

    /// Validates a rule and returns its first error (what [`super::Policy::parse`] reports).
    pub(super) fn from_raw(raw: RawRule, path: &str) -> InputResult<Self> {
        Self::check(&raw, path, Unreadable::default()).map_err(|errors| {
            errors
                .into_iter()
                .next()
                .unwrap_or_else(|| InputError::invalid(path, "the rule is invalid"))
        })
    }

    /// Validates a rule and returns every error, in the order [`AdmissionRule::from_raw`] would
    /// meet them (so the first is the one it reports). Fields marked in `unreadable` had a type
    /// error that was reported already: they are neither "required" nor checked again.
    pub(super) fn check(
        raw: &RawRule,
        path: &str,
        unreadable: Unreadable,
    ) -> Result<Self, Vec<InputError>> {
        let at = |field: &str| join_path(path, field);
        let mut errors = Vec::new();
        let mode = match raw.evaluation_mode.as_deref() {
            None if unreadable.evaluation_mode => None,
            None => {
                errors.push(InputError::invalid(
                    at("evaluationMode"),
                    "field is required (ALWAYS_ALLOW, REQUIRE_ATTESTATION or ALWAYS_DENY)",
                ));
                None
            }
            Some(text) => RawEvaluationMode::read(text)
                .map_err(|m| errors.push(InputError::invalid(at("evaluationMode"), m)))
                .ok(),
        };
        let enforcement = match raw.enforcement_mode.as_deref() {
            None if unreadable.enforcement_mode => None,
            None => {
                errors.push(InputError::invalid(
                    at("enforcementMode"),
                    "field is required (ENFORCED_BLOCK_AND_AUDIT_LOG or DRYRUN_AUDIT_LOG_ONLY)",
                ));
                None
            }
            Some(text) => match RawEnforcementMode::read(text) {
                Ok(RawEnforcementMode::Enforced) => Some(EnforcementMode::Enforced),
                Ok(RawEnforcementMode::DryRun) => Some(EnforcementMode::DryRun),
                Err(m) => {
                    errors.push(InputError::invalid(at("enforcementMode"), m));
                    None
                }
            },
        };
        let names = raw.require_attestations_by.as_deref().unwrap_or_default();
        let action = match mode {
            Some(RawEvaluationMode::AlwaysAllow | RawEvaluationMode::AlwaysDeny)
                if !names.is_empty() =>
            {
                let mode = if matches!(mode, Some(RawEvaluationMode::AlwaysAllow)) {
                    "ALWAYS_ALLOW"
                } else {
                    "ALWAYS_DENY"
                };
                errors.push(InputError::invalid(
                    at("requireAttestationsBy"),
                    format!(
                        "attestors may only be listed when evaluationMode is REQUIRE_ATTESTATION, not {mode}"
                    ),
                ));
                None
            }
            Some(RawEvaluationMode::AlwaysAllow) => Some(RuleAction::AlwaysAllow),
            Some(RawEvaluationMode::AlwaysDeny) => Some(RuleAction::AlwaysDeny),
            Some(RawEvaluationMode::RequireAttestation)
                if names.is_empty() && !unreadable.attestors =>
            {
                errors.push(InputError::invalid(
                    at("requireAttestationsBy"),
                    "REQUIRE_ATTESTATION needs at least one attestor in requireAttestationsBy",
                ));
                None
            }
            Some(RawEvaluationMode::RequireAttestation) => {
                attestor_list(names, &at("requireAttestationsBy"), &mut errors)
                    .map(RuleAction::RequireAttestation)
            }
            // Without a usable mode, the names are still checked on their own.
            _ => {
                attestor_list(names, &at("requireAttestationsBy"), &mut errors);
                None
            }
        };
        match (action, enforcement) {
            (Some(action), Some(enforcement)) if errors.is_empty() && !unreadable.any() => {
                Ok(AdmissionRule {
                    action,
                    enforcement,
                })
            }
            // Empty only when an unreadable field (reported already) is all that is wrong.
            _ => Err(errors),
        }
    }
}

/// Which fields of a rule had a type error (already reported) and so could not be read.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Unreadable {
    /// `evaluationMode` could not be read.
    pub evaluation_mode: bool,
    /// `enforcementMode` could not be read.
    pub enforcement_mode: bool,
    /// `requireAttestationsBy` (or one of its entries) could not be read.
    pub attestors: bool,
}

impl Unreadable {
    fn any(self) -> bool {
        self.evaluation_mode || self.enforcement_mode || self.attestors
    }
}

/// Parses attestor names, reporting each malformed or repeated one; `None` when any is bad.
fn attestor_list(
    names: &[String],
    path: &str,
    errors: &mut Vec<InputError>,
) -> Option<Vec<AttestorName>> {
    let before = errors.len();
    let mut attestors: Vec<AttestorName> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let field = format!("{path}[{i}]");
        let Some(parsed) = AttestorName::parse(name) else {
            errors.push(InputError::invalid(
                field,
                format!(
                    "`{name}` is not an attestor name of the form projects/PROJECT/attestors/ATTESTOR"
                ),
            ));
            continue;
        };
        if let Some(project) = project_of(name)
            && let Some(problem) = project_problem(project)
        {
            errors.push(InputError::invalid(
                field,
                format!("attestor `{name}`: {}", project_message(project, problem)),
            ));
        } else if attestors.contains(&parsed) {
            errors.push(InputError::invalid(
                field,
                format!("attestor `{name}` is listed twice in one rule"),
            ));
        } else {
            attestors.push(parsed);
        }
    }
    (errors.len() == before).then_some(attestors)
}
