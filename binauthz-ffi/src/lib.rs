//! C ABI over binauthz-core.
//!
//! Pure marshalling over the core's API (`binauthz_core::api`, the layer every binding calls):
//! every function takes the core's JSON/YAML documents as bytes and hands back the core's JSON
//! (spec/README.md section 8) or the core's error report, unchanged. No policy logic lives here.
//! The header `include/binauthz.h` is generated from this file by cbindgen (see `cbindgen.toml`);
//! `scripts/test-ffi.sh` fails when the checked-in header drifts.
//!
//! This file holds the entry points; the rest is split by concern:
//! - `attestations.rs`: attestations documents split by image, for a host that files them;
//! - `error.rs`: the status codes and the failures (the core's error report, or an error of how
//!   the API was called, with the report it gets);
//! - `panic.rs`: the panic guard every entry point runs behind;
//! - `platform.rs`: check-based platform policies (`gkePolicy`), which need no engine;
//! - `strings.rs`: documents in, strings out (one allocation per string, with a header, so an
//!   error string carries its report after its message);
//! - `tests.rs`: the unit tests.
//!
//! Conventions shared by every entry point:
//! - the return value is a [`BinauthzStatus`] as a C `int`: 0 is success;
//! - every entry point catches panics; a panic returns [`BinauthzStatus::Panic`] and never
//!   unwinds into C;
//! - NULL pointers give [`BinauthzStatus::NullArgument`], never a crash;
//! - every `char *` handed to the caller is freed with [`binauthz_string_free`]; an error
//!   string's report is [`binauthz_error_json`];
//! - out-pointers are always written (NULL on failure) when they are not NULL themselves.
//!
//! This is the only crate of the workspace allowed `unsafe` code; each unsafe block is one
//! operation with a `// SAFETY:` comment.

mod attestations;
mod error;
mod panic;
mod platform;
mod strings;
#[cfg(test)]
mod tests;

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use binauthz_core::Engine;
use binauthz_core::ErrorStage;
use binauthz_core::api::{self, json};
use binauthz_core::kubernetes::{Refusal, ReviewEcho, refusal_response};

pub use attestations::binauthz_read_attestations;
pub use error::BinauthzStatus;
use error::Failure;
use panic::{guarded, returning_engine, returning_string};
pub use platform::{
    binauthz_platform_cv_events, binauthz_platform_evaluate, binauthz_platform_lint,
    binauthz_platform_validate,
};
use strings::{input_bytes, input_c_str, input_text, optional_text};

/// The version of the C ABI this header describes: 1 was the first release; 2 added the error
/// reports (`binauthz_error_json`), `binauthz_abi_version`, `binauthz_engine_new_from_documents`,
/// `binauthz_check_policy`, `binauthz_lint_policy`, `binauthz_engine_answer_review` and
/// `binauthz_refuse_review`; 3 added `binauthz_engine_new_from_documents_with_cache` and
/// `binauthz_read_attestations` (for webhooks); 4 added `binauthz_engine_set_verify_threads`;
/// 5 added `binauthz_platform_validate`, `binauthz_platform_lint`, `binauthz_platform_evaluate`
/// and `binauthz_platform_cv_events` (check-based platform policies, GCP's `gkePolicy`).
/// Compare it with `binauthz_abi_version()`, the linked library's.
pub const BINAUTHZ_ABI_VERSION: c_int = 5;

/// A compiled policy with its attestors (opaque). Immutable and thread-safe: build one with
/// `binauthz_engine_new`, share it between threads without locking, free it once with
/// `binauthz_engine_free` after every evaluation has returned.
pub struct BinauthzEngine {
    engine: Engine,
}

/// Borrows the engine behind a handle.
///
/// # Safety
/// `engine` is NULL or an engine from `binauthz_engine_new` that has not been freed.
unsafe fn engine_ref<'a>(engine: *const BinauthzEngine) -> Result<&'a Engine, Failure> {
    // SAFETY: the caller guarantees a live engine, or NULL.
    let handle = unsafe { engine.as_ref() };
    handle
        .map(|h| &h.engine)
        .ok_or_else(|| Failure::null("engine"))
}

