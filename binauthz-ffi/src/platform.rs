//! Check-based platform policies (GCP's `gkePolicy`, spec/README.md section 15): the core's
//! `api::json::validate_platform_policy`, `lint_platform_policy`, `evaluate_platform_policy` and
//! `platform_cv_events`, marshalled. They take no engine: a platform policy is read for each call, as GCP's
//! `EvaluateGkePolicy` reads it.

use std::ffi::{c_char, c_int};

use binauthz_core::ErrorStage;
use binauthz_core::api::{PLATFORM_POLICY, REQUEST, json};
use binauthz_core::platform::config_error_event;

use crate::error::Failure;
use crate::panic::returning_string;
use crate::strings::input_text;

/// A platform policy document and a request document as text.
///
/// # Safety
/// `policy` is NULL (only with `policy_len` 0) or points to `policy_len` readable bytes;
/// `request` likewise with `request_len`.
unsafe fn policy_and_request<'a>(
    policy: *const u8,
    policy_len: usize,
    request: *const u8,
    request_len: usize,
) -> Result<(&'a str, &'a str), Failure> {
    // SAFETY: the caller guarantees `policy_len` readable bytes at `policy`.
    let policy = unsafe { input_text(policy, policy_len, "policy", PLATFORM_POLICY) }?;
    // SAFETY: the caller guarantees `request_len` readable bytes at `request`.
    let request = unsafe { input_text(request, request_len, "request", REQUEST) }?;
    Ok((policy, request))
}

/// Validates a check-based platform policy document (`{"gkePolicy": {...}}`, YAML or JSON, at
/// most 2 MiB; spec/README.md section 15.1) and stores a summary of what it says as JSON in
/// `*summary_json_out` (free with `binauthz_string_free`): `{"name", "allowPatterns",
/// "checkSets": [{"displayName", "scope", "allowPatterns", "checks": [{"displayName", "type",
/// "allowPatterns", "keyIds"}]}]}`. On failure the error report (`binauthz_error_json`, stage
/// `config`, document `platform policy`) lists every error of the document.
///
/// # Safety
/// `policy` is NULL (only with `policy_len` 0) or points to `policy_len` readable bytes;
/// `summary_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_platform_validate(
    policy: *const u8,
    policy_len: usize,
    summary_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees `policy_len` readable bytes at `policy`.
        let policy = unsafe { input_text(policy, policy_len, "policy", PLATFORM_POLICY) }?;
        Ok(json::validate_platform_policy(policy)?)
    };
    // SAFETY: the caller guarantees `summary_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Config,
            summary_json_out,
            "summary_json_out",
            error_out,
            body,
        )
    }
}

/// Lints a check-based platform policy (as for `binauthz_platform_validate`; spec/lint.md section
/// 2a) and stores the findings as a JSON list in `*findings_json_out` (free with
/// `binauthz_string_free`): `[{"code", "severity", "attestor", "path", "message", "fix"}]`, the
/// shape of `binauthz_lint_policy`'s, empty when there is nothing to say. The policy is validated
/// first: an invalid policy is `binauthz_platform_validate`'s error (stage `config`, document
/// `platform policy`, every error of it).
///
/// # Safety
/// As for `binauthz_platform_validate`, with `findings_json_out` for `summary_json_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_platform_lint(
    policy: *const u8,
    policy_len: usize,
    findings_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees `policy_len` readable bytes at `policy`.
        let policy = unsafe { input_text(policy, policy_len, "policy", PLATFORM_POLICY) }?;
        Ok(json::lint_platform_policy(policy)?)
    };
    // SAFETY: the caller guarantees `findings_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Config,
            findings_json_out,
            "findings_json_out",
            error_out,
            body,
        )
    }
}

/// Evaluates a check-based platform policy (as for `binauthz_platform_validate`) for the pods of
/// a request (spec/README.md section 15.5: `{"object": <Pod, Deployment, ..., AdmissionReview, or
/// {"kind": "List", "items": [pods]}>, "attestations", "cosignSignatures", "dockerImages",
/// "vulnerabilities", "evaluationTime"}`, YAML or JSON, at most 8 MiB) and stores GCP's
/// `EvaluateGkePolicyResponse` as JSON in `*response_json_out` (free with
/// `binauthz_string_free`); its `"verdict"` says whether the pods conform.
///
/// On failure (the policy or the request is invalid) nothing was evaluated: the error report
/// has stage `config` for the policy (every error of it) or `request` for the request.
///
/// # Safety
/// `policy` is NULL (only with `policy_len` 0) or points to `policy_len` readable bytes;
/// `request` likewise with `request_len`; `response_json_out` and `error_out` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_platform_evaluate(
    policy: *const u8,
    policy_len: usize,
    request: *const u8,
    request_len: usize,
    response_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees the bytes of both documents.
        let (policy, request) =
            unsafe { policy_and_request(policy, policy_len, request, request_len) }?;
        Ok(json::evaluate_platform_policy(policy, request)?)
    };
    // SAFETY: the caller guarantees `response_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            response_json_out,
            "response_json_out",
            error_out,
            body,
        )
    }
}

/// The Continuous Validation log's events for the pods of a request under a platform policy
/// (documents as for `binauthz_platform_evaluate`; spec/README.md section 15.6), stored as a
/// JSON list of `ContinuousValidationEvent`s in `*events_json_out` (free with
/// `binauthz_string_free`): one `podEvent` per pod that does not conform (empty when all do).
///
/// A policy that cannot be read is not an error here, as Continuous Validation logs it: the list
/// is one `configErrorEvent` whose description is the policy's error message (for a policy that
/// is not UTF-8, the `syntax` error `binauthz_platform_validate` reports). A request that cannot
/// be read is an error (stage `request`).
///
/// # Safety
/// As for `binauthz_platform_evaluate`, with `events_json_out` for `response_json_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_platform_cv_events(
    policy: *const u8,
    policy_len: usize,
    request: *const u8,
    request_len: usize,
    events_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees the bytes of both documents.
        let (policy, request) =
            match unsafe { policy_and_request(policy, policy_len, request, request_len) } {
                Ok(documents) => documents,
                // The core logs a policy it cannot read as a configErrorEvent; bytes that are not
                // UTF-8 never reach it, so their (core-shaped) syntax error is logged the same way.
                Err(Failure::Report(report)) if report.stage == ErrorStage::Config => {
                    let events = [config_error_event(report.message)];
                    return Ok(json::to_json(&events, ErrorStage::Request)?);
                }
                Err(failure) => return Err(failure),
            };
        Ok(json::platform_cv_events(policy, request)?)
    };
    // SAFETY: the caller guarantees `events_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            events_json_out,
            "events_json_out",
            error_out,
            body,
        )
    }
}
