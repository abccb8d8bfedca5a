//! Criterion benchmarks for binauthz (see `benches/`); this library holds shared helpers.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A conformance case that evaluates successfully: its config and request as JSON text.
#[derive(Debug)]
pub struct Case {
    /// The case's file stem.
    pub name: String,
    /// The config document.
    pub config: String,
    /// The request document.
    pub request: String,
}

fn text_of(case: &Value, object: &str, text: &str) -> Option<String> {
    match (case.get(object), case.get(text)) {
        (Some(v), None) => Some(v.to_string()),
        (None, Some(Value::String(s))) => Some(s.clone()),
        _ => None,
    }
}

/// The conformance cases (spec/conformance/cases) whose name contains `filter` and that expect
/// a decision rather than an error.
pub fn conformance_cases(filter: &str) -> Vec<Case> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            if !name.contains(filter) {
                return None;
            }
            let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).ok()?).ok()?;
            case.get("expect")?;
            Some(Case {
                name,
                config: text_of(&case, "config", "configText")?,
                request: text_of(&case, "request", "requestText")?,
            })
        })
        .collect()
}
