//! C ABI over binauthz-core.
//!
//! A thin layer: every function takes the core's JSON/YAML documents as bytes and hands back the
//! core's JSON (spec/README.md section 8) or the core's error message, unchanged. No policy logic
//! lives here. The header `include/binauthz.h` is generated from this file by cbindgen (see
//! `cbindgen.toml`); `scripts/test-ffi.sh` fails when the checked-in header drifts.
//!
//! Conventions shared by every entry point:
//! - the return value is a [`BinauthzStatus`] as a C `int`: 0 is success;
//! - every entry point catches panics; a panic returns [`BinauthzStatus::Panic`] and never
//!   unwinds into C;
//! - NULL pointers give [`BinauthzStatus::NullArgument`], never a crash;
//! - every `char *` handed to the caller is freed with [`binauthz_string_free`];
//! - out-pointers are always written (NULL on failure) when they are not NULL themselves.
//!
//! This is the only crate of the workspace allowed `unsafe` code; each unsafe block is one
//! operation with a `// SAFETY:` comment.

use std::any::Any;
use std::ffi::{CStr, CString, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use binauthz_core::DEFAULT_CACHE_ENTRIES;
use binauthz_core::{Engine, ErrorCode};

/// Status codes. Every fallible function returns one of these as an `int`; 0 is success.
///
/// Codes 1-5 are the core's stable error codes (spec/README.md section 1: `syntax`, `limit`,
/// `invalid`, `reference`, `unsupported`); `binauthz_status_name` returns those names. Codes 6
/// and up are about how the API was called. New codes may be added; treat any non-zero status
/// as a denial.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinauthzStatus {
    /// Success.
    Ok = 0,
    /// The document is not valid YAML/JSON, or not UTF-8 (core code `syntax`).
    Syntax = 1,
    /// A size, nesting or count limit was exceeded (core code `limit`).
    Limit = 2,
    /// A field has the wrong type, an unknown enum value, an unknown field or a bad value; also an
    /// artifact URL without a valid digest (core code `invalid`).
    Invalid = 3,
    /// The policy names an attestor that the config does not contain (core code `reference`).
    Reference = 4,
    /// Valid GCP input that binauthz does not support yet, such as PGP keys (core code
    /// `unsupported`).
    Unsupported = 5,
    /// A required pointer argument was NULL.
    NullArgument = 6,
    /// A NUL-terminated string argument is not UTF-8. (Documents given as bytes that are not
    /// UTF-8 are `BINAUTHZ_STATUS_SYNTAX`, as in the core.)
    InvalidUtf8 = 7,
    /// An argument is out of range (a length above `PTRDIFF_MAX`).
    InvalidArgument = 8,
    /// binauthz panicked (or hit another internal error): a bug. The call had no effect and its
    /// out-pointers are NULL; the engine stays usable (it is immutable). Catching panics requires
    /// the library to be built with unwinding panics (the default).
    Panic = 9,
}

impl BinauthzStatus {
    /// The status with this code.
    fn from_code(code: c_int) -> Option<Self> {
        Some(match code {
            0 => BinauthzStatus::Ok,
            1 => BinauthzStatus::Syntax,
            2 => BinauthzStatus::Limit,
            3 => BinauthzStatus::Invalid,
            4 => BinauthzStatus::Reference,
            5 => BinauthzStatus::Unsupported,
            6 => BinauthzStatus::NullArgument,
            7 => BinauthzStatus::InvalidUtf8,
            8 => BinauthzStatus::InvalidArgument,
            9 => BinauthzStatus::Panic,
            _ => return None,
        })
    }

    fn name(self) -> &'static CStr {
        match self {
            BinauthzStatus::Ok => c"ok",
            BinauthzStatus::Syntax => c"syntax",
            BinauthzStatus::Limit => c"limit",
            BinauthzStatus::Invalid => c"invalid",
            BinauthzStatus::Reference => c"reference",
            BinauthzStatus::Unsupported => c"unsupported",
            BinauthzStatus::NullArgument => c"null_argument",
            BinauthzStatus::InvalidUtf8 => c"invalid_utf8",
            BinauthzStatus::InvalidArgument => c"invalid_argument",
            BinauthzStatus::Panic => c"panic",
        }
    }
}

