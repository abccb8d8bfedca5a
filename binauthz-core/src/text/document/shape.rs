//! The shape rules every GCP document shares (policies and attestors alike): what gcloud's
//! import does before reading fields. gcloud decodes YAML with apitools' protojson reader, which
//! wraps a single value given for a repeated field into a one-element list and skips fields set
//! to null (`apitools/base/protorpclite/protojson.py`, `__decode_dictionary`); where a mapping is
//! expected and something else is found, the error says what was expected in GCP's terms, never
//! serde's name for a Rust type.

use serde_json::{Map, Value};

use crate::error::{InputError, InputResult};

/// How a value is called in errors: "a string", "a sequence", "null" …
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

/// An error unless `value` is a mapping; `what` says what the mapping holds.
pub(crate) fn expect_mapping(value: &Value, path: &str, what: &str) -> InputResult<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(InputError::invalid(
            path,
            format!("expected {what}, found {}", kind_of(value)),
        ))
    }
}

/// Like [`expect_mapping`], but null is the field left out.
pub(crate) fn expect_mapping_or_null(value: &Value, path: &str, what: &str) -> InputResult<()> {
    if value.is_null() {
        Ok(())
    } else {
        expect_mapping(value, path, what)
    }
}

/// Wraps the value of `key` in a one-element list, as gcloud does for a repeated field given a
/// single value; a list, null or an absent field is left alone. Returns whether it wrapped.
pub(crate) fn wrap_single(map: &mut Map<String, Value>, key: &str) -> bool {
    match map.get_mut(key) {
        Some(v) if !(v.is_array() || v.is_null()) => {
            let one = v.take();
            *v = Value::Array(vec![one]);
            true
        }
        _ => false,
    }
}
