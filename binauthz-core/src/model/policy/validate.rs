//! Validation that reports every error of a policy (or attestor) document, not just the first.
//!
//! [`Policy::parse`] stops at the first error. [`Policy::validate`] reads the document section by
//! section from the parsed value — each top-level field, each allowlist pattern, each rule, each
//! field of a rule, each map key — so that one bad rule does not hide the errors of the others.
//! Every error it reports is one `Policy::parse` would report if it were the only one, with the
//! same path and message; and when it reports none, the policy is exactly what `Policy::parse`
//! returns.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::raw::{RawPattern, RawPolicy, RawRule};
use super::rule::Unreadable;
use super::{
    AdmissionRule, Policy, RuleKind, SPECIFIC_KINDS, allowlist_entry, check_name, duplicate_key,
    global_mode, missing_default_rule, prepare, several_kinds, shape, too_many,
};
use crate::error::{ErrorCode, InputError, join_path};
use crate::limits::{MAX_ATTESTORS, MAX_CONFIG_BYTES, MAX_POLICY_ENTRIES};
use crate::model::attestor::Attestor;
use crate::text::document;

impl Policy {
    /// Parses and validates a policy document (YAML or JSON), reporting every error found (each
    /// with its field path) instead of only the first. On success the policy is the one
    /// [`Policy::parse`] returns.
    ///
    /// ```
    /// use binauthz_core::Policy;
    ///
    /// let errors = Policy::validate(
    ///     "defaultAdmissionRule: {evaluationMode: ALWAYS_MAYBE}\nglobalPolicyEvaluationMode: ON\n",
    /// )
    /// .unwrap_err();
    /// let paths: Vec<&str> = errors.iter().map(|e| e.path()).collect();
    /// assert_eq!(
    ///     paths,
    ///     ["globalPolicyEvaluationMode", "defaultAdmissionRule.evaluationMode",
    ///      "defaultAdmissionRule.enforcementMode"]
    /// );
    /// ```
    pub fn validate(text: &str) -> Result<Policy, Vec<InputError>> {
        let value = document::parse(text, MAX_CONFIG_BYTES).map_err(|e| vec![e])?;
        Self::validate_value(value)
    }

    /// Like [`Policy::validate`], for an already-parsed document.
    pub fn validate_value(value: Value) -> Result<Policy, Vec<InputError>> {
        // Not a mapping, or a platform policy: the document as a whole is wrong.
        let (map, single_values) = prepare(value).map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        top_level_fields(&map, &mut errors);
        allowlist(map.get("admissionWhitelistPatterns"), &mut errors);
        match map.get("defaultAdmissionRule") {
            None | Some(Value::Null) => errors.push(missing_default_rule()),
            Some(v) => rule(v, "defaultAdmissionRule", &mut errors),
        }
        specific_rules(&map, &mut errors);
        if errors.is_empty() {
            // Every section passed on its own; build the policy exactly as `parse` does.
            Self::from_prepared(map, single_values).map_err(|e| vec![e])
        } else {
            Err(errors)
        }
    }

    /// One [`ErrorCode::Reference`] error for each attestor the policy requires that is not in
    /// `attestors`, at the path of the first rule naming it (as [`crate::Engine::new`] reports).
    pub fn missing_attestors(&self, attestors: &[Attestor]) -> Vec<InputError> {
        self.required_attestors()
            .into_iter()
            .filter(|(name, _)| !attestors.iter().any(|a| a.name() == *name))
            .map(|(name, path)| {
                InputError::new(
                    ErrorCode::Reference,
                    path,
                    format!(
                        "the policy requires attestor `{name}`, but no attestor with that name was given"
                    ),
                )
            })
            .collect()
    }
}

/// Parses an attestor document (one attestor or a list) and validates each attestor on its own,
/// reporting the first error of every attestor (paths `[i]....` for a list) and attestors defined
/// twice, instead of stopping at the first bad attestor like [`Attestor::parse_many`].
pub fn validate_attestors(text: &str) -> Result<Vec<Attestor>, Vec<InputError>> {
    let value = document::parse(text, MAX_CONFIG_BYTES).map_err(|e| vec![e])?;
    let Value::Array(items) = value else {
        return Attestor::from_value(value)
            .map(|a| vec![a])
            .map_err(|e| vec![e]);
    };
    if items.len() > MAX_ATTESTORS {
        return Err(vec![InputError::new(
            ErrorCode::Limit,
            "",
            format!("more than {MAX_ATTESTORS} attestors"),
        )]);
    }
    let mut errors = Vec::new();
    let mut attestors: Vec<Attestor> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match Attestor::from_value(item) {
            Err(e) => errors.push(e.within(&format!("[{i}]"))),
            Ok(a) if attestors.iter().any(|seen| seen.name() == a.name()) => {
                errors.push(InputError::invalid(
                    format!("[{i}].name"),
                    format!("attestor `{}` is defined twice", a.name()),
                ));
            }
            Ok(a) => attestors.push(a),
        }
    }
    if errors.is_empty() {
        Ok(attestors)
    } else {
        Err(errors)
    }
}

