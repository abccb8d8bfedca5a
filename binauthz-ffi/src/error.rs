//! Failures: the status a call returns and the error report its error string carries.
//!
//! A failure is either the core's [`ErrorReport`] (its status is the report's code) or an error
//! of how the API was called (a NULL argument, a C string that is not UTF-8, a length out of
//! range, a panic), which gets a report too, made with the stage of the call:
//!
//! | status | report `code` | report `errors[0].document` |
//! |---|---|---|
//! | `BINAUTHZ_STATUS_NULL_ARGUMENT` | `invalid` | the argument, e.g. `engine_out` |
//! | `BINAUTHZ_STATUS_INVALID_UTF8` | `syntax` | the argument, e.g. `artifact_url` |
//! | `BINAUTHZ_STATUS_INVALID_ARGUMENT` | `limit` | the length argument, e.g. `config_len` |
//! | `BINAUTHZ_STATUS_PANIC` | `invalid` | `binauthz` |

use std::ffi::{CStr, c_int};
use std::str::Utf8Error;

use binauthz_core::ErrorCode;
use binauthz_core::ErrorStage;
use binauthz_core::InputError;
use binauthz_core::api::{ErrorReport, PLATFORM_POLICY};

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
    /// A required pointer argument was NULL. (Error report code: `invalid`.)
    NullArgument = 6,
    /// A NUL-terminated string argument is not UTF-8. (Documents given as bytes that are not
    /// UTF-8 are `BINAUTHZ_STATUS_SYNTAX`, as in the core.) (Error report code: `syntax`.)
    InvalidUtf8 = 7,
    /// An argument is out of range (a length above `PTRDIFF_MAX`). (Error report code: `limit`.)
    InvalidArgument = 8,
    /// binauthz panicked (or hit another internal error): a bug. The call had no effect and its
    /// out-pointers are NULL; the engine stays usable (it is immutable). Catching panics requires
    /// the library to be built with unwinding panics (the default). (Error report code:
    /// `invalid`.)
    Panic = 9,
}

impl BinauthzStatus {
    /// The status with this code.
    pub(crate) fn from_code(code: c_int) -> Option<Self> {
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

    /// The status's name (`binauthz_status_name`).
    pub(crate) fn name(self) -> &'static CStr {
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

    /// The core code an error report gives a call error of this status (the table above).
    fn report_code(self) -> ErrorCode {
        match self {
            BinauthzStatus::Syntax | BinauthzStatus::InvalidUtf8 => ErrorCode::Syntax,
            BinauthzStatus::Limit | BinauthzStatus::InvalidArgument => ErrorCode::Limit,
            BinauthzStatus::Reference => ErrorCode::Reference,
            BinauthzStatus::Unsupported => ErrorCode::Unsupported,
            BinauthzStatus::Ok
            | BinauthzStatus::Invalid
            | BinauthzStatus::NullArgument
            | BinauthzStatus::Panic => ErrorCode::Invalid,
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
            // A code added to the core before this table knows it: still a failure, and the
            // report (binauthz_error_json) carries the code itself.
            _ => BinauthzStatus::Invalid,
        }
    }
}

/// A failed call.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The core's report; the status is its code's.
    Report(ErrorReport),
    /// How the API was called: the report is made with the stage of the call.
    Call {
        /// 6 and up.
        status: BinauthzStatus,
        /// The argument at fault (`binauthz` for a panic): the report's document.
        argument: &'static str,
        /// The message, as `*error_out` has always carried it.
        message: String,
    },
}

impl Failure {
    /// A required pointer argument is NULL.
    pub(crate) fn null(argument: &'static str) -> Self {
        Failure::Call {
            status: BinauthzStatus::NullArgument,
            argument,
            message: format!("argument `{argument}` is NULL"),
        }
    }

    /// A length argument is above `PTRDIFF_MAX`; `name` is the pointer argument it goes with.
    pub(crate) fn too_long(name: &'static str, len: usize) -> Self {
        Failure::Call {
            status: BinauthzStatus::InvalidArgument,
            argument: name,
            message: format!("argument `{name}_len` is {len}, above PTRDIFF_MAX"),
        }
    }

    /// A NUL-terminated argument is not UTF-8.
    pub(crate) fn not_utf8_argument(argument: &'static str, e: &Utf8Error) -> Self {
        Failure::Call {
            status: BinauthzStatus::InvalidUtf8,
            argument,
            message: format!("argument `{argument}` is not UTF-8: {e}"),
        }
    }

    /// A document given as bytes is not UTF-8: the core's `syntax` error for it. `document` is
    /// the name the core gives the document in its reports.
    pub(crate) fn not_utf8_document(document: &str, e: &Utf8Error) -> Self {
        let error = InputError::new(
            ErrorCode::Syntax,
            "",
            format!("document is not UTF-8 text: {e}"),
        );
        // The stage is the document's: policies and attestors are config, the rest request.
        let stage = match document {
            "config" | "policy" | "attestors" | PLATFORM_POLICY => ErrorStage::Config,
            _ => ErrorStage::Request,
        };
        Failure::Report(ErrorReport::one(stage, document, &error))
    }

    /// A part of a request given apart from it (an AdmissionReview's attestations, context or
    /// evaluation time) is not UTF-8: the core's `syntax` error at the request's `field`.
    pub(crate) fn not_utf8_part(field: &str, e: &Utf8Error) -> Self {
        let error = InputError::new(
            ErrorCode::Syntax,
            field,
            format!("document is not UTF-8 text: {e}"),
        );
        Failure::Report(ErrorReport::one(ErrorStage::Request, "request", &error))
    }

    /// A panic (or another internal error): a bug.
    pub(crate) fn panic(message: String) -> Self {
        Failure::Call {
            status: BinauthzStatus::Panic,
            argument: "binauthz",
            message,
        }
    }

    /// The status to return and the report, for a call of `stage`.
    pub(crate) fn into_parts(self, stage: ErrorStage) -> (BinauthzStatus, ErrorReport) {
        match self {
            Failure::Report(report) => (report.code.into(), report),
            Failure::Call {
                status,
                argument,
                message,
            } => {
                let error = InputError::new(status.report_code(), "", message);
                (status, ErrorReport::bare(stage, argument, &error))
            }
        }
    }
}

impl From<ErrorReport> for Failure {
    fn from(report: ErrorReport) -> Self {
        Failure::Report(report)
    }
}
