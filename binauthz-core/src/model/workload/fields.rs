//! Reading the fields of Kubernetes objects as Kubernetes decodes them, and saying what was
//! found when a field holds something else (spec/README.md §10).

use serde_json::{Map, Value};

use crate::error::{InputError, InputResult, join_path};
use crate::untrusted::shown;

/// What a JSON value is, for error messages.
pub(crate) fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "missing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "a list",
        Some(Value::Object(_)) => "a mapping",
    }
}

/// What was found where Kubernetes expects a string, with its likely cause: YAML reads
/// `image: {CONTAINER_PATH}` (an unrendered template) as a mapping, and `true` or `1.0` unquoted
/// as a boolean or a number.
fn found_instead_of_string(value: &Value) -> String {
    match value {
        Value::Object(map) if map.len() == 1 && map.values().all(Value::is_null) => {
            let key = map.keys().next().map_or("", String::as_str);
            format!(
                "a mapping (an unrendered template such as `{{{}}}`?)",
                shown(key)
            )
        }
        Value::Bool(b) => format!("the boolean {b} (quote it: \"{b}\")"),
        Value::Number(n) => {
            let n = n.to_string();
            format!("the number {} (quote it: \"{0}\")", shown(&n))
        }
        other => type_name(Some(other)).to_owned(),
    }
}

/// A field Kubernetes decodes as a string: absent and null are empty (`None`, as Go decodes them
/// to `""`); anything but a string is an error that says what was found, since Kubernetes would
/// reject the object and guessing would evaluate something that never runs.
pub(crate) fn string_field<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    at: &str,
) -> InputResult<Option<&'a str>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(InputError::invalid(
            join_path(at, field),
            format!(
                "`{field}` is {}, expected a string",
                found_instead_of_string(other)
            ),
        )),
    }
}

/// A field Kubernetes decodes as an object or a map (`what` says which): absent and null are
/// `None`; anything but a mapping is an error that says what was found.
pub(crate) fn mapping_field<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    at: &str,
    what: &str,
) -> InputResult<Option<&'a Map<String, Value>>> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(InputError::invalid(
            join_path(at, field),
            format!(
                "`{field}` is {}, expected a mapping ({what})",
                type_name(Some(other))
            ),
        )),
    }
}

/// Labels or annotations (`field`) of the metadata at `at`: Kubernetes decodes them as a map of
/// strings, so a value of another type (`break-glass: true`, unquoted) is an error naming the key
/// and what was found, never a silent "no".
pub(crate) fn string_map<'a>(
    metadata: Option<&'a Map<String, Value>>,
    field: &str,
    at: &str,
) -> InputResult<Option<&'a Map<String, Value>>> {
    let Some(map) = metadata
        .map(|m| mapping_field(m, field, at, "of names to string values"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let one = field.trim_end_matches('s');
    for (key, value) in map {
        if !matches!(value, Value::String(_) | Value::Null) {
            return Err(InputError::invalid(
                join_path(at, field),
                format!(
                    "the value of {one} `{}` is {}, expected a string",
                    shown(key),
                    found_instead_of_string(value)
                ),
            ));
        }
    }
    Ok(Some(map))
}
