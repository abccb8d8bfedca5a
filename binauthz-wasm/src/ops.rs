//! The operations behind the JavaScript API, on text in and JSON text out, so that they run (and
//! are unit-tested) natively too. Every decision is the core's; this module only chooses which
//! core function to call and how to report its errors.

use binauthz_core::attestation::Occurrences;
use binauthz_core::{
    Attestor, Config, Engine, Error, ErrorCode, InputError, Policy, Request,
    create_signature_payload, kubernetes, lint,
};
use serde::Serialize;

use crate::summary::{AttestorSummary, PolicySummary};

/// Which input was at fault: the values of [`Failure::stage`].
pub const STAGE_CONFIG: &str = "config";
/// See [`STAGE_CONFIG`].
pub const STAGE_REQUEST: &str = "request";

/// An error as JavaScript sees it: the core's message, its stable code, the stage (`config` or
/// `request`) and the field path (empty for the whole document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The sentence for people (becomes `Error.message`).
    #[serde(skip)]
    pub message: String,
    /// The core's [`ErrorCode`], as `syntax`, `limit`, `invalid`, `reference` or `unsupported`.
    pub code: &'static str,
    /// `config` or `request`.
    pub stage: &'static str,
    /// The field path within the document, e.g. `defaultAdmissionRule.evaluationMode`.
    pub path: String,
    /// Every error, when a check reports them all (`validatePolicy`, `validateAttestors`,
    /// `lintPolicy`); the fields above are the first one's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Detail>,
}

/// One of several errors of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// The stable code.
    pub code: &'static str,
    /// The field path.
    pub path: String,
    /// The core's message, with the path (`` `path`: message ``).
    pub message: String,
}

impl Failure {
    /// The failure for a core [`Error`], with the core's own message.
    pub fn from_error(e: &Error) -> Self {
        Failure {
            message: e.to_string(),
            code: e.code().as_str(),
            stage: e.stage(),
            path: e.input().path().to_owned(),
            errors: Vec::new(),
        }
    }

    /// The failure for one document that is not a whole config or request; `what` names it in the
    /// message (`invalid policy: …`).
    pub fn input(stage: &'static str, what: &str, e: &InputError) -> Self {
        Failure {
            message: format!("invalid {what}: {e}"),
            code: e.code().as_str(),
            stage,
            path: e.path().to_owned(),
            errors: Vec::new(),
        }
    }

    /// The failure for every error of one document: the first one's code, path and message
    /// (with a count of the others), and all of them under `errors`.
    pub fn all(stage: &'static str, what: &str, errors: &[InputError]) -> Self {
        let Some(first) = errors.first() else {
            return Failure::argument(stage, ErrorCode::Invalid, what, "is invalid");
        };
        let mut failure = Failure::input(stage, what, first);
        if errors.len() > 1 {
            let more = errors.len() - 1;
            let plural = if more == 1 { "error" } else { "errors" };
            failure.message = format!("{} (and {more} more {plural})", failure.message);
        }
        failure.errors = errors
            .iter()
            .map(|e| Detail {
                code: e.code().as_str(),
                path: e.path().to_owned(),
                message: e.to_string(),
            })
            .collect();
        failure
    }

    /// A failure of the JavaScript value itself (not a string, not convertible to JSON, too
    /// large), found before the core sees it.
    pub fn argument(stage: &'static str, code: ErrorCode, what: &str, why: &str) -> Self {
        Failure {
            message: format!("invalid {what}: {why}"),
            code: code.as_str(),
            stage,
            path: String::new(),
            errors: Vec::new(),
        }
    }
}

fn to_json<T: Serialize>(value: &T, stage: &'static str) -> Result<String, Failure> {
    // The core's types serialize infallibly (no maps with non-string keys); stay an error anyway.
    serde_json::to_string(value).map_err(|e| {
        Failure::argument(
            stage,
            ErrorCode::Invalid,
            "output",
            &format!("could not be serialized: {e}"),
        )
    })
}

/// The largest verification cache a JavaScript caller may ask for: a million entries, about
/// 330 MB when full, far beyond any policy preview's need.
pub const MAX_CACHE_ENTRIES: u32 = 1_000_000;

/// Reads a JavaScript number as a cache size: a whole number from 0 to [`MAX_CACHE_ENTRIES`].
pub fn cache_entries(entries: f64) -> Result<usize, Failure> {
    let whole = entries.is_finite() && entries.fract() == 0.0;
    if whole && (0.0..=f64::from(MAX_CACHE_ENTRIES)).contains(&entries) {
        // A whole number in 0..=1,000,000: the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Ok(entries as usize);
    }
    Err(Failure::argument(
        STAGE_CONFIG,
        ErrorCode::Invalid,
        "cacheEntries",
        &format!("expected a whole number from 0 to {MAX_CACHE_ENTRIES}, got {entries}"),
    ))
}

/// The engine's verification-cache counters as JSON (`{capacity, entries, hits, misses,
/// evictions}`, spec §7.1).
pub fn cache_stats(engine: &Engine) -> Result<String, Failure> {
    to_json(&engine.cache_stats(), STAGE_REQUEST)
}

/// Compiles a config document (`{"policy": …, "attestors": […]}`).
pub fn engine_from_config(text: &str) -> Result<Engine, Failure> {
    Engine::from_config_str(text).map_err(|e| Failure::from_error(&e))
}

