//! Helpers shared by the integration tests: loading conformance cases by name.
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of the helpers"
)]

use std::path::{Path, PathBuf};

use binauthz_core::{Decision, Engine};
use proptest::prelude::*;
use serde_json::{Value, json};

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

/// A case's document as text: the `object` (e.g. `config`) serialized, or the `text` field
/// (e.g. `configText`) as written; `None` unless exactly one of them is there.
pub fn document_text(case: &Value, object: &str, text: &str) -> Option<String> {
    match (case.get(object), case.get(text)) {
        (Some(v), None) => Some(v.to_string()),
        (None, Some(Value::String(s))) => Some(s.clone()),
        _ => None,
    }
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

/// The committed conformance cases, or another directory of cases (`BINAUTHZ_CONFORMANCE_CASES`),
/// which the test command uses to run freshly generated vectors too.
pub fn cases_dir() -> PathBuf {
    match std::env::var_os("BINAUTHZ_CONFORMANCE_CASES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/cases"),
    }
}

/// The `.json` case files of [`cases_dir`], sorted; at least 60, so no test passes vacuously.
pub fn case_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 60, "only {} conformance cases", paths.len());
    paths
}

/// Every case of [`case_paths`] as (file stem, parsed JSON).
pub fn all_cases() -> Vec<(String, Value)> {
    case_paths()
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

/// Generated admission rules: each `mode` (a rule object without `enforcementMode`) under either
/// enforcement mode.
pub fn with_any_enforcement(mode: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    let enforcement = prop_oneof![
        Just("ENFORCED_BLOCK_AND_AUDIT_LOG"),
        Just("DRYRUN_AUDIT_LOG_ONLY")
    ];
    (mode, enforcement).prop_map(|(mut rule, enforcement)| {
        rule["enforcementMode"] = json!(enforcement);
        rule
    })
}

/// A REQUIRE_ATTESTATION rule object (without `enforcementMode`) requiring the attestors
/// `projects/{project}/attestors/{name}`.
pub fn require_attestation<S: AsRef<str>>(
    project: &str,
    names: impl IntoIterator<Item = S>,
) -> Value {
    let names: Vec<String> = names
        .into_iter()
        .map(|n| format!("projects/{project}/attestors/{}", n.as_ref()))
        .collect();
    json!({"evaluationMode": "REQUIRE_ATTESTATION", "requireAttestationsBy": names})
}