impl From<ErrorCode> for BinauthzStatus {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::Syntax => BinauthzStatus::Syntax,
            ErrorCode::Limit => BinauthzStatus::Limit,
            ErrorCode::Invalid => BinauthzStatus::Invalid,
            ErrorCode::Reference => BinauthzStatus::Reference,
            ErrorCode::Unsupported => BinauthzStatus::Unsupported,
        }
    }
}

/// A compiled policy with its attestors (opaque). Immutable and thread-safe: build one with
/// `binauthz_engine_new`, share it between threads without locking, free it once with
/// `binauthz_engine_free` after every evaluation has returned.
pub struct BinauthzEngine {
    engine: Engine,
}

/// A failed call: the status and the message for `*error_out`.
struct Failure {
    status: BinauthzStatus,
    message: String,
}

impl Failure {
    fn new(status: BinauthzStatus, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    fn null(argument: &str) -> Self {
        Failure::new(
            BinauthzStatus::NullArgument,
            format!("argument `{argument}` is NULL"),
        )
    }
}

impl From<binauthz_core::Error> for Failure {
    fn from(e: binauthz_core::Error) -> Self {
        Failure::new(e.code().into(), e.to_string())
    }
}

/// Hands a string to C. C strings cannot hold NUL, so a NUL inside (possible only when an input
/// value contained one and an error message quotes it) becomes U+FFFD.
fn to_c_string(s: String) -> *mut c_char {
    let s = if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s
    };
    CString::new(s).unwrap_or_default().into_raw()
}

/// Writes `value` to `out` when `out` is not NULL.
///
/// # Safety
/// `out` is NULL or valid for a write of one `T` (aligned, writable).
unsafe fn store<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL, and the caller guarantees it is valid for writes.
        unsafe { out.write(value) };
    }
}

/// Borrows `len` bytes at `ptr` as a slice. `(NULL, 0)` is the empty document.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes, unchanged for the lifetime `'a`.
unsafe fn input_bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::null(name))
        };
    }
    if len > isize::MAX.unsigned_abs() {
        return Err(Failure::new(
            BinauthzStatus::InvalidArgument,
            format!("argument `{name}_len` is {len}, above PTRDIFF_MAX"),
        ));
    }
    // SAFETY: non-NULL, len <= isize::MAX, and the caller guarantees `len` readable bytes that do
    // not change during the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The outcome of serializing a core output (plain structs, so serde_json does not fail on them).
