//! C ABI over binauthz-core.
//!
//! This crate is the only one in the workspace allowed `unsafe` code, because a C ABI needs it.
//! For now it exports the version; the engine entry points (`binauthz_engine_new`,
//! `binauthz_engine_evaluate`, …) are added with their C and Go tests.

use std::ffi::{CStr, c_char};

const VERSION_NUL: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a NUL-terminated string with static lifetime (never freed).
#[unsafe(no_mangle)]
pub extern "C" fn binauthz_version() -> *const c_char {
    match CStr::from_bytes_with_nul(VERSION_NUL.as_bytes()) {
        Ok(s) => s.as_ptr(),
        Err(_) => c"unknown".as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_the_core() {
        // SAFETY: binauthz_version returns a pointer to a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(binauthz_version()) };
        assert_eq!(v.to_str().unwrap(), binauthz_core::VERSION);
    }
}
