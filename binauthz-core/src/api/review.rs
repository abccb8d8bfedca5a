//! Answering an AdmissionReview, as a validating webhook must: always with a response for the
//! review's uid; the decision's answer when the review could be evaluated, a refusal otherwise
//! (spec §10). The CLI's `evaluate --admission-review`, the C ABI and the Go webhook all answer
//! through here.

use serde::Serialize;
use serde_json::Value;

use crate::decision::Decision;
use crate::error::InputError;
use crate::evaluation::Engine;
use crate::model::occurrence::Occurrences;
use crate::objects::kubernetes::{self, Refusal, ReviewEcho};
use crate::request::{Context, Request};
use crate::time::Timestamp;

use super::report::ErrorReport;
use crate::error::ErrorStage;

/// The answer to an AdmissionReview.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewAnswer {
    /// The AdmissionReview response to send back.
    pub response: Value,
    /// The decision, when the review was evaluated.
    pub decision: Option<Decision>,
    /// Why the review was refused without a decision (the response says so too).
    pub error: Option<ErrorReport>,
}

impl ReviewAnswer {
    /// Whether the response admits the object.
    pub fn allowed(&self) -> bool {
        self.response.pointer("/response/allowed") == Some(&Value::Bool(true))
    }
}

/// Evaluates the object of an AdmissionReview (`name` names the review in messages) with the
/// attestations at hand, completing its context with `fallback` (the cluster, and anything the
/// object does not say; [`kubernetes::Workload::context`]), and answers it. A `DELETE` or
/// `CONNECT` starts no container and is admitted unevaluated. A review that
/// cannot be evaluated gets a 400 `BadRequest` refusal naming the error.
pub fn answer_review(
    engine: &Engine,
    review: &str,
    name: &str,
    attestations: Occurrences,
    fallback: &Context,
    evaluation_time: Option<Timestamp>,
) -> ReviewAnswer {
    let echo = ReviewEcho::read(review);
    if matches!(echo.operation.as_str(), "DELETE" | "CONNECT") {
        return ReviewAnswer {
            response: kubernetes::admitted_response(&echo),
            decision: None,
            error: None,
        };
    }
    let refuse = |e: ErrorReport| ReviewAnswer {
        response: kubernetes::refusal_response(
            &echo,
            Refusal::BadRequest,
            &format!(
                "binauthz: {name}: {}",
                e.errors
                    .first()
                    .map_or(e.message.as_str(), |d| d.message.as_str())
            ),
        ),
        decision: None,
        error: Some(e),
    };
    let fail = |e: &InputError| ErrorReport::one(ErrorStage::Request, name, e);
    let parsed = match kubernetes::parse_admission_review(review) {
        Ok(parsed) => parsed,
        Err(e) => return refuse(fail(&e)),
    };
    let request = match Request::for_workload(&parsed.workload, attestations, fallback) {
        Ok(r) => r.with_evaluation_time(evaluation_time),
        Err(e) => return refuse(fail(&e)),
    };
    let decision = engine.evaluate(&request);
    ReviewAnswer {
        response: kubernetes::admission_response(&parsed, &decision),
        decision: Some(decision),
        error: None,
    }
}

/// The 500 `InternalError` refusal of a review that was not evaluated because the host's own
/// inputs (policy, attestors, attestations, context) failed.
pub(crate) fn refuse_internal(review: &str, error: ErrorReport) -> ReviewAnswer {
    ReviewAnswer {
        response: kubernetes::refusal_response(
            &ReviewEcho::read(review),
            Refusal::InternalError,
            &format!("binauthz: {}", error.message),
        ),
        decision: None,
        error: Some(error),
    }
}
