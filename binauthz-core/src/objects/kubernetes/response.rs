//! AdmissionReview responses: a decision's answer, and the refusal of a review that could not
//! be evaluated (spec/README.md §10).

use serde_json::{Map, Value, json};

use super::{AdmissionRequest, str_at};
use crate::decision::{Decision, Verdict};
use crate::limits::MAX_REQUEST_BYTES;
use crate::text::document;
use crate::untrusted::escape;

/// The AdmissionReview response for a decision: `uid` echoed, `allowed`, a 403 status with the
/// GCP-style denial text when blocked, and warnings for dry-run and breakglass violations.
pub fn admission_response(request: &AdmissionRequest, decision: &Decision) -> Value {
    let mut response = Map::new();
    response.insert("uid".into(), Value::String(request.uid.clone()));
    response.insert("allowed".into(), Value::Bool(decision.allowed));
    if !decision.allowed {
        response.insert(
            "status".into(),
            // kubectl prints the message: nothing in it may move the cursor or break a line
            // but the separators between image denials, which the engine puts there.
            json!({"code": 403, "reason": "VIOLATES_POLICY", "message": decision.message.lines().map(escape).collect::<Vec<_>>().join("\n")}),
        );
    }
    let warnings: Vec<String> = decision
        .images
        .iter()
        .filter_map(|i| match (i.verdict, &i.denial) {
            (Verdict::DryRunViolation, Some(d)) => Some(format!("dry run: {}", escape(d))),
            (Verdict::Breakglass, Some(d)) => Some(format!("breakglass: {}", escape(d))),
            _ => None,
        })
        .collect();
    if !warnings.is_empty() {
        response.insert("warnings".into(), json!(warnings));
    }
    // The audit log records how the request was decided (break-glass, dry run), keyed as the
    // API server keys audit annotations: by the label's last path segment, prefixed by the
    // webhook's name.
    let annotations: Map<String, Value> = decision
        .audit
        .labels
        .iter()
        .map(|(k, v)| {
            let key = k.rsplit('/').next().unwrap_or(k);
            (key.to_owned(), Value::String(v.clone()))
        })
        .collect();
    if !annotations.is_empty() {
        response.insert("auditAnnotations".into(), Value::Object(annotations));
    }
    json!({
        "apiVersion": request.api_version,
        "kind": "AdmissionReview",
        "response": Value::Object(response),
    })
}

/// Why a review was refused without a decision (spec §10). Either way the answer is
/// `allowed: false`; the status says whose input was at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The review cannot be evaluated: it is not an AdmissionReview of a workload binauthz
    /// reads, or a field has a type Kubernetes would not accept. Status 400 `BadRequest`,
    /// Kubernetes' reason for "a request that can never succeed".
    BadRequest,
    /// binauthz's own inputs failed (the policy, the attestors, the attestations or the audit
    /// log): status 500 `InternalError`.
    InternalError,
}

impl Refusal {
    /// The HTTP status code of the response's `status`.
    pub fn code(self) -> u16 {
        match self {
            Refusal::BadRequest => 400,
            Refusal::InternalError => 500,
        }
    }

    /// The `metav1.StatusReason` of the response's `status`.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::BadRequest => "BadRequest",
            Refusal::InternalError => "InternalError",
        }
    }
}

/// What a response to a review must echo: its `request.uid` and `apiVersion` (the API server
/// discards a response whose uid differs and applies the webhook's `failurePolicy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEcho {
    /// `request.uid`, or empty when it could not be read.
    pub uid: String,
    /// The review's `apiVersion` when it is an `admission.k8s.io` version, else
    /// `admission.k8s.io/v1`.
    pub api_version: String,
    /// `request.operation` (`CREATE`, `UPDATE`, `DELETE`, `CONNECT`), or empty.
    pub operation: String,
}

impl ReviewEcho {
    /// Reads as much of a review as can be read, for answering one that cannot be evaluated:
    /// never fails.
    pub fn read(text: &str) -> ReviewEcho {
        let review = document::parse(text, MAX_REQUEST_BYTES).unwrap_or(Value::Null);
        ReviewEcho {
            uid: str_at(&review, "/request/uid")
                .unwrap_or_default()
                .to_owned(),
            api_version: str_at(&review, "/apiVersion")
                .filter(|v| v.starts_with("admission.k8s.io/"))
                .unwrap_or("admission.k8s.io/v1")
                .to_owned(),
            operation: str_at(&review, "/request/operation")
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// The AdmissionReview response admitting a review with nothing to evaluate: a `DELETE` or
/// `CONNECT`, which starts no container.
pub fn admitted_response(echo: &ReviewEcho) -> Value {
    json!({
        "apiVersion": echo.api_version,
        "kind": "AdmissionReview",
        "response": {"uid": echo.uid, "allowed": true},
    })
}

/// The AdmissionReview response refusing a review that was not evaluated: `uid` echoed,
/// `allowed: false`, and a status with the refusal's code and reason and `message`, escaped
/// (kubectl prints it).
pub fn refusal_response(echo: &ReviewEcho, refusal: Refusal, message: &str) -> Value {
    json!({
        "apiVersion": echo.api_version,
        "kind": "AdmissionReview",
        "response": {
            "uid": echo.uid,
            "allowed": false,
            "status": {"code": refusal.code(), "reason": refusal.reason(), "message": escape(message)},
        },
    })
}