fn json_of(result: Result<String, serde_json::Error>) -> Result<String, Failure> {
    result.map_err(|e| {
        Failure::new(
            BinauthzStatus::Panic,
            format!("internal error: binauthz cannot serialize its result ({e}); this is a bug"),
        )
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

/// Runs `body` behind the panic guard and turns its outcome into a status, writing the error
/// message (or NULL) to `error_out`.
///
/// # Safety
/// `error_out` is NULL or valid for a write of one pointer.
unsafe fn guarded(
    error_out: *mut *mut c_char,
    body: impl FnOnce() -> Result<(), Failure>,
) -> c_int {
    // SAFETY: forwarded from the caller's contract.
    unsafe { store(error_out, std::ptr::null_mut()) };
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        Err(Failure::new(
            BinauthzStatus::Panic,
            format!(
                "internal error: binauthz panicked ({}); this is a bug, please report it",
                panic_message(payload.as_ref())
            ),
        ))
    });
    match outcome {
        Ok(()) => BinauthzStatus::Ok as c_int,
        Err(failure) => {
            if !error_out.is_null() {
                // SAFETY: forwarded from the caller's contract.
                unsafe { store(error_out, to_c_string(failure.message)) };
            }
            failure.status as c_int
        }
    }
}

/// Compiles an engine from a config document: `{"policy": {...}, "attestors": [...]}` as YAML or
/// JSON text (spec/README.md section 2), at most 2 MiB.
///
/// On success returns `BINAUTHZ_STATUS_OK` and stores a new engine in `*engine_out` (free it with
/// `binauthz_engine_free`). On failure stores NULL there and returns the error's status; the
/// core's message (it names the field path, e.g. "invalid config: `policy.defaultAdmissionRule`:
/// ...") goes to `*error_out`, to be freed with `binauthz_string_free`.
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
        new_engine(
            config,
            config_len,
            DEFAULT_CACHE_ENTRIES,
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
    // SAFETY: forwarded from the caller's contract, which is the same.
    unsafe { new_engine(config, config_len, cache_entries, engine_out, error_out) }
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
    let body = || {
        if stats_json_out.is_null() {
            return Err(Failure::null("stats_json_out"));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(stats_json_out, std::ptr::null_mut()) };
        // SAFETY: the caller guarantees a live engine from binauthz_engine_new, or NULL.
        let engine = unsafe { engine.as_ref() }.ok_or_else(|| Failure::null("engine"))?;
        let json = json_of(serde_json::to_string(&engine.engine.cache_stats()))?;
        // SAFETY: as above.
        unsafe { store(stats_json_out, to_c_string(json)) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(error_out, body) }
}

/// An engine whose verification cache holds at most `cache_entries` entries.
///
/// # Safety
/// As for `binauthz_engine_new`.
unsafe fn new_engine(
    config: *const u8,
    config_len: usize,
    cache_entries: usize,
    engine_out: *mut *mut BinauthzEngine,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        if engine_out.is_null() {
            return Err(Failure::null("engine_out"));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(engine_out, std::ptr::null_mut()) };
        // SAFETY: the caller guarantees `config_len` readable bytes at `config`.
        let bytes = unsafe { input_bytes(config, config_len, "config") }?;
        let engine = Engine::from_config_bytes(bytes)?.with_cache_capacity(cache_entries);
        let handle = Box::into_raw(Box::new(BinauthzEngine { engine }));
        // SAFETY: as above.
        unsafe { store(engine_out, handle) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(error_out, body) }
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
        if decision_json_out.is_null() {
            return Err(Failure::null("decision_json_out"));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(decision_json_out, std::ptr::null_mut()) };
        // SAFETY: the caller guarantees a live engine from binauthz_engine_new, or NULL.
        let engine = unsafe { engine.as_ref() }.ok_or_else(|| Failure::null("engine"))?;
        // SAFETY: the caller guarantees `request_len` readable bytes at `request`.
        let bytes = unsafe { input_bytes(request, request_len, "request") }?;
        let decision = engine.engine.evaluate_bytes(bytes)?;
        let json = json_of(serde_json::to_string(&decision))?;
        // SAFETY: as above.
        unsafe { store(decision_json_out, to_c_string(json)) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(error_out, body) }
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

/// Frees a string returned by any binauthz function (decision JSON, payload, error message).
/// NULL is ignored. Do not free `binauthz_version()` or `binauthz_status_name()`.
///
/// # Safety
/// `s` is NULL or a string returned by binauthz that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the pointer came from CString::into_raw in this crate and is freed once.
        drop(unsafe { CString::from_raw(s) });
    }));
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
/// as used by the conformance vectors; then `"ok"`, `"null_argument"`, `"invalid_utf8"`,
/// `"invalid_argument"`, `"panic"`, and `"unknown"` for any other value.
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
        if payload_out.is_null() {
            return Err(Failure::null("payload_out"));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(payload_out, std::ptr::null_mut()) };
        if artifact_url.is_null() {
            return Err(Failure::null("artifact_url"));
        }
        // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string.
        let url = unsafe { CStr::from_ptr(artifact_url) };
        let url = url.to_str().map_err(|e| {
            Failure::new(
                BinauthzStatus::InvalidUtf8,
                format!("argument `artifact_url` is not UTF-8: {e}"),
            )
        })?;
        let payload = binauthz_core::create_signature_payload(url)
            .map_err(|e| Failure::new(BinauthzStatus::Invalid, e.to_string()))?;
        // SAFETY: as above.
        unsafe { store(payload_out, to_c_string(payload)) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(error_out, body) }
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
        if extracted_json_out.is_null() {
            return Err(Failure::null("extracted_json_out"));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(extracted_json_out, std::ptr::null_mut()) };
        // SAFETY: the caller guarantees `object_len` readable bytes at `object`.
        let bytes = unsafe { input_bytes(object, object_len, "object") }?;
        // The core reads documents given as bytes the same way (document::parse_bytes).
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Failure::new(
                BinauthzStatus::Syntax,
                format!("document is not UTF-8 text: {e}"),
            )
        })?;
        let extracted = binauthz_core::kubernetes::extract_str(text)
            .map_err(|e| Failure::new(e.code().into(), e.to_string()))?;
        let json = json_of(serde_json::to_string(&extracted))?;
        // SAFETY: as above.
        unsafe { store(extracted_json_out, to_c_string(json)) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(error_out, body) }
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
    unsafe { guarded(error_out, body) }
}

