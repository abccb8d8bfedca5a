//! The guard around every entry point: panics are caught and never unwind into C; the outcome
//! becomes a status, and a failure's message and report go to `*error_out`.

use std::any::Any;
use std::ffi::{c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use binauthz_core::ErrorStage;

use crate::BinauthzEngine;
use crate::error::{BinauthzStatus, Failure};
use crate::strings::{hand_out, hand_out_error, store};

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
/// string (message and report, [`hand_out_error`]) or NULL to `error_out`. `stage` is the stage
/// of the call, for the reports of errors of how it was called.
///
/// # Safety
/// `error_out` is NULL or valid for a write of one pointer.
pub(crate) unsafe fn guarded(
    stage: ErrorStage,
    error_out: *mut *mut c_char,
    body: impl FnOnce() -> Result<(), Failure>,
) -> c_int {
    // SAFETY: forwarded from the caller's contract.
    unsafe { store(error_out, std::ptr::null_mut()) };
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        Err(Failure::panic(format!(
            "internal error: binauthz panicked ({}); this is a bug, please report it",
            panic_message(payload.as_ref())
        )))
    });
    let Err(failure) = outcome else {
        return BinauthzStatus::Ok as c_int;
    };
    // Making the report allocates and serializes; keep even that from unwinding into C.
    let reported = catch_unwind(AssertUnwindSafe(|| {
        let (status, report) = failure.into_parts(stage);
        if !error_out.is_null() {
            let error = hand_out_error(&report.message, &report.to_json());
            // SAFETY: forwarded from the caller's contract.
            unsafe { store(error_out, error) };
        }
        status
    }));
    reported.unwrap_or(BinauthzStatus::Panic) as c_int
}

/// An entry point that hands out one string: checks that `out` is not NULL, stores NULL there,
/// runs `body` behind the guard and stores its string.
///
/// # Safety
/// `out` and `error_out` are NULL or valid for a write of one pointer.
pub(crate) unsafe fn returning_string(
    stage: ErrorStage,
    out: *mut *mut c_char,
    out_name: &'static str,
    error_out: *mut *mut c_char,
    body: impl FnOnce() -> Result<String, Failure>,
) -> c_int {
    let call = || {
        if out.is_null() {
            return Err(Failure::null(out_name));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(out, std::ptr::null_mut()) };
        let text = body()?;
        // SAFETY: as above.
        unsafe { store(out, hand_out(&text)) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(stage, error_out, call) }
}

/// An entry point that makes an engine: as [`returning_string`], for `*engine_out`.
///
/// # Safety
/// `engine_out` and `error_out` are NULL or valid for a write of one pointer.
pub(crate) unsafe fn returning_engine(
    engine_out: *mut *mut BinauthzEngine,
    error_out: *mut *mut c_char,
    body: impl FnOnce() -> Result<binauthz_core::Engine, Failure>,
) -> c_int {
    let call = || {
        if engine_out.is_null() {
            return Err(Failure::null("engine_out"));
        }
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { store(engine_out, std::ptr::null_mut()) };
        let engine = body()?;
        let handle = Box::into_raw(Box::new(BinauthzEngine { engine }));
        // SAFETY: as above.
        unsafe { store(engine_out, handle) };
        Ok(())
    };
    // SAFETY: the caller guarantees `error_out` is NULL or writable.
    unsafe { guarded(ErrorStage::Config, error_out, call) }
}