/// Compiles an engine from a config document: `{"policy": {...}, "attestors": [...]}` as YAML or
/// JSON text (spec/README.md section 2), at most 2 MiB.
///
/// On success returns `BINAUTHZ_STATUS_OK` and stores a new engine in `*engine_out` (free it with
/// `binauthz_engine_free`). On failure stores NULL there and returns the error's status; the
/// core's message (it names the field path, e.g. "invalid config: `policy.defaultAdmissionRule`:
/// ...") goes to `*error_out`, to be freed with `binauthz_string_free` (its report:
/// `binauthz_error_json`).
///
/// # Safety
/// `config` is NULL (only with `config_len` 0) or points to `config_len` readable bytes;
/// `engine_out` is NULL or writable; `error_out` is NULL (no message wanted) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_new(
    config: *const u8,
    config_len: usize,
    engine_out: *mut *mut BinauthzEngine,
    error_out: *mut *mut c_char,
) -> c_int {
    // SAFETY: forwarded from the caller's contract, which is the same.
    unsafe {
        binauthz_engine_new_with_cache(
            config,
            config_len,
            Engine::DEFAULT_CACHE_ENTRIES,
            engine_out,
            error_out,
        )
    }
}

/// Like `binauthz_engine_new`, with a verification cache of at most `cache_entries` entries
/// (spec/README.md section 7.1). The cache remembers signature checks across evaluations, keyed
/// by key, signature, payload and digest, so it never changes a decision; 0 turns it off.
/// `binauthz_engine_new` uses 10,000 entries, about 3.3 MB when full.
///
/// # Safety
/// As for `binauthz_engine_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_new_with_cache(
    config: *const u8,
    config_len: usize,
    cache_entries: usize,
    engine_out: *mut *mut BinauthzEngine,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees `config_len` readable bytes at `config`.
        let bytes = unsafe { input_bytes(config, config_len, "config") }?;
        Ok(api::compile_config_bytes(bytes)?.with_cache_capacity(cache_entries))
    };
    // SAFETY: the caller guarantees `engine_out` and `error_out` are NULL or writable.
    unsafe { returning_engine(engine_out, error_out, body) }
}

/// Compiles an engine from a policy document and an attestor document, as gcloud prints them
/// (`gcloud container binauthz policy export`; `gcloud container binauthz attestors describe
/// --format=json`, one attestor or a list), YAML or JSON. `attestors_len` 0 means no attestor
/// document. Every attestor the policy names must be defined, and none twice; the error report
/// lists every error found, each naming its document (`policy` or `attestors`). The engine has
/// the default verification cache (as `binauthz_engine_new`).
///
/// # Safety
/// `policy` is NULL (only with `policy_len` 0) or points to `policy_len` readable bytes;
/// `attestors` likewise with `attestors_len`; `engine_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_new_from_documents(
    policy: *const u8,
    policy_len: usize,
    attestors: *const u8,
    attestors_len: usize,
    engine_out: *mut *mut BinauthzEngine,
    error_out: *mut *mut c_char,
) -> c_int {
    // SAFETY: the caller's guarantees are the ones this call needs.
    unsafe {
        binauthz_engine_new_from_documents_with_cache(
            policy,
            policy_len,
            attestors,
            attestors_len,
            Engine::DEFAULT_CACHE_ENTRIES,
            engine_out,
            error_out,
        )
    }
}

/// Like `binauthz_engine_new_from_documents`, with a verification cache of at most
/// `cache_entries` entries (0 turns it off), as `binauthz_engine_new_with_cache`.
///
/// # Safety
/// As for `binauthz_engine_new_from_documents`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_new_from_documents_with_cache(
    policy: *const u8,
    policy_len: usize,
    attestors: *const u8,
    attestors_len: usize,
    cache_entries: usize,
    engine_out: *mut *mut BinauthzEngine,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees the bytes of both documents.
        let (policy, attestors) =
            unsafe { documents(policy, policy_len, attestors, attestors_len) }?;
        Ok(json::compile_documents(policy, attestors)?.with_cache_capacity(cache_entries))
    };
    // SAFETY: the caller guarantees `engine_out` and `error_out` are NULL or writable.
    unsafe { returning_engine(engine_out, error_out, body) }
}

