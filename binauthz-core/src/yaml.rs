//! The one place that knows which YAML library binauthz uses.
//!
//! serde_yaml is deprecated upstream; a maintained fork with the same API (serde_norway,
//! serde_yaml_ng) replaces it by changing the `use` below and the dependency line.

use serde_yaml as backend;

/// Parses YAML text into a JSON value. The backend limits recursion (128 levels) and alias
/// expansion, so a billion-laughs document fails instead of exhausting memory.
/// Parses every document of a multi-document YAML stream (`---` separated).
pub(crate) fn to_json_values(text: &str) -> Result<Vec<serde_json::Value>, String> {
    use serde::Deserialize as _;
    let mut out = Vec::new();
    for document in backend::Deserializer::from_str(text) {
        let value = crate::document::Strict::deserialize(document).map_err(|e| e.to_string())?;
        out.push(value.0);
    }
    Ok(out)
}

/// Duplicate mapping keys are an error.
pub(crate) fn to_json_value(text: &str) -> Result<serde_json::Value, String> {
    backend::from_str::<crate::document::Strict>(text)
        .map(|s| s.0)
        .map_err(|e| e.to_string())
}
