//! The API on JSON text: what the C ABI and WebAssembly hand through unchanged. Each function is
//! its typed twin in [`crate::api`] with arguments read from, and results written as, JSON
//! text (documents may also be YAML). The shapes are spec §8's, with JSON Schemas in
//! spec/schema/.

use serde::Serialize;
use serde_json::Value;

use crate::error::{ErrorCode, InputError};
use crate::evaluation::Engine;
use crate::limits::MAX_REQUEST_BYTES;
use crate::model::context::Context;
use crate::model::occurrence::Occurrences;
use crate::text::document;
use crate::time::Timestamp;

use super::report::ErrorReport;
use super::summary::{AttestorSummary, PolicySummary};
use super::{Document, RequestParts};
use crate::error::ErrorStage;

/// Writes a result as JSON text. The core's output types are plain structs with string keys,
/// which serde_json always writes; stay an error anyway rather than panic.
pub fn to_json<T: Serialize>(value: &T, stage: ErrorStage) -> Result<String, ErrorReport> {
    serde_json::to_string(value).map_err(|e| {
        ErrorReport::argument(
            stage,
            ErrorCode::Invalid,
            "output",
            &format!("could not be serialized: {e}"),
        )
    })
}

/// Evaluates a request document; the decision.
pub fn evaluate(engine: &Engine, request: &str) -> Result<String, ErrorReport> {
    to_json(&super::evaluate(engine, request)?, ErrorStage::Request)
}

/// Reads one part of a request given as JSON text, as the request's field `field`.
fn part(text: &str, field: &str) -> Result<Value, ErrorReport> {
    document::parse(text, MAX_REQUEST_BYTES)
        .map_err(|e| ErrorReport::one(ErrorStage::Request, "request", &e.within(field)))
}

/// Evaluates a request given in parts ([`super::request_from_parts`]): the images (a JSON list
/// of strings), the attestations document, the context (JSON) and the evaluation time (a JSON
/// string, RFC 3339); the decision.
pub fn evaluate_parts(
    engine: &Engine,
    images: &str,
    attestations: Option<&str>,
    context: Option<&str>,
    evaluation_time: Option<&str>,
) -> Result<String, ErrorReport> {
    let parts = RequestParts {
        images: part(images, "images")?,
        attestations,
        context: context.map(|c| part(c, "context")).transpose()?,
        evaluation_time: evaluation_time
            .map(|t| part(t, "evaluationTime"))
            .transpose()?,
    };
    let request = super::request_from_parts(parts)?;
    to_json(&engine.evaluate(&request), ErrorStage::Request)
}

/// Validates a policy document, with every error; a summary of what it says
/// ([`PolicySummary`]).
pub fn validate_policy(policy: &str) -> Result<String, ErrorReport> {
    let policy = super::validate_policy(policy)?;
    to_json(&PolicySummary::of(&policy), ErrorStage::Config)
}

/// Validates an attestor document (one attestor or a list), with every error; their summaries
/// ([`AttestorSummary`]).
pub fn validate_attestors(attestors: &str) -> Result<String, ErrorReport> {
    let attestors = super::validate_attestors(attestors)?;
    let summaries: Vec<AttestorSummary<'_>> = attestors.iter().map(AttestorSummary::of).collect();
    to_json(&summaries, ErrorStage::Config)
}

/// The optional attestor document, named `attestors` in errors.
fn attestor_documents(attestors: Option<&str>) -> Vec<Document<'_>> {
    attestors
        .map(|a| Document::new("attestors", a))
        .into_iter()
        .collect()
}

/// Checks a policy with an attestor document ([`super::check_documents`]: every error,
/// attestors defined twice, attestors the policy names but none defines); the policy summary.
pub fn check_policy(policy: &str, attestors: Option<&str>) -> Result<String, ErrorReport> {
    let attestors = attestor_documents(attestors);
    let checked = super::check_documents(Document::new("policy", policy), &attestors)?;
    to_json(&PolicySummary::of(&checked.policy), ErrorStage::Config)
}

/// Lints a policy and, when given, an attestor document (spec/lint.md); the findings.
pub fn lint_policy(policy: &str, attestors: Option<&str>) -> Result<String, ErrorReport> {
    let attestors = attestor_documents(attestors);
    let findings = super::lint_documents(Document::new("policy", policy), &attestors)?;
    to_json(&findings, ErrorStage::Config)
}

/// Compiles a policy document with an attestor document ([`super::compile_documents`]).
pub fn compile_documents(policy: &str, attestors: Option<&str>) -> Result<Engine, ErrorReport> {
    let attestors = attestor_documents(attestors);
    super::compile_documents(Document::new("policy", policy), &attestors)
}

/// The images and context of a workload object, Cloud Run object or AdmissionReview.
pub fn extract_images(object: &str) -> Result<String, ErrorReport> {
    to_json(&super::extract_images(object)?, ErrorStage::Request)
}

/// An attestations document split into its attestation occurrences, each with the digest it
/// concerns ([`super::read_attestations`]): `{"entries": [{"digest", "occurrence"}], "notes"}`.
pub fn read_attestations(text: &str) -> Result<String, ErrorReport> {
    to_json(&super::read_attestations(text)?, ErrorStage::Request)
}

/// The engine's verification-cache counters (spec §7.1).
pub fn cache_stats(engine: &Engine) -> Result<String, ErrorReport> {
    to_json(&engine.cache_stats(), ErrorStage::Request)
}