/// A policy document and an optional attestor document as text.
///
/// # Safety
/// As for `binauthz_engine_new_from_documents`.
unsafe fn documents<'a>(
    policy: *const u8,
    policy_len: usize,
    attestors: *const u8,
    attestors_len: usize,
) -> Result<(&'a str, Option<&'a str>), Failure> {
    // SAFETY: the caller guarantees `policy_len` readable bytes at `policy`.
    let policy = unsafe { input_text(policy, policy_len, "policy", "policy") }?;
    // SAFETY: the caller guarantees `attestors_len` readable bytes at `attestors`.
    let attestors = unsafe { optional_text(attestors, attestors_len, "attestors", "attestors") }?;
    Ok((policy, attestors))
}

/// Checks a policy document with an attestor document (as for
/// `binauthz_engine_new_from_documents`; with `attestors_len` 0 only the policy is checked) and
/// stores the policy's summary as JSON in `*summary_json_out` (free with `binauthz_string_free`):
/// `{"name", "description", "globalPolicyEvaluationMode", "admissionWhitelistPatterns",
/// "defaultAdmissionRule", "specificRules", "requiredAttestors"}`. On failure the error report
/// (`binauthz_error_json`) lists every error of both documents, and attestors the policy names
/// but the attestor document does not define.
///
/// # Safety
/// As for `binauthz_engine_new_from_documents`, with `summary_json_out` for `engine_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_check_policy(
    policy: *const u8,
    policy_len: usize,
    attestors: *const u8,
    attestors_len: usize,
    summary_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees the bytes of both documents.
        let (policy, attestors) =
            unsafe { documents(policy, policy_len, attestors, attestors_len) }?;
        Ok(json::check_policy(policy, attestors)?)
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

/// Lints a policy document with an attestor document (spec/lint.md; `attestors_len` 0: the
/// policy alone) and stores the findings as a JSON list in `*findings_json_out` (free with
/// `binauthz_string_free`): `[{"code", "severity", "attestor", "path", "message", "fix"}]`, empty
/// when there is nothing to say. The documents are checked first, as `binauthz_check_policy`
/// checks them, and their errors are the call's.
///
/// # Safety
/// As for `binauthz_engine_new_from_documents`, with `findings_json_out` for `engine_out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_lint_policy(
    policy: *const u8,
    policy_len: usize,
    attestors: *const u8,
    attestors_len: usize,
    findings_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees the bytes of both documents.
        let (policy, attestors) =
            unsafe { documents(policy, policy_len, attestors, attestors_len) }?;
        Ok(json::lint_policy(policy, attestors)?)
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

/// Stores the engine's verification-cache counters since it was built as JSON in
/// `*stats_json_out` (free with `binauthz_string_free`): `{"capacity": N, "entries": N, "hits": N,
/// "misses": N, "evictions": N}` (spec/README.md section 7.1). Each decision's own counters are
/// its `"diagnostics"` member.
///
/// # Safety
/// `engine` is NULL or an engine from `binauthz_engine_new` that has not been freed;
/// `stats_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_cache_stats(
    engine: *const BinauthzEngine,
    stats_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    // SAFETY: the caller guarantees a live engine, or NULL.
    let body = || Ok(json::cache_stats(unsafe { engine_ref(engine) }?)?);
    // SAFETY: the caller guarantees `stats_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            stats_json_out,
            "stats_json_out",
            error_out,
            body,
        )
    }
}

/// Evaluates a request (spec/README.md section 8.1: `{"images": [...], "attestations": [...],
/// "context": {...}}`, YAML or JSON, at most 8 MiB) and stores the decision as JSON
/// (spec/README.md section 8.2) in `*decision_json_out`.
///
/// `BINAUTHZ_STATUS_OK` means the request was evaluated; whether the deploy may proceed is the
/// decision's `"allowed"` field. On failure (the request is invalid) nothing is admitted:
/// `*decision_json_out` is NULL and the core's message goes to `*error_out`. Both strings are
/// freed with `binauthz_string_free`.
///
/// Thread-safe: any number of threads may evaluate with one engine at the same time.
///
/// # Safety
/// `engine` is NULL or an engine from `binauthz_engine_new` that has not been freed;
/// `request` is NULL (only with `request_len` 0) or points to `request_len` readable bytes;
/// `decision_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_evaluate(
    engine: *const BinauthzEngine,
    request: *const u8,
    request_len: usize,
    decision_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees a live engine, or NULL.
        let engine = unsafe { engine_ref(engine) }?;
        // SAFETY: the caller guarantees `request_len` readable bytes at `request`.
        let bytes = unsafe { input_bytes(request, request_len, "request") }?;
        let decision = api::evaluate_bytes(engine, bytes)?;
        Ok(json::to_json(&decision, ErrorStage::Request)?)
    };
    // SAFETY: the caller guarantees `decision_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            decision_json_out,
            "decision_json_out",
            error_out,
            body,
        )
    }
}