/// Compiles a policy document with an attestor document (one attestor or a list), as the CLI's
/// `--policy` and `--attestor` files are compiled. Paths are relative to each document.
pub fn engine_from_documents(policy: &str, attestors: Option<&str>) -> Result<Engine, Failure> {
    let policy = Policy::parse(policy).map_err(|e| Failure::input(STAGE_CONFIG, "policy", &e))?;
    let attestors = match attestors {
        Some(text) => {
            Attestor::parse_many(text).map_err(|e| Failure::input(STAGE_CONFIG, "attestors", &e))?
        }
        None => Vec::new(),
    };
    Engine::from_config(Config { policy, attestors }).map_err(|e| Failure::from_error(&e))
}

/// Evaluates a request document; the decision as JSON.
pub fn evaluate(engine: &Engine, request: &str) -> Result<String, Failure> {
    let decision = engine
        .evaluate_str(request)
        .map_err(|e| Failure::from_error(&e))?;
    to_json(&decision, STAGE_REQUEST)
}

/// Evaluates images (a JSON list of strings) with attestations given as their own document (one
/// occurrence, a list, a Container Analysis list response or a YAML stream of them, as gcloud and
/// the API print them), an optional context (JSON) and an optional evaluation time (a JSON
/// string, RFC 3339). The images, context and time are read as a request's `images`, `context`
/// and `evaluationTime`, so errors name those paths; attestation errors are reported under
/// `attestations`. Occurrences that cannot be read are skipped and explained in the decision.
pub fn evaluate_images(
    engine: &Engine,
    images_json: &str,
    attestations: Option<&str>,
    context_json: Option<&str>,
    evaluation_time_json: Option<&str>,
) -> Result<String, Failure> {
    let mut request_text = format!("{{\"images\":{images_json}");
    if let Some(context) = context_json {
        request_text.push_str(&format!(",\"context\":{context}"));
    }
    if let Some(time) = evaluation_time_json {
        request_text.push_str(&format!(",\"evaluationTime\":{time}"));
    }
    request_text.push('}');
    let parts =
        Request::parse(&request_text).map_err(|e| Failure::from_error(&Error::Request(e)))?;
    let occurrences = match attestations {
        Some(text) => Occurrences::parse(text)
            .map_err(|e| Failure::from_error(&Error::Request(e.within("attestations"))))?,
        None => Occurrences::default(),
    };
    let request = Request::new(
        parts.images().to_vec(),
        occurrences,
        parts.context().clone(),
    )
    .map_err(|e| Failure::from_error(&Error::Request(e)))?
    .with_evaluation_time(parts.evaluation_time());
    to_json(&engine.evaluate(&request), STAGE_REQUEST)
}

/// Validates a policy document, reporting every error; a summary of what it says, as JSON.
pub fn validate_policy(text: &str) -> Result<String, Failure> {
    let policy = Policy::validate(text).map_err(|e| Failure::all(STAGE_CONFIG, "policy", &e))?;
    to_json(&PolicySummary::of(&policy), STAGE_CONFIG)
}

/// Validates an attestor document (one attestor or a list), reporting every attestor's error;
/// their summaries, as JSON.
pub fn validate_attestors(text: &str) -> Result<String, Failure> {
    let attestors = binauthz_core::policy::validate_attestors(text)
        .map_err(|e| Failure::all(STAGE_CONFIG, "attestors", &e))?;
    let summaries: Vec<AttestorSummary<'_>> = attestors.iter().map(AttestorSummary::of).collect();
    to_json(&summaries, STAGE_CONFIG)
}

/// Lints a policy document and, when given, an attestor document (spec/lint.md); the findings,
/// as JSON. Invalid documents fail as in [`validate_policy`] and [`validate_attestors`].
pub fn lint_policy(policy: &str, attestors: Option<&str>) -> Result<String, Failure> {
    let policy = Policy::validate(policy).map_err(|e| Failure::all(STAGE_CONFIG, "policy", &e))?;
    let attestors = match attestors {
        Some(text) => binauthz_core::policy::validate_attestors(text)
            .map_err(|e| Failure::all(STAGE_CONFIG, "attestors", &e))?,
        None => Vec::new(),
    };
    to_json(&lint::lint(&policy, &attestors), STAGE_CONFIG)
}

/// The optional parts of binauthz-core compiled into this module.
pub fn features() -> Vec<&'static str> {
    let mut out = Vec::new();
    if cfg!(feature = "pgp") {
        out.push("pgp");
    }
    out
}

/// The images and context of a Kubernetes workload object or AdmissionReview, as JSON.
pub fn extract_images(text: &str) -> Result<String, Failure> {
    let extracted = kubernetes::extract_str(text)
        .map_err(|e| Failure::input(STAGE_REQUEST, "Kubernetes object", &e))?;
    to_json(&extracted, STAGE_REQUEST)
}

/// gcloud's signature payload for an artifact URL.
pub fn signature_payload(artifact_url: &str) -> Result<String, Failure> {
    create_signature_payload(artifact_url).map_err(|e| Failure {
        message: e.to_string(),
        code: ErrorCode::Invalid.as_str(),
        stage: STAGE_REQUEST,
        path: String::new(),
        errors: Vec::new(),
    })
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
