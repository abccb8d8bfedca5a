//! Strings and bytes across the C boundary: the documents C lends us, and the strings we hand
//! out.
//!
//! Every string binauthz hands out (results and error messages) is one allocation made here:
//!
//! ```text
//! [Header { size, report }] [text bytes] \0 [report JSON bytes \0]   (the last part: errors only)
//!                           ^ the pointer C gets
//! ```
//!
//! The header records the size of the whole allocation, so [`free`] deallocates with exactly the
//! layout [`hand_out`] allocated (a `CString` cannot: its length is found with `strlen`, which
//! stops at the first NUL), and the offset of the error report, so [`report_of`] finds an error
//! string's JSON report and answers NULL for any other string.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::borrow::Cow;
use std::ffi::{CStr, c_char};
use std::mem::{align_of, size_of};

use crate::error::Failure;

/// What precedes every string handed out.
#[repr(C)]
struct Header {
    /// The size of the whole allocation, header included.
    size: usize,
    /// The offset of the error report from the string's first byte; 0 for a string without one.
    report: usize,
}

const HEADER: usize = size_of::<Header>();

/// The layout of an allocation of `size` bytes (header included).
fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size, align_of::<Header>()).ok()
}

/// C strings cannot hold NUL, so a NUL inside (possible only when an input value contained one
/// and a message quotes it) becomes U+FFFD.
fn without_nul(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Hands a string to C, to be freed with [`free`].
pub(crate) fn hand_out(text: &str) -> *mut c_char {
    allocate(&without_nul(text), None)
}

/// Hands an error message to C with its report (JSON) after it: `message\0report\0`. The report
/// is found with [`report_of`]; [`free`] frees both.
pub(crate) fn hand_out_error(message: &str, report_json: &str) -> *mut c_char {
    allocate(&without_nul(message), Some(&without_nul(report_json)))
}

/// One allocation: the header, `text` and its NUL, and `report` and its NUL when given.
fn allocate(text: &str, report: Option<&str>) -> *mut c_char {
    let report_offset = text.len() + 1;
    let size = HEADER
        .checked_add(report_offset)
        .and_then(|n| n.checked_add(report.map_or(0, |r| r.len() + 1)));
    // Strings that exist fit in memory; an overflow would need a string of half the address space.
    let Some(layout) = size.and_then(layout) else {
        handle_alloc_error(Layout::new::<Header>())
    };
    // SAFETY: the layout's size is at least HEADER, so non-zero.
    let base = unsafe { alloc(layout) };
    if base.is_null() {
        handle_alloc_error(layout)
    }
    let header = Header {
        size: layout.size(),
        report: if report.is_some() { report_offset } else { 0 },
    };
    // SAFETY: `base` is a fresh allocation of `layout.size() >= HEADER` bytes, aligned for Header.
    unsafe { base.cast::<Header>().write(header) };
    // SAFETY: HEADER <= layout.size(): the result stays within the allocation.
    let start = unsafe { base.add(HEADER) };
    // SAFETY: `text.len() + 1` bytes from `start` are within the allocation, which does not
    // overlap `text`.
    unsafe { write_nul_terminated(start, text) };
    if let Some(report) = report {
        // SAFETY: the report's `len + 1` bytes follow the text's NUL, within the allocation.
        let at = unsafe { start.add(report_offset) };
        // SAFETY: as above.
        unsafe { write_nul_terminated(at, report) };
    }
    start.cast()
}

/// Copies `text` and a NUL to `at`.
///
/// # Safety
/// `at` is valid for writes of `text.len() + 1` bytes that do not overlap `text`.
unsafe fn write_nul_terminated(at: *mut u8, text: &str) {
    // SAFETY: the caller guarantees room for the bytes, without overlap.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), at, text.len()) };
    // SAFETY: the byte after them is within the caller's guarantee too.
    let end = unsafe { at.add(text.len()) };
    // SAFETY: as above.
    unsafe { end.write(0) };
}

/// The header of a string handed out.
///
/// # Safety
/// `s` is a string from [`hand_out`] or [`hand_out_error`] that has not been freed.
unsafe fn header_of(s: *const c_char) -> (*mut u8, Header) {
    // SAFETY: the string starts HEADER bytes into its allocation (the caller's guarantee).
    let base = unsafe { s.cast::<u8>().cast_mut().sub(HEADER) };
    // SAFETY: the allocation starts with an initialized, aligned Header.
    let header = unsafe { base.cast::<Header>().read() };
    (base, header)
}

/// Frees a string from [`hand_out`] or [`hand_out_error`] with the layout it was allocated with.
///
/// # Safety
/// `s` is such a string, not freed yet; it is not used afterwards.
pub(crate) unsafe fn free(s: *mut c_char) {
    // SAFETY: the caller's guarantee.
    let (base, header) = unsafe { header_of(s) };
    if let Some(layout) = layout(header.size) {
        // SAFETY: `base` was allocated with exactly this layout (the size is the header's, the
        // alignment a constant) and is freed once.
        unsafe { dealloc(base, layout) };
    }
}

/// The error report following an error message from [`hand_out_error`]; NULL for a string
/// without one.
///
/// # Safety
/// `s` is a string from [`hand_out`] or [`hand_out_error`] that has not been freed.
pub(crate) unsafe fn report_of(s: *const c_char) -> *const c_char {
    // SAFETY: the caller's guarantee.
    let (_, header) = unsafe { header_of(s) };
    if header.report == 0 {
        return std::ptr::null();
    }
    // SAFETY: the report starts `header.report` bytes after the string, within its allocation.
    unsafe { s.add(header.report) }
}

/// Writes `value` to `out` when `out` is not NULL.
///
/// # Safety
/// `out` is NULL or valid for a write of one `T` (aligned, writable).
pub(crate) unsafe fn store<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL, and the caller guarantees it is valid for writes.
        unsafe { out.write(value) };
    }
}