/// Answers an `admission.k8s.io` AdmissionReview as a validating webhook must (spec/README.md
/// section 10), with the host's attestations document (`attestations_len` 0: none; occurrences
/// as gcloud or the Container Analysis API print them), context (JSON, e.g.
/// `{"cluster": "us-east1.prod"}`: the cluster, and anything the object does not say;
/// `context_len` 0: none) and evaluation time (a JSON string, RFC 3339, e.g.
/// `"2025-01-01T00:00:00Z"` with its quotes; `evaluation_time_len` 0: now).
///
/// Stores `{"response": ..., "error": ..., "audit": ..., "decision": ...}` as JSON in `*answer_json_out` (free
/// with `binauthz_string_free`). `response` is always the AdmissionReview to send back, for the
/// review's uid: the decision's answer (403 with the escaped denial, warnings for dry-run and
/// breakglass violations, the audit annotations); an admission of a `DELETE` or `CONNECT`,
/// unevaluated; a 400 `BadRequest` refusal when the review cannot be evaluated; a 500
/// `InternalError` refusal when the host's attestations, context or time cannot be read.
/// `error` is the error report of a refusal (else null); `audit` is the decision's audit record
/// and `decision` the decision (both null when none was made). The audit record comes first so
/// that a webhook can log and classify the answer without reading the decision, its largest part.
///
/// A failure status means no answer at all: a NULL argument, a document that is not UTF-8, a
/// panic; the host must then refuse the review itself (or answer with an HTTP error and let the
/// API server apply the webhook's `failurePolicy`).
///
/// # Safety
/// `engine` is NULL or an engine from `binauthz_engine_new` that has not been freed; each of
/// `review`, `attestations`, `context` and `evaluation_time` is NULL (only with its length 0) or
/// points to that many readable bytes; `answer_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_answer_review(
    engine: *const BinauthzEngine,
    review: *const u8,
    review_len: usize,
    attestations: *const u8,
    attestations_len: usize,
    context: *const u8,
    context_len: usize,
    evaluation_time: *const u8,
    evaluation_time_len: usize,
    answer_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees a live engine, or NULL.
        let engine = unsafe { engine_ref(engine) }?;
        // SAFETY: the caller guarantees `review_len` readable bytes at `review`.
        let review = unsafe { input_text(review, review_len, "review", "AdmissionReview") }?;
        // SAFETY: the caller guarantees each part's readable bytes.
        let attestations = unsafe { part(attestations, attestations_len, "attestations") }?;
        // SAFETY: as above.
        let context = unsafe { part(context, context_len, "context") }?;
        // SAFETY: as above.
        let time = unsafe { part(evaluation_time, evaluation_time_len, "evaluationTime") }?;
        Ok(json::answer_review(
            engine,
            review,
            attestations,
            context,
            time,
        )?)
    };
    // SAFETY: the caller guarantees `answer_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            answer_json_out,
            "answer_json_out",
            error_out,
            body,
        )
    }
}

/// An optional part of a request given apart from it, as text; `field` is its request field.
///
/// # Safety
/// `ptr` is NULL (only with `len` 0) or points to `len` readable bytes.
unsafe fn part<'a>(
    ptr: *const u8,
    len: usize,
    field: &'static str,
) -> Result<Option<&'a str>, Failure> {
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller's contract.
    let bytes = unsafe { input_bytes(ptr, len, field) }?;
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|e| Failure::not_utf8_part(field, &e))
}

