//! A JSON Schema validator for the subset of draft 2020-12 that schemars emits for binauthz's
//! types: `type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`,
//! `$ref` into `$defs`, `anyOf`, `oneOf`, `allOf`, `minimum` and `maximum`, plus annotations.
//! A schema with any other keyword is refused rather than half-checked: a keyword this validator
//! ignored would make every instance pass it silently.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// Keywords that constrain instances, all implemented below.
const ASSERTIONS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "$ref",
    "anyOf",
    "oneOf",
    "allOf",
    "minimum",
    "maximum",
];

/// Keywords that only annotate (`format` included: schemars' `uint64` is also a `minimum`).
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$defs",
    "title",
    "description",
    "default",
    "format",
    "examples",
];

/// A root schema, checked to use only the keywords above.
pub struct Validator {
    root: Value,
}

impl Validator {
    /// Wraps `root`, or says which keyword at which place it does not implement.
    pub fn new(root: Value) -> Result<Self, String> {
        check_keywords(&root, "#")?;
        Ok(Validator { root })
    }

    /// The errors of `instance` against the root schema; empty when it is valid.
    pub fn validate(&self, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(&self.root, instance, "", &mut errors);
        errors
    }

    /// The errors of `instance` against the subschema at JSON pointer `pointer` of the root
    /// (e.g. `/$defs/ReasonKind`).
    pub fn validate_at(&self, pointer: &str, instance: &Value) -> Vec<String> {
        match self.root.pointer(pointer) {
            Some(schema) => {
                let mut errors = Vec::new();
                self.check(schema, instance, "", &mut errors);
                errors
            }
            None => vec![format!("the schema has nothing at {pointer}")],
        }
    }

    fn resolve(&self, reference: &str) -> Option<&Value> {
        self.root.pointer(reference.strip_prefix('#')?)
    }

    fn check(&self, schema: &Value, instance: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                errors.push(format!("{at}: no value is allowed here"));
                return;
            }
            Value::Object(schema) => schema,
            _ => {
                errors.push(format!("{at}: the schema is not an object or boolean"));
                return;
            }
        };
        if let Some(reference) = schema.get("$ref") {
            match reference.as_str().and_then(|r| self.resolve(r)) {
                Some(target) => self.check(target, instance, at, errors),
                None => errors.push(format!("{at}: unresolvable $ref {reference}")),
            }
        }
        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !allowed.iter().any(|t| has_type(instance, t)) {
                errors.push(format!(
                    "{at}: {} is not of type {}",
                    brief(instance),
                    allowed.join(" or ")
                ));
            }
        }
        if let Some(Value::Array(values)) = schema.get("enum")
            && !values.contains(instance)
        {
            errors.push(format!(
                "{at}: {} is not one of {values:?}",
                brief(instance)
            ));
        }
        if let Some(value) = schema.get("const")
            && value != instance
        {
            errors.push(format!("{at}: {} is not {value}", brief(instance)));
        }
        if let (Some(min), Some(n)) = (
            schema.get("minimum").and_then(Value::as_f64),
            instance.as_f64(),
        ) && n < min
        {
            errors.push(format!("{at}: {n} is less than the minimum {min}"));
        }
        if let (Some(max), Some(n)) = (
            schema.get("maximum").and_then(Value::as_f64),
            instance.as_f64(),
        ) && n > max
        {
            errors.push(format!("{at}: {n} is more than the maximum {max}"));
        }
        if let Value::Object(object) = instance {
            self.check_object(schema, object, at, errors);
        }
        if let (Some(items), Value::Array(array)) = (schema.get("items"), instance) {
            for (i, item) in array.iter().enumerate() {
                self.check(items, item, &format!("{at}/{i}"), errors);
            }
        }
        if let Some(Value::Array(arms)) = schema.get("allOf") {
            for arm in arms {
                self.check(arm, instance, at, errors);
            }
        }
        if let Some(Value::Array(arms)) = schema.get("anyOf") {
            let failures: Vec<Vec<String>> = arms
                .iter()
                .map(|arm| self.errors_of(arm, instance, at))
                .collect();
            if failures.iter().all(|f| !f.is_empty()) {
                errors.push(format!(
                    "{at}: matches no arm of anyOf: {}",
                    summary(&failures)
                ));
            }
        }
        if let Some(Value::Array(arms)) = schema.get("oneOf") {
            let failures: Vec<Vec<String>> = arms
                .iter()
                .map(|arm| self.errors_of(arm, instance, at))
                .collect();
            let matched = failures.iter().filter(|f| f.is_empty()).count();
            if matched != 1 {
                errors.push(format!(
                    "{at}: {} matches {matched} arms of oneOf, not exactly one: {}",
                    brief(instance),
                    summary(&failures)
                ));
            }
        }
    }

    fn check_object(
        &self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: the required property `{name}` is missing"));
                }
            }
        }
        for (name, value) in object {
            let here = format!("{at}/{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.check(property, value, &here, errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{at}: the property `{name}` is not in the schema"));
                    }
                    Some(additional) => self.check(additional, value, &here, errors),
                    None => {}
                },
            }
        }
    }

    fn errors_of(&self, schema: &Value, instance: &Value, at: &str) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, instance, at, &mut errors);
        errors
    }
}

fn has_type(instance: &Value, t: &str) -> bool {
    match t {
        "null" => instance.is_null(),
        "boolean" => instance.is_boolean(),
        "string" => instance.is_string(),
        "array" => instance.is_array(),
        "object" => instance.is_object(),
        "number" => instance.is_number(),
        "integer" => {
            instance.is_i64()
                || instance.is_u64()
                || instance.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// The instance for an error message, cut short.
fn brief(instance: &Value) -> String {
    let text = instance.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn summary(failures: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (i, f) in failures.iter().enumerate() {
        let _ = write!(
            out,
            "[{i}] {}; ",
            if f.is_empty() {
                "matches".into()
            } else {
                f.join(", ")
            }
        );
    }
    out
}

/// Refuses keywords outside [`ASSERTIONS`] and [`ANNOTATIONS`], at any depth.
fn check_keywords(schema: &Value, at: &str) -> Result<(), String> {
    let object = match schema {
        Value::Bool(_) => return Ok(()),
        Value::Object(object) => object,
        _ => return Err(format!("{at}: a schema must be an object or a boolean")),
    };
    for (keyword, value) in object {
        let here = format!("{at}/{keyword}");
        if !ASSERTIONS.contains(&keyword.as_str()) && !ANNOTATIONS.contains(&keyword.as_str()) {
            return Err(format!(
                "{here}: the keyword `{keyword}` is not implemented by this validator"
            ));
        }
        match keyword.as_str() {
            "properties" | "$defs" => {
                for (name, sub) in value.as_object().ok_or(format!("{here}: not an object"))? {
                    check_keywords(sub, &format!("{here}/{name}"))?;
                }
            }
            "items" | "additionalProperties" => check_keywords(value, &here)?,
            "anyOf" | "oneOf" | "allOf" => {
                for (i, sub) in value
                    .as_array()
                    .ok_or(format!("{here}: not an array"))?
                    .iter()
                    .enumerate()
                {
                    check_keywords(sub, &format!("{here}/{i}"))?;
                }
            }
            "$ref" if !value.as_str().is_some_and(|r| r.starts_with("#/$defs/")) => {
                return Err(format!(
                    "{here}: only references into #/$defs are implemented"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