/// serde's error for the one-field object `{key: value}` read as `T`: an unknown field, a wrong
/// type or an unknown enum value, with the path and message a whole-document read gives.
fn field<T: DeserializeOwned>(key: &str, value: &Value, parent: &str) -> Result<T, InputError> {
    let mut one = Map::new();
    one.insert(key.to_owned(), value.clone());
    document::from_value::<T>(Value::Object(one)).map_err(|e| e.within(parent))
}

/// Fields validated section by section rather than as a whole.
fn is_section(key: &str) -> bool {
    key == "admissionWhitelistPatterns"
        || key == "defaultAdmissionRule"
        || SPECIFIC_KINDS.iter().any(|k| k.field() == key)
}

/// The scalar fields (`name` and `globalPolicyEvaluationMode` first, then `description`, `etag`
/// and `updateTime`) and unknown fields: serde's type errors, then each field's own rule.
fn top_level_fields(map: &Map<String, Value>, errors: &mut Vec<InputError>) {
    let first = ["name", "globalPolicyEvaluationMode"];
    let fields = first.iter().filter_map(|k| map.get_key_value(*k)).chain(
        map.iter()
            .filter(|(k, _)| !is_section(k) && !first.contains(&k.as_str())),
    );
    for (key, value) in fields {
        let raw = match field::<RawPolicy>(key, value, "") {
            Ok(raw) => raw,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let checked = match key.as_str() {
            "name" => raw.name.as_deref().map_or(Ok(()), check_name),
            "globalPolicyEvaluationMode" => {
                global_mode(raw.global_policy_evaluation_mode.as_deref()).map(|_| ())
            }
            _ => Ok(()),
        };
        if let Err(e) = checked {
            errors.push(e);
        }
    }
}

/// `admissionWhitelistPatterns`: each pattern on its own.
fn allowlist(value: Option<&Value>, errors: &mut Vec<InputError>) {
    const FIELD: &str = "admissionWhitelistPatterns";
    let items = match value {
        None => return,
        Some(Value::Array(items)) => items,
        Some(other) => {
            // null is an absent list; anything else is serde's type error.
            if let Err(e) = field::<RawPolicy>(FIELD, other, "") {
                errors.push(e);
            }
            return;
        }
    };
    if items.len() > MAX_POLICY_ENTRIES {
        errors.push(too_many(FIELD));
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let at = format!("{FIELD}[{i}]");
        let result = shape::expect_mapping(item, &at, shape::PATTERN)
            .and_then(|()| {
                document::from_value::<RawPattern>(item.clone()).map_err(|e| e.within(&at))
            })
            .and_then(|raw| allowlist_entry(i, raw));
        if let Err(e) = result {
            errors.push(e);
        }
    }
}

/// One admission rule at `path`: every field on its own, then the rule's own checks.
fn rule(value: &Value, path: &str, errors: &mut Vec<InputError>) {
    let Some(map) = value.as_object() else {
        errors.extend(shape::expect_mapping(value, path, shape::RULE).err());
        return;
    };
    let mut unreadable = Unreadable::default();
    let mut readable = Map::new();
    for (key, v) in map {
        let ok = match (key.as_str(), v) {
            ("requireAttestationsBy", Value::Array(names)) => {
                let list = join_path(path, key);
                let before = errors.len();
                for (i, name) in names.iter().enumerate() {
                    if let Err(e) = document::from_value::<String>(name.clone()) {
                        errors.push(e.within(&format!("{list}[{i}]")));
                    }
                }
                errors.len() == before
            }
            _ => field::<RawRule>(key, v, path)
                .map_err(|e| errors.push(e))
                .is_ok(),
        };
        if ok {
            readable.insert(key.clone(), v.clone());
        } else {
            match key.as_str() {
                "evaluationMode" => unreadable.evaluation_mode = true,
                "enforcementMode" => unreadable.enforcement_mode = true,
                "requireAttestationsBy" => unreadable.attestors = true,
                _ => {}
            }
        }
    }
    match document::from_value::<RawRule>(Value::Object(readable)) {
        Err(e) => errors.push(e.within(path)),
        Ok(raw) => {
            if let Err(found) = AdmissionRule::check(&raw, path, unreadable) {
                errors.extend(found);
            }
        }
    }
}

/// The four specific-rule maps: at most one kind, then every key and rule of every map.
fn specific_rules(map: &Map<String, Value>, errors: &mut Vec<InputError>) {
    let present: Vec<RuleKind> = SPECIFIC_KINDS
        .into_iter()
        .filter(|k| {
            map.get(k.field())
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
        })
        .collect();
    if let Some(e) = several_kinds(&present) {
        errors.push(e);
    }
    for kind in SPECIFIC_KINDS {
        let rules = match map.get(kind.field()) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(rules)) => rules,
            Some(other) => {
                let what = shape::rules_map(kind);
                errors.extend(shape::expect_mapping(other, kind.field(), &what).err());
                continue;
            }
        };
        if rules.len() > MAX_POLICY_ENTRIES {
            errors.push(too_many(kind.field()));
            continue;
        }
        let mut seen = BTreeSet::new();
        for (key, value) in rules {
            let path = format!("{}.{key}", kind.field());
            match kind.key_check()(key) {
                Err(m) => errors.push(InputError::invalid(&path, m)),
                Ok(normalized) => {
                    if !seen.insert(normalized) {
                        errors.push(duplicate_key(path.clone(), key));
                    }
                }
            }
            rule(value, &path, errors);
        }
    }
}