/// Refuses an AdmissionReview that the host could not evaluate for a reason of its own (say, its
/// attestation source failed): stores in `*response_json_out` the AdmissionReview response for
/// the review's uid (as much of the review as can be read), `allowed: false`, with status 500
/// `InternalError` and `message` escaped as the core escapes what kubectl prints (spec/README.md
/// section 10). Free it with `binauthz_string_free`.
///
/// # Safety
/// `review` is NULL (only with `review_len` 0) or points to `review_len` readable bytes;
/// `message` is NULL or a NUL-terminated string; `response_json_out` and `error_out` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_refuse_review(
    review: *const u8,
    review_len: usize,
    message: *const c_char,
    response_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees `review_len` readable bytes at `review`.
        let review = unsafe { input_text(review, review_len, "review", "AdmissionReview") }?;
        // SAFETY: the caller guarantees NULL or a NUL-terminated string.
        let message = unsafe { input_c_str(message, "message") }?;
        let response = refusal_response(&ReviewEcho::read(review), Refusal::InternalError, message);
        Ok(json::to_json(&response, ErrorStage::Request)?)
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

/// Sets how many threads one evaluation may verify signatures on (spec/README.md section 7.3):
/// a request needing more than one verification the cache cannot answer has them verified in
/// parallel, with the same decision as on one thread. 0 and 1 mean the calling thread alone (the
/// default); more than 64 means 64. Threads are started per evaluation, so size it to the cores
/// one request may use.
///
/// Not thread-safe: call it before sharing the engine, or while no evaluation with it runs (the
/// Go package's `SetVerifyThreads` takes its engine's write lock).
///
/// # Safety
/// `engine` is NULL or an engine from `binauthz_engine_new` that has not been freed, used by no
/// other thread during the call; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_set_verify_threads(
    engine: *mut BinauthzEngine,
    threads: usize,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees a live engine no other thread uses, or NULL.
        let handle = unsafe { engine.as_mut() }.ok_or_else(|| Failure::null("engine"))?;
        handle.engine.set_verify_threads(threads);
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(ErrorStage::Config, error_out, body) }
}

/// Frees an engine. NULL is ignored. No evaluation with it may be running or start afterwards.
///
/// # Safety
/// `engine` is NULL or an engine from `binauthz_engine_new` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_engine_free(engine: *mut BinauthzEngine) {
    if engine.is_null() {
        return;
    }
    // Dropping an engine does not panic; the guard keeps a bug from unwinding into C.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the pointer came from Box::into_raw in binauthz_engine_new and is freed once.
        drop(unsafe { Box::from_raw(engine) });
    }));
}

/// Frees a string returned by any binauthz function (decision JSON, payload, error message with
/// its report). NULL is ignored. Do not free `binauthz_version()`, `binauthz_status_name()` or
/// `binauthz_error_json()`.
///
/// # Safety
/// `s` is NULL or a string returned by binauthz that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: the caller guarantees a string binauthz handed out, freed once.
    unsafe { strings::free(s) };
}

/// The error report of an error string handed out through an `error_out` argument, as JSON:
/// `{"code", "stage", "path", "message", "errors": [{"document", "code", "path", "message"}]}`
/// (spec/README.md section 8.5), the shape every binding reports. `code` is the first error's
/// stable code, `stage` `"config"` or `"request"`, `path` its field path, `message` the error
/// string itself, and `errors` every error found (a check of documents reports them all). (A
/// NUL quoted from the input is U+FFFD in the error string, a C string; the report keeps it,
/// escaped as JSON escapes it.)
///
/// Errors of how the API was called get a report too, with the stage of the call and the nearest
/// core code: `BINAUTHZ_STATUS_NULL_ARGUMENT` and `BINAUTHZ_STATUS_PANIC` are `"invalid"`,
/// `BINAUTHZ_STATUS_INVALID_UTF8` is `"syntax"`, `BINAUTHZ_STATUS_INVALID_ARGUMENT` is
/// `"limit"`; the detail's `document` names the argument (`"binauthz"` for a panic). The status
/// returned stays the precise one (`binauthz_status_name`).
///
/// The report lives in the error string's allocation: valid until the error string is freed
/// with `binauthz_string_free`; do not free it. NULL for NULL, and for a string that is not an
/// error string (a decision, a payload).
///
/// # Safety
/// `error` is NULL or a string handed out by binauthz that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_error_json(error: *const c_char) -> *const c_char {
    if error.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the caller guarantees a string binauthz handed out, not freed.
    unsafe { strings::report_of(error) }
}

/// The C ABI version of the linked library (`BINAUTHZ_ABI_VERSION` of its header); a program
/// built with a newer header can check it before calling the newer functions.
#[unsafe(no_mangle)]
pub extern "C" fn binauthz_abi_version() -> c_int {
    BINAUTHZ_ABI_VERSION
}

