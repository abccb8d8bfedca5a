//! Attestations documents for a host that files occurrences by image (a webhook reading a
//! directory of occurrence files): the core's `api::json::read_attestations`, marshalled.

use std::ffi::{c_char, c_int};

use binauthz_core::ErrorStage;
use binauthz_core::api::json;

use crate::panic::returning_string;
use crate::strings::input_text;

/// Reads an attestations document as gcloud prints it (YAML or JSON: one occurrence, a list, a
/// Container Analysis list response, or a YAML stream of these; at most 8 MiB and 10,000
/// occurrences, as a request's attestations) and stores, as JSON in `*entries_json_out` (free
/// with `binauthz_string_free`), `{"entries": [{"digest", "occurrence"}], "notes": [...]}`:
/// every occurrence that is or may be an attestation, as JSON, with the `sha256:` digest its
/// resource URI names (null when none can be read), so that a host can give each image's
/// occurrences back with the requests for that image; and the notes a decision would make about
/// the document (occurrences that cannot be read, other kinds, further pages). Errors concern the
/// document as a whole (its syntax and limits, an entry that is not a mapping), with path.
///
/// # Safety
/// `document` is NULL (only with `document_len` 0) or points to `document_len` readable bytes;
/// `entries_json_out` and `error_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn binauthz_read_attestations(
    document: *const u8,
    document_len: usize,
    entries_json_out: *mut *mut c_char,
    error_out: *mut *mut c_char,
) -> c_int {
    let body = || {
        // SAFETY: the caller guarantees `document_len` readable bytes at `document`.
        let text = unsafe { input_text(document, document_len, "document", "attestations") }?;
        Ok(json::read_attestations(text)?)
    };
    // SAFETY: the caller guarantees `entries_json_out` and `error_out` are NULL or writable.
    unsafe {
        returning_string(
            ErrorStage::Request,
            entries_json_out,
            "entries_json_out",
            error_out,
            body,
        )
    }
}