#[cfg(test)]
#[allow(
    clippy::undocumented_unsafe_blocks,
    clippy::multiple_unsafe_ops_per_block,
    reason = "tests call the C ABI with pointers they own"
)]
mod tests {
    use super::*;
    use std::ptr::null_mut;

    fn take(s: *mut c_char) -> Option<String> {
        if s.is_null() {
            return None;
        }
        let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
        unsafe { binauthz_string_free(s) };
        Some(text)
    }

    const DENY: &str = r#"{"policy": {"defaultAdmissionRule": {
        "evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}"#;

    fn engine(config: &str) -> (c_int, *mut BinauthzEngine, Option<String>) {
        let mut engine = null_mut();
        let mut error = null_mut();
        let status =
            unsafe { binauthz_engine_new(config.as_ptr(), config.len(), &mut engine, &mut error) };
        (status, engine, take(error))
    }

    #[test]
    fn version_matches_the_core() {
        let v = unsafe { CStr::from_ptr(binauthz_version()) };
        assert_eq!(v.to_str().unwrap(), binauthz_core::VERSION);
    }

    #[test]
    fn evaluates_and_reports_core_errors() {
        let (status, e, error) = engine(DENY);
        assert_eq!((status, error), (0, None));
        let request = br#"{"images": ["gcr.io/acme/app:1"]}"#;
        let mut out = null_mut();
        let mut error = null_mut();
        let status = unsafe {
            binauthz_engine_evaluate(e, request.as_ptr(), request.len(), &mut out, &mut error)
        };
        assert_eq!(status, 0);
        let decision = take(out).unwrap();
        assert!(decision.starts_with("{\"allowed\":false,"), "{decision}");
        assert!(take(error).is_none());

        let bad = b"{\"images\": []}";
        let status =
            unsafe { binauthz_engine_evaluate(e, bad.as_ptr(), bad.len(), &mut out, &mut error) };
        assert_eq!(status, BinauthzStatus::Invalid as c_int);
        assert!(out.is_null());
        let core = Engine::from_config_str(DENY)
            .unwrap()
            .evaluate_str("{\"images\": []}")
            .unwrap_err();
        assert_eq!(take(error).unwrap(), core.to_string());
        unsafe { binauthz_engine_free(e) };

        let (status, e, error) = engine("{\"policy\": {}, \"attestors\": [], \"x\": 1}");
        assert_eq!(status, BinauthzStatus::Invalid as c_int);
        assert!(e.is_null());
        assert!(error.unwrap().starts_with("invalid config: "));
    }

