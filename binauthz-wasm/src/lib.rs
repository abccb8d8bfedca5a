//! WebAssembly bindings over binauthz-core.
//!
//! For now this exports the version; the engine (`new Engine(config)`, `evaluate`, …) is added
//! with its Node and browser tests.
#![forbid(unsafe_code)]

use wasm_bindgen::prelude::wasm_bindgen;

/// The library version.
#[wasm_bindgen]
pub fn version() -> String {
    binauthz_core::VERSION.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_the_core() {
        assert_eq!(super::version(), binauthz_core::VERSION);
    }
}
