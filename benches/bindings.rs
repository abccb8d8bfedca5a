//! The scenario every binding is timed on (`ffi/*`, `json/*` here; `go/*` in binauthz-ffi/go;
//! `wasm/*` in benches/wasm-binding.cjs): criterion's `evaluate/warm_1img_1att_p256`, one image,
//! one attestor, one P-256 attestation, the verification cache holding the conclusion.
//!
//! Go and Node cannot call [`crate::scenarios`], so the same bytes are committed under
//! [`fixture_dir`] (`config.json`, `request.json`); benches/tests/bindings.rs fails when they drift
//! from what [`warm_single`] makes, and rewrites them with `BINAUTHZ_UPDATE_FIXTURES=1`.

use std::path::PathBuf;

use crate::scenarios::{self, Scenario};

/// The name of the scenario, the part after `ffi/`, `json/`, `go/` or `wasm/` in the ids.
pub const WARM_SINGLE: &str = "warm_1img_1att_p256";

/// The config and request of `evaluate/warm_1img_1att_p256` as JSON text (the same calls
/// benches/benches/evaluate.rs makes).
///
/// # Errors
///
/// A message when a key or a signature cannot be made (never, for these fixed scalars).
pub fn warm_single() -> Result<Scenario, String> {
    Ok(Scenario {
        config: scenarios::single_attestor()?,
        request: scenarios::single_image_request(0)?,
    })
}

/// benches/fixtures/warm_1img_1att_p256: [`warm_single`] as files, for Go and Node.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(WARM_SINGLE)
}