    #[test]
    fn nulls_are_errors() {
        let mut error = null_mut();
        let status =
            unsafe { binauthz_engine_new(DENY.as_ptr(), DENY.len(), null_mut(), &mut error) };
        assert_eq!(status, BinauthzStatus::NullArgument as c_int);
        assert_eq!(take(error).unwrap(), "argument `engine_out` is NULL");
        let mut out = null_mut();
        let status = unsafe {
            binauthz_engine_evaluate(std::ptr::null(), b"x".as_ptr(), 1, &mut out, null_mut())
        };
        assert_eq!(status, BinauthzStatus::NullArgument as c_int);
        let (status, e, _) = engine("");
        assert_eq!(status, BinauthzStatus::Syntax as c_int);
        assert!(e.is_null());
    }

    #[test]
    fn guard_turns_a_panic_into_a_status() {
        let mut error = null_mut();
        let status = unsafe { guarded(&mut error, || panic!("boom {}", 1)) };
        assert_eq!(status, BinauthzStatus::Panic as c_int);
        assert!(take(error).unwrap().contains("(boom 1)"));
    }

    #[test]
    fn status_names_follow_the_core_codes() {
        for code in [
            ErrorCode::Syntax,
            ErrorCode::Limit,
            ErrorCode::Invalid,
            ErrorCode::Reference,
            ErrorCode::Unsupported,
        ] {
            let status = BinauthzStatus::from(code) as c_int;
            let name = unsafe { CStr::from_ptr(binauthz_status_name(status)) };
            assert_eq!(name.to_str().unwrap(), code.as_str());
        }
        for code in 0..=9 {
            let status = BinauthzStatus::from_code(code).unwrap();
            assert_eq!(status as c_int, code);
        }
        assert_eq!(BinauthzStatus::from_code(10), None);
        let name = unsafe { CStr::from_ptr(binauthz_status_name(-1)) };
        assert_eq!(name.to_str().unwrap(), "unknown");
    }

    #[test]
    fn extracts_images_like_the_core() {
        let pod = r#"{"kind": "Pod", "metadata": {"namespace": "ns"},
            "spec": {"containers": [{"name": "a", "image": "gcr.io/p/a:1"}]}}"#;
        let mut out = null_mut();
        let status =
            unsafe { binauthz_extract_images(pod.as_ptr(), pod.len(), &mut out, null_mut()) };
        assert_eq!(status, 0);
        let core = binauthz_core::kubernetes::extract_str(pod).unwrap();
        assert_eq!(take(out).unwrap(), serde_json::to_string(&core).unwrap());
        let mut error = null_mut();
        let bad = b"{\"kind\": \"Service\"}";
        let status =
            unsafe { binauthz_extract_images(bad.as_ptr(), bad.len(), &mut out, &mut error) };
        assert_eq!(status, BinauthzStatus::Invalid as c_int);
        let core = binauthz_core::kubernetes::extract_str("{\"kind\": \"Service\"}").unwrap_err();
        assert_eq!(take(error).unwrap(), core.to_string());
        assert!(out.is_null());
    }

    #[test]
    fn signature_payload() {
        let url =
            c"gcr.io/p/app@sha256:0000000000000000000000000000000000000000000000000000000000000000";
        let mut out = null_mut();
        let status =
            unsafe { binauthz_create_signature_payload(url.as_ptr(), &mut out, null_mut()) };
        assert_eq!(status, 0);
        let want = binauthz_core::create_signature_payload(url.to_str().unwrap()).unwrap();
        assert_eq!(take(out).unwrap(), want);
        let mut error = null_mut();
        let status = unsafe {
            binauthz_create_signature_payload(c"gcr.io/p/app:1".as_ptr(), &mut out, &mut error)
        };
        assert_eq!(status, BinauthzStatus::Invalid as c_int);
        assert!(out.is_null());
        assert!(take(error).unwrap().contains("has no digest"));
    }
}