/// The library version (e.g. "0.1.0") as a static NUL-terminated string; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn binauthz_version() -> *const c_char {
    const VERSION_NUL: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    catch_unwind(|| CStr::from_bytes_with_nul(VERSION_NUL.as_bytes()).unwrap_or(c"unknown"))
        .unwrap_or(c"unknown")
        .as_ptr()
}

/// The name of a status as a static NUL-terminated string; do not free it. For codes 1-5 it is
/// the core's error code (`"syntax"`, `"limit"`, `"invalid"`, `"reference"`, `"unsupported"`),
/// as used by the conformance vectors and the error reports' `code`; then `"ok"`,
/// `"null_argument"`, `"invalid_utf8"`, `"invalid_argument"`, `"panic"`, and `"unknown"` for any
/// other value. The error report (`binauthz_error_json`) of a status 6-9 has the nearest core
/// code instead (see there); use this name for the precise one.
#[unsafe(no_mangle)]
pub extern "C" fn binauthz_status_name(status: c_int) -> *const c_char {
    catch_unwind(|| BinauthzStatus::from_code(status).map_or(c"unknown", BinauthzStatus::name))
        .unwrap_or(c"unknown")
        .as_ptr()
}

/// Builds the payload an attestation signs for `artifact_url` (`REGISTRY/PATH[:TAG]@sha256:HEX`,
/// optionally with `https://`), byte-identical to `gcloud container binauthz
/// create-signature-payload --artifact-url=URL` (spec/README.md section 6), and stores it in
/// `*payload_out` (free with `binauthz_string_free`).
///
/// A URL without a valid sha256 digest gives `BINAUTHZ_STATUS_INVALID` with the core's message;
/// a URL that is not UTF-8 gives `BINAUTHZ_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `artifact_url` is NULL or a NUL-terminated string; `payload_out` and `error_out` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_create_signature_payload(
    artifact_url: *const c_char,
    payload_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees NULL or a NUL-terminated string.
        let url = unsafe { input_c_str(artifact_url, "artifact_url") }?;
        Ok(api::signature_payload(url)?)
    };
    // SAFETY: the caller guarantees `payload_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            payload_out,
            "payload_out",
            error_out,
            body,
        )
    }
}

/// Reads a Kubernetes workload object (`Pod`, `Deployment`, `StatefulSet`, `DaemonSet`,
/// `ReplicaSet`, `ReplicationController`, `Job`, `CronJob`, `PodTemplate`) or an
/// `admission.k8s.io/v1` AdmissionReview, as YAML or JSON text, and stores in `*extracted_json_out`
/// what a host needs to fetch attestations before evaluating (spec/README.md section 10):
/// `{"kind", "name", "images": [...], "containers": [{"name", "image", "type"}], "context":
/// {"namespace", "serviceAccount", "breakglass"}}`. `images` and `context` can be used as a
/// request's fields as they are; or evaluate a request with the object itself as `"object"`.
///
/// Errors (unsupported kind, no containers, bad document) have the core's status and message.
///
/// # Safety
/// `object` is NULL (only with `object_len` 0) or points to `object_len` readable bytes;
/// `extracted_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_extract_images(
    object: *const u8,
    object_len: usize,
    extracted_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees `object_len` readable bytes at `object`.
        let text = unsafe { input_text(object, object_len, "object", "Kubernetes object") }?;
        Ok(json::extract_images(text)?)
    };
    // SAFETY: the caller guarantees `extracted_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            extracted_json_out,
            "extracted_json_out",
            error_out,
            body,
        )
    }
}

/// Test hook (only in builds with the `test-panic` cargo feature): panics inside the panic guard,
/// which must return `BINAUTHZ_STATUS_PANIC` with a message in `*error_out`.
///
/// # Safety
/// `error_out` is NULL or writable.
#[cfg(feature = "test-panic")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_test_panic(error_out: *mut *mut c_char) -> c_int {
    #[expect(clippy::panic, reason = "the point of this test hook")]
    let body = || -> Result<(), Failure> { panic!("deliberate panic from binauthz_test_panic") };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { panic::guarded(ErrorStage::Request, error_out, body) }
}
