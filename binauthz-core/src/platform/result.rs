//! Results in GCP's shapes (spec/README.md §15.6): `EvaluateGkePolicyResponse`, as
//! `gcloud beta container binauthz policy evaluate` prints it, and the Continuous Validation
//! log's `ContinuousValidationEvent`. Empty fields are left out, as proto3 JSON does, and
//! int64 indexes are strings.

use serde::Serialize;

/// A verdict of a check, an image, a pod or the whole response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Verdict {
    /// Allowed by the policy.
    Conformant,
    /// Violates the policy.
    NonConformant,
    /// Could not be evaluated (missing data, an unsupported check, a spent budget).
    Error,
}

impl Verdict {
    /// Combines verdicts as GCP does: non-conformance takes precedence over errors, and errors
    /// over conformance.
    pub fn combine(self, other: Verdict) -> Verdict {
        use Verdict::{Conformant, Error, NonConformant};
        match (self, other) {
            (NonConformant, _) | (_, NonConformant) => NonConformant,
            (Error, _) | (_, Error) => Error,
            _ => Conformant,
        }
    }

    /// GCP's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Conformant => "CONFORMANT",
            Verdict::NonConformant => "NON_CONFORMANT",
            Verdict::Error => "ERROR",
        }
    }
}

/// `EvaluateGkePolicyResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EvaluateGkePolicyResponse {
    /// The verdict over every pod.
    pub verdict: Verdict,
    /// One result per pod.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<PodResult>,
}

/// `PodResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PodResult {
    /// The pod's (or workload's) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_name: Option<String>,
    /// Its namespace.
    pub kubernetes_namespace: String,
    /// The service account it runs as.
    pub kubernetes_service_account: String,
    /// The verdict over its images.
    pub verdict: Verdict,
    /// One result per distinct image, in container order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_results: Vec<ImageResult>,
}

/// `AllowlistResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AllowlistResult {
    /// The pattern that matched.
    pub matched_pattern: String,
}

/// `ImageResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImageResult {
    /// The image as the pod names it.
    pub image_uri: String,
    /// The image's verdict.
    pub verdict: Verdict,
    /// Set when the policy's own allowlist exempted the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowlist_result: Option<AllowlistResult>,
    /// The check set evaluated, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_set_result: Option<CheckSetResult>,
    /// Why, when no check set was evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// `Scope` in results and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScopeResult {
    /// `kubernetesNamespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_namespace: Option<String>,
    /// `kubernetesServiceAccount` (`ns:sa`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_service_account: Option<String>,
}

/// `CheckSetResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckSetResult {
    /// The check set's index in `checkSets` (int64, as a string).
    pub index: String,
    /// Its `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Its scope; absent for the catch-all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeResult>,
    /// Set when the set's allowlist exempted the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowlist_result: Option<AllowlistResult>,
    /// The checks' results, when checks were evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_results: Option<CheckResults>,
    /// Why, when no check was evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// `CheckResults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckResults {
    /// One per check, in order.
    pub results: Vec<CheckResult>,
}

/// `EvaluationResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EvaluationResult {
    /// The check's verdict.
    pub verdict: Verdict,
}

/// `CheckResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// The check's index in its set (int64, as a string).
    pub index: String,
    /// Its `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Its type (`TrustedDirectoryCheck`, …).
    #[serde(rename = "type")]
    pub check_type: String,
    /// Set when the check's allowlist exempted the image (the check was then not evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowlist_result: Option<AllowlistResult>,
    /// The verdict, when the check was evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_result: Option<EvaluationResult>,
    /// Why, in words.
    pub explanation: String,
}

impl CheckResult {
    /// The check's verdict: an allowlisted check conforms.
    pub fn verdict(&self) -> Verdict {
        self.evaluation_result
            .as_ref()
            .map_or(Verdict::Conformant, |r| r.verdict)
    }
}

/// `ContinuousValidationEvent`, one line of the CV log (`jsonPayload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContinuousValidationEvent {
    /// `type.googleapis.com/google.cloud.binaryauthorization.v1beta1.ContinuousValidationEvent`.
    #[serde(rename = "@type")]
    pub type_url: &'static str,
    /// A pod that violates the policy.
    #[serde(rename = "podEvent", skip_serializing_if = "Option::is_none")]
    pub pod_event: Option<PodEvent>,
    /// A policy that could not be evaluated at all.
    #[serde(rename = "configErrorEvent", skip_serializing_if = "Option::is_none")]
    pub config_error_event: Option<ConfigErrorEvent>,
}

/// The `@type` of a CV log line.
pub const CV_EVENT_TYPE: &str =
    "type.googleapis.com/google.cloud.binaryauthorization.v1beta1.ContinuousValidationEvent";

/// `ContinuousValidationEvent.configErrorEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConfigErrorEvent {
    /// What is wrong.
    pub description: String,
}

/// `ContinuousValidationPodEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PodEvent {
    /// The pod's namespace.
    pub pod_namespace: String,
    /// The pod's name.
    pub pod: String,
    /// The platform policy's resource name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// Always `VIOLATES_POLICY`: conforming pods are not logged.
    pub verdict: &'static str,
    /// One per container.
    pub images: Vec<ImageDetails>,
}

/// `ContinuousValidationPodEvent.ImageDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImageDetails {
    /// The image.
    pub image: String,
    /// The container's name.
    pub container_name: String,
    /// `CONTAINER`, `INIT_CONTAINER` or `EPHEMERAL_CONTAINER`.
    pub container_type: &'static str,
    /// `ALLOW` or `DENY`.
    pub result: &'static str,
    /// Why, in words.
    pub description: String,
    /// The checks that did not conform.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub check_results: Vec<CvCheckResult>,
}

/// `ContinuousValidationPodEvent.ImageDetails.CheckResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CvCheckResult {
    /// The check set's index (a string).
    pub check_set_index: String,
    /// The check set's `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_set_name: Option<String>,
    /// The check set's scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_set_scope: Option<ScopeResult>,
    /// The check's index (a string).
    pub check_index: String,
    /// The check's `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_name: Option<String>,
    /// The check's type.
    pub check_type: String,
    /// `NON_CONFORMANT`, or `ERROR` for a check that could not be evaluated.
    pub verdict: Verdict,
    /// Why.
    pub explanation: String,
}