/// Answers an AdmissionReview ([`super::answer_review`]) with the host's attestations document,
/// context (JSON; its cluster and anything the object does not say) and evaluation time (a
/// JSON string, RFC 3339): `{"response", "error", "audit", "decision"}`, where `response` is
/// always the AdmissionReview to send back. When the host's own inputs cannot be read, the
/// response is a 500 `InternalError` refusal and `error` says why. `audit` is the decision's
/// audit record (null without a decision), written again beside the decision and before it: a
/// webhook logs the record and classifies the answer from it, and can leave the decision, the
/// largest part by far (tens of kilobytes for a pod of 40 attestations), unread.
pub fn answer_review(
    engine: &Engine,
    review: &str,
    attestations: Option<&str>,
    context: Option<&str>,
    evaluation_time: Option<&str>,
) -> Result<String, ErrorReport> {
    let host = || -> Result<(Occurrences, Context, Option<Timestamp>), ErrorReport> {
        let fail = |e: InputError| ErrorReport::one(ErrorStage::Request, "request", &e);
        let occurrences = match attestations {
            Some(text) => Occurrences::parse(text).map_err(|e| fail(e.within("attestations")))?,
            None => Occurrences::default(),
        };
        let context = match context {
            Some(text) => document::from_value(part(text, "context")?)
                .map_err(|e: InputError| fail(e.within("context")))?,
            None => Context::default(),
        };
        let time = match evaluation_time {
            Some(text) => match part(text, "evaluationTime")? {
                Value::String(t) => Some(
                    Timestamp::parse_rfc3339(&t)
                        .map_err(|m| fail(InputError::invalid("evaluationTime", m)))?,
                ),
                _ => {
                    return Err(fail(InputError::invalid(
                        "evaluationTime",
                        "expected an RFC 3339 time as a string",
                    )));
                }
            },
            None => None,
        };
        Ok((occurrences, context, time))
    };
    let answer = match host() {
        Ok((occurrences, context, time)) => super::answer_review(
            engine,
            review,
            "AdmissionReview",
            occurrences,
            &context,
            time,
        ),
        Err(e) => super::review::refuse_internal(review, e),
    };
    to_json(&AnswerJson::from(&answer), ErrorStage::Request)
}

/// The JSON of an AdmissionReview answer, in the order a reader that stops early wants it.
#[derive(Serialize)]
struct AnswerJson<'a> {
    response: &'a Value,
    error: Option<&'a ErrorReport>,
    audit: Option<&'a crate::decision::AuditRecord>,
    decision: Option<&'a crate::decision::Decision>,
}

impl<'a> From<&'a super::ReviewAnswer> for AnswerJson<'a> {
    fn from(answer: &'a super::ReviewAnswer) -> Self {
        AnswerJson {
            response: &answer.response,
            error: answer.error.as_ref(),
            audit: answer.decision.as_ref().map(|d| &d.audit),
            decision: answer.decision.as_ref(),
        }
    }
}

/// The most text [`run_tests`] reads as its files (all of them together).
pub const MAX_TEST_FILES_BYTES: usize = 4 * MAX_REQUEST_BYTES;

/// Runs a test file (spec §14) over files given as a JSON object of path to text, by the paths
/// the test file names ([`super::GivenFiles`]: signing on the fly is not available here); the
/// suite's results (a `SuiteResult` of spec/schema/test-report.schema.json). `file` names the
/// test file in the results.
pub fn run_tests(file: &str, suite: &str, files: &str) -> Result<String, ErrorReport> {
    let suite = super::parse_tests(suite)?;
    let files: std::collections::BTreeMap<String, String> =
        document::parse(files, MAX_TEST_FILES_BYTES)
            .and_then(document::from_value)
            .map_err(|e| ErrorReport::one(ErrorStage::Config, "files", &e))?;
    let result = super::run_tests(file, &suite, &super::GivenFiles::new(files));
    to_json(&result, ErrorStage::Config)
}

/// Validates a check-based platform policy (spec §15.1), with every error; a summary of what it
/// says ([`super::PlatformPolicySummary`]).
pub fn validate_platform_policy(policy: &str) -> Result<String, ErrorReport> {
    let policy = super::validate_platform_policy(policy)?;
    to_json(
        &super::PlatformPolicySummary::of(&policy),
        ErrorStage::Config,
    )
}

/// Evaluates a platform policy for the pods of a request (spec §15.5); GCP's
/// `EvaluateGkePolicyResponse` (spec §15.6).
pub fn evaluate_platform_policy(policy: &str, request: &str) -> Result<String, ErrorReport> {
    let evaluation = super::evaluate_platform_policy(policy, request)?;
    to_json(evaluation.response(), ErrorStage::Request)
}

/// The Continuous Validation log's events for the pods of a request (spec §15.6), as a JSON
/// list: one `podEvent` per pod that does not conform, or one `configErrorEvent` when the policy
/// cannot be read.
pub fn platform_cv_events(policy: &str, request: &str) -> Result<String, ErrorReport> {
    to_json(
        &super::platform_cv_events(policy, request)?,
        ErrorStage::Request,
    )
}

/// Lints a platform policy (spec/lint.md §2a); the findings.
pub fn lint_platform_policy(policy: &str) -> Result<String, ErrorReport> {
    to_json(&super::lint_platform_policy(policy)?, ErrorStage::Config)
}
