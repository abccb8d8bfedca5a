//! The API every binding calls and none re-implements (ARCHITECTURE.md): engines from
//! documents, requests from parts, validation with every error, AdmissionReview answers, and one
//! error report shape. Three layers, as in cedar-policy: the typed functions here, the same
//! operations on JSON text in [`json`], and the bindings (CLI, C, Go, JavaScript), which only
//! marshal arguments and results.
//!
//! Every error is an [`ErrorReport`]: a stage (`config` or `request`), the first error's code,
//! path and sentence, and every error found.

mod attestations;
mod documents;
pub mod json;
mod platform;
mod policy_tests;
mod report;
mod review;
mod summary;
#[cfg(test)]
mod tests;

pub use attestations::{AttestationEntries, AttestationEntry, read_attestations};
pub use documents::{
    Checked, Document, check_documents, compile_documents, errors_of_read_documents,
};
pub use platform::{
    CheckSetSummary, CheckSummary, PLATFORM_POLICY, PlatformPolicySummary, PlatformRequestParts,
    evaluate_platform_policy, lint_platform_policy, platform_cv_events, platform_request,
    platform_request_from_parts, validate_platform_policy,
};
pub use policy_tests::{GivenFiles, TEST_FILE, parse_tests, run_tests, test_file_error};
pub use report::{ErrorDetail, ErrorReport};
pub use review::{ReviewAnswer, answer_review};
pub use summary::{
    AttestorSummary, KeySummary, KeyedRule, PolicySummary, RuleSummary, SpecificRules,
};

use serde_json::{Map, Value};

use crate::decision::Decision;
use crate::error::{Error, ErrorCode, ErrorStage, InputError};
use crate::evaluation::Engine;
use crate::lint::{self, Lint};
use crate::model::occurrence::Occurrences;
use crate::objects::kubernetes::{self, Extracted};
use crate::request::Request;

/// The name of a config document in error reports.
pub const CONFIG: &str = "config";
/// The name of a request document in error reports.
pub const REQUEST: &str = "request";

/// Compiles a config document (`{policy, attestors}`, YAML or JSON; spec §2).
pub fn compile_config(text: &str) -> Result<Engine, ErrorReport> {
    Engine::from_config_str(text).map_err(|e| ErrorReport::from(&e))
}

/// Compiles config bytes, refusing text that is not UTF-8.
pub fn compile_config_bytes(bytes: &[u8]) -> Result<Engine, ErrorReport> {
    Engine::from_config_bytes(bytes).map_err(|e| ErrorReport::from(&e))
}

/// Evaluates a request document (YAML or JSON; spec §8.1).
pub fn evaluate(engine: &Engine, request: &str) -> Result<Decision, ErrorReport> {
    engine
        .evaluate_str(request)
        .map_err(|e| ErrorReport::from(&e))
}

/// Evaluates request bytes, refusing text that is not UTF-8.
pub fn evaluate_bytes(engine: &Engine, request: &[u8]) -> Result<Decision, ErrorReport> {
    engine
        .evaluate_bytes(request)
        .map_err(|e| ErrorReport::from(&e))
}

/// A request given in parts, as a preview page or a webhook holds them: the request's `images`,
/// `context` and `evaluationTime` values, and the attestations as their own document (one
/// occurrence, a list, a Container Analysis list response or a YAML stream of them, as gcloud
/// and the API print them).
#[derive(Debug, Clone, Default)]
pub struct RequestParts<'a> {
    /// The request's `images` (a list of strings).
    pub images: Value,
    /// The attestations document, if any.
    pub attestations: Option<&'a str>,
    /// The request's `context`, if any.
    pub context: Option<Value>,
    /// The request's `evaluationTime` (an RFC 3339 string), if any.
    pub evaluation_time: Option<Value>,
}

/// Builds a request from parts. The images, context and time are read exactly as a request's
/// fields, so errors name those paths; attestation errors are reported under `attestations`,
/// and occurrences that cannot be read are skipped and explained in the decision (spec §5.1).
pub fn request_from_parts(parts: RequestParts<'_>) -> Result<Request, ErrorReport> {
    let fail = |e: InputError| ErrorReport::from(&Error::Request(e));
    let mut fields = Map::new();
    fields.insert("images".to_owned(), parts.images);
    if let Some(context) = parts.context {
        fields.insert("context".to_owned(), context);
    }
    if let Some(time) = parts.evaluation_time {
        fields.insert("evaluationTime".to_owned(), time);
    }
    let read = Request::from_value(Value::Object(fields)).map_err(fail)?;
    let occurrences = match parts.attestations {
        Some(text) => Occurrences::parse(text).map_err(|e| fail(e.within("attestations")))?,
        None => Occurrences::default(),
    };
    Ok(
        Request::new(read.images().to_vec(), occurrences, read.context().clone())
            .map_err(fail)?
            .with_evaluation_time(read.evaluation_time()),
    )
}

/// Validates a policy document alone, reporting every error.
pub fn validate_policy(policy: &str) -> Result<crate::model::policy::Policy, ErrorReport> {
    check_documents(Document::new("policy", policy), &[]).map(|c| c.policy)
}

/// Validates an attestor document (one attestor or a list), reporting every attestor's error.
pub fn validate_attestors(
    attestors: &str,
) -> Result<Vec<crate::model::attestor::Attestor>, ErrorReport> {
    crate::model::policy::validate_attestors(attestors)
        .map_err(|e| ErrorReport::all(ErrorStage::Config, "attestors", &e))
}

/// Lints a policy with its attestors (spec/lint.md). The documents are checked first, with
/// every error, as [`check_documents`] checks them.
pub fn lint_documents(
    policy: Document<'_>,
    attestors: &[Document<'_>],
) -> Result<Vec<Lint>, ErrorReport> {
    let checked = check_documents(policy, attestors)?;
    Ok(lint::lint(&checked.policy, &checked.attestors()))
}

/// The images and context of a workload object, Cloud Run object or AdmissionReview, for a
/// host that fetches attestations before evaluating.
pub fn extract_images(object: &str) -> Result<Extracted, ErrorReport> {
    kubernetes::extract_str(object)
        .map_err(|e| ErrorReport::one(ErrorStage::Request, "Kubernetes object", &e))
}

/// gcloud's signature payload for an artifact URL (`create-signature-payload`).
pub fn signature_payload(artifact_url: &str) -> Result<String, ErrorReport> {
    crate::model::payload::create_signature_payload(artifact_url).map_err(|e| {
        let error = InputError::new(ErrorCode::Invalid, "", e.to_string());
        ErrorReport::bare(ErrorStage::Request, "artifact URL", &error)
    })
}

/// The optional parts of binauthz-core compiled in (`pgp`).
pub fn features() -> Vec<&'static str> {
    let mut out = Vec::new();
    if cfg!(feature = "pgp") {
        out.push("pgp");
    }
    out
}
