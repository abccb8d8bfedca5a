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

/// Lints a platform policy (spec/lint.md §2a) once it validates; the findings.
pub fn lint_platform_policy(policy: &str) -> Result<Vec<crate::lint::Lint>, ErrorReport> {
    Ok(crate::lint::lint_platform(&validate_platform_policy(
        policy,
    )?))
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

/// A platform-policy request given as separate files, as the CLI and a preview page hold them.
#[derive(Debug, Clone, Default)]
pub struct PlatformRequestParts<'a> {
    /// The object: a workload, an AdmissionReview, a `List` of pods (`kubectl get pods -A -o
    /// json`), or a multi-document YAML manifest.
    pub object: &'a str,
    /// Attestation occurrence documents (as gcloud and the Container Analysis API print them).
    pub attestations: Vec<&'a str>,
    /// `cosign download signature` output: one JSON object per line, or a JSON list.
    pub cosign_signatures: Vec<&'a str>,
    /// Artifact Registry image records (`uri`, `uploadTime`): a list or one per document.
    pub docker_images: Vec<&'a str>,
    /// Grafeas VULNERABILITY and DISCOVERY occurrences: a list, a list response
    /// (`{"occurrences": [...]}`), or one per document.
    pub vulnerabilities: Vec<&'a str>,
    /// The evaluation time (RFC 3339), if any.
    pub evaluation_time: Option<&'a str>,
}

/// Every value of a document that holds one object, a list of them, a list response under
/// `field`, or (YAML) one per document.
fn values_of(text: &str, field: &str) -> Result<Vec<serde_json::Value>, crate::error::InputError> {
    use serde_json::Value;
    let trimmed = text.trim_start();
    // JSON Lines (`cosign download signature`): one object per line.
    let documents = if trimmed.starts_with('{')
        && trimmed.lines().filter(|l| !l.trim().is_empty()).count() > 1
        && serde_json::from_str::<Value>(text).is_err()
    {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| crate::text::document::parse(l, crate::limits::MAX_REQUEST_BYTES))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        crate::text::document::parse_all(text, crate::limits::MAX_REQUEST_BYTES)?
    };
    let mut out = Vec::new();
    for document in documents {
        match document {
            Value::Null => {}
            Value::Array(items) => out.extend(items),
            Value::Object(mut map) if map.len() == 1 && map.contains_key(field) => {
                match map.remove(field) {
                    Some(Value::Array(items)) => out.extend(items),
                    Some(other) => out.push(other),
                    None => {}
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Builds a platform-policy request from files; each error names the part it came from
/// (`object`, `attestations`, …).
pub fn platform_request_from_parts(
    parts: &PlatformRequestParts<'_>,
) -> Result<PlatformRequest, ErrorReport> {
    use serde_json::{Map, Value};
    let fail = |part: &str, e: crate::error::InputError| {
        ErrorReport::one(ErrorStage::Request, super::REQUEST, &e.within(part))
    };
    let objects = crate::text::document::parse_all(parts.object, crate::limits::MAX_REQUEST_BYTES)
        .map_err(|e| fail("object", e))?;
    let object = match <[Value; 1]>::try_from(objects) {
        Ok([one]) => one,
        Err(many) => Value::Array(many.into_iter().filter(|v| !v.is_null()).collect()),
    };
    let mut request = Map::new();
    request.insert("object".into(), object);
    for (field, texts, list_field) in [
        ("attestations", &parts.attestations, "occurrences"),
        ("cosignSignatures", &parts.cosign_signatures, "signatures"),
        ("dockerImages", &parts.docker_images, "dockerImages"),
        ("vulnerabilities", &parts.vulnerabilities, "occurrences"),
    ] {
        let mut values = Vec::new();
        for text in texts {
            values.extend(values_of(text, list_field).map_err(|e| fail(field, e))?);
        }
        if !values.is_empty() {
            request.insert(field.into(), Value::Array(values));
        }
    }
    if let Some(time) = parts.evaluation_time {
        request.insert("evaluationTime".into(), Value::String(time.to_owned()));
    }
    PlatformRequest::from_value(Value::Object(request))
        .map_err(|e| ErrorReport::one(ErrorStage::Request, super::REQUEST, &e))
}