/// Borrows `len` bytes at `ptr` as a slice. `(NULL, 0)` is the empty document.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes, unchanged for the lifetime `'a`.
pub(crate) unsafe fn input_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::null(name))
        };
    }
    if len > isize::MAX.unsigned_abs() {
        return Err(Failure::too_long(name, len));
    }
    // SAFETY: non-NULL, len <= isize::MAX, and the caller guarantees `len` readable bytes that do
    // not change during the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows a document argument as text; bytes that are not UTF-8 are a `syntax` error of the
/// document `document`, as the core reports them for documents it reads from bytes.
///
/// # Safety
/// As for [`input_bytes`].
pub(crate) unsafe fn input_text<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
    document: &str,
) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from the caller's contract.
    let bytes = unsafe { input_bytes(ptr, len, name) }?;
    std::str::from_utf8(bytes).map_err(|e| Failure::not_utf8_document(document, &e))
}

/// Like [`input_text`], but a length of 0 means the document is not given (whatever `ptr` is).
///
/// # Safety
/// As for [`input_bytes`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
    document: &str,
) -> Result<Option<&'a str>, Failure> {
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller's contract.
    unsafe { input_text(ptr, len, name, document) }.map(Some)
}

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that does not change during the call.
pub(crate) unsafe fn input_c_str<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().map_err(|e| Failure::not_utf8_argument(name, &e))
}

#[cfg(test)]
#[allow(
    clippy::undocumented_unsafe_blocks,
    clippy::multiple_unsafe_ops_per_block,
    reason = "tests of the allocation with pointers they own"
)]
mod tests {
    use super::*;

    fn text_at(s: *const c_char) -> String {
        unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_string_round_trips_and_has_no_report() {
        for text in ["", "x", "{\"allowed\":false}", &"é".repeat(1000)] {
            let s = hand_out(text);
            assert_eq!(text_at(s), text);
            assert!(unsafe { report_of(s) }.is_null());
            unsafe { free(s) };
        }
    }

    #[test]
    fn an_error_carries_its_report_after_the_message() {
        let s = hand_out_error("invalid config: bad", "{\"code\":\"invalid\"}");
        assert_eq!(text_at(s), "invalid config: bad");
        let report = unsafe { report_of(s) };
        assert_eq!(text_at(report), "{\"code\":\"invalid\"}");
        unsafe { free(s) };
        let s = hand_out_error("", "");
        assert_eq!(text_at(s), "");
        assert_eq!(text_at(unsafe { report_of(s) }), "");
        unsafe { free(s) };
    }

    #[test]
    fn a_nul_inside_becomes_a_replacement_character() {
        let s = hand_out_error("a\0b", "c\0d");
        assert_eq!(text_at(s), "a\u{FFFD}b");
        assert_eq!(text_at(unsafe { report_of(s) }), "c\u{FFFD}d");
        unsafe { free(s) };
    }

    #[test]
    fn documents_in() {
        let bytes = b"ok\xff";
        assert_eq!(
            unsafe { input_bytes(bytes.as_ptr(), 2, "x") }.unwrap(),
            b"ok"
        );
        assert_eq!(
            unsafe { input_bytes(std::ptr::null(), 0, "x") }.unwrap(),
            b""
        );
        assert!(unsafe { input_bytes(std::ptr::null(), 1, "x") }.is_err());
        assert!(unsafe { input_bytes(bytes.as_ptr(), usize::MAX, "x") }.is_err());
        assert_eq!(
            unsafe { input_text(bytes.as_ptr(), 2, "x", "policy") }.unwrap(),
            "ok"
        );
        assert!(unsafe { input_text(bytes.as_ptr(), 3, "x", "policy") }.is_err());
        assert_eq!(
            unsafe { optional_text(bytes.as_ptr(), 0, "x", "attestors") }.unwrap(),
            None
        );
        assert_eq!(
            unsafe { input_c_str(c"text".as_ptr(), "x") }.unwrap(),
            "text"
        );
        assert!(unsafe { input_c_str(std::ptr::null(), "x") }.is_err());
    }
}
