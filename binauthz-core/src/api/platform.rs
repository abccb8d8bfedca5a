//! Check-based platform policies through the API (spec/README.md §15): validate a policy with
//! every error, evaluate it for the pods of a request, and the Continuous Validation log's
//! events. Every binding calls these (or their JSON forms in [`super::json`]).

use serde::Serialize;

use super::ErrorReport;
use crate::error::ErrorStage;
use crate::model::allowlist::AllowlistPattern;
use crate::platform::{
    CheckKind, ContinuousValidationEvent, PlatformEvaluation, PlatformPolicy, PlatformRequest,
    Scope, config_error_event,
};

/// The name of a platform policy document in error reports.
pub const PLATFORM_POLICY: &str = "platform policy";

/// Reads a platform policy document (YAML or JSON) with every error.
pub fn validate_platform_policy(policy: &str) -> Result<PlatformPolicy, ErrorReport> {
    PlatformPolicy::validate(policy)
        .map_err(|errors| ErrorReport::all(ErrorStage::Config, PLATFORM_POLICY, &errors))
}

/// Reads a platform-policy request document (YAML or JSON).
pub fn platform_request(request: &str) -> Result<PlatformRequest, ErrorReport> {
    PlatformRequest::parse(request)
        .map_err(|e| ErrorReport::one(ErrorStage::Request, super::REQUEST, &e))
}

/// Evaluates a platform policy for the pods of a request.
pub fn evaluate_platform_policy(
    policy: &str,
    request: &str,
) -> Result<PlatformEvaluation, ErrorReport> {
    let policy = validate_platform_policy(policy)?;
    let request = platform_request(request)?;
    crate::platform::evaluate(&policy, &request)
        .map_err(|e| ErrorReport::one(ErrorStage::Request, super::REQUEST, &e))
}

/// The Continuous Validation log's events for the pods of a request: one `podEvent` per pod
/// that does not conform, or, when the policy itself cannot be read, one `configErrorEvent`
/// (as CV logs a policy it cannot apply). A request that cannot be read is an error.
pub fn platform_cv_events(
    policy: &str,
    request: &str,
) -> Result<Vec<ContinuousValidationEvent>, ErrorReport> {
    let policy = match validate_platform_policy(policy) {
        Ok(policy) => policy,
        Err(report) => return Ok(vec![config_error_event(report.message)]),
    };
    let request = platform_request(request)?;
    crate::platform::evaluate(&policy, &request)
        .map(|evaluation| evaluation.cv_events())
        .map_err(|e| ErrorReport::one(ErrorStage::Request, super::REQUEST, &e))
}

/// What `validatePlatformPolicy` returns: the policy as binauthz understood it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformPolicySummary {
    /// The resource name, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The policy-level allowlist.
    pub allow_patterns: Vec<String>,
    /// The check sets, in order.
    pub check_sets: Vec<CheckSetSummary>,
}

/// One check set of a [`PlatformPolicySummary`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckSetSummary {
    /// `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `namespace`, `ns:serviceAccount`, or `*` for the catch-all.
    pub scope: String,
    /// The set's allowlist.
    pub allow_patterns: Vec<String>,
    /// The checks.
    pub checks: Vec<CheckSummary>,
}

/// One check of a [`CheckSetSummary`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckSummary {
    /// `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The check's type (`SimpleSigningAttestationCheck`, …).
    #[serde(rename = "type")]
    pub check_type: &'static str,
    /// The check's allowlist.
    pub allow_patterns: Vec<String>,
    /// For a simple-signing check, its keys' ids (default ids filled in).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_ids: Vec<String>,
}

fn patterns(list: &[AllowlistPattern]) -> Vec<String> {
    list.iter().map(|p| p.as_str().to_owned()).collect()
}

impl PlatformPolicySummary {
    /// The summary of a validated policy.
    pub fn of(policy: &PlatformPolicy) -> Self {
        PlatformPolicySummary {
            name: policy.name().map(str::to_owned),
            allow_patterns: patterns(policy.allowlist()),
            check_sets: policy
                .check_sets()
                .iter()
                .map(|set| CheckSetSummary {
                    display_name: set.display_name().map(str::to_owned),
                    scope: match set.scope() {
                        Scope::Everything => "*".to_owned(),
                        Scope::Namespace(ns) => ns.clone(),
                        Scope::ServiceAccount { namespace, name } => format!("{namespace}:{name}"),
                    },
                    allow_patterns: patterns(set.allowlist()),
                    checks: set
                        .checks()
                        .iter()
                        .map(|check| CheckSummary {
                            display_name: check.display_name().map(str::to_owned),
                            check_type: check.kind().type_name(),
                            allow_patterns: patterns(check.allowlist()),
                            key_ids: match check.kind() {
                                CheckKind::SimpleSigning { authenticators, .. } => authenticators
                                    .iter()
                                    .flat_map(|a| a.keys.iter().map(|k| k.id.as_str().to_owned()))
                                    .collect(),
                                _ => Vec::new(),
                            },
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
