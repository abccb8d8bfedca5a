//! Helpers shared by the integration tests: loading conformance cases by name.
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of the helpers"
)]

use std::path::Path;

use binauthz_core::{Decision, Engine};
use serde_json::Value;

/// The committed conformance case whose file name ends in `-{name}.json`.
pub fn case(name: &str) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/cases");
    let suffix = format!("-{name}.json");
    let path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().ends_with(&suffix))
        .unwrap_or_else(|| panic!("no conformance case named {name}"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The engine of a case that has a `config` object.
pub fn engine(case: &Value) -> Engine {
    Engine::from_config_str(&case["config"].to_string()).unwrap()
}

/// Evaluates a case's `request` object.
pub fn decide(name: &str) -> Decision {
    let c = case(name);
    engine(&c).evaluate_str(&c["request"].to_string()).unwrap()
}
