//! How gcloud reads the shape of a policy document before its fields, shared by the parser and
//! the collecting validator so that both report the same errors. The rules every GCP document
//! shares (attestors too) are in `crate::text::document::shape`.
//!
//! gcloud's `policy import` decodes YAML with apitools' protojson reader, which wraps a single
//! value given for a repeated field into a one-element list and skips fields set to null
//! (`apitools/base/protorpclite/protojson.py`, `__decode_dictionary`). binauthz reads the same
//! documents: [`wrap_single`] does the wrapping, and serde's `Option` already reads null as
//! absent. Where a mapping is expected and something else is found, the error says what was
//! expected in GCP's terms ([`expect_mapping`]), never serde's name for a Rust type, and a
//! sequence is never read as a struct field by field.

use serde_json::{Map, Value};

use crate::error::{ErrorCode, InputError, InputResult};
pub(crate) use crate::text::document::shape::{
    expect_mapping, expect_mapping_or_null, wrap_single,
};

use super::RuleKind;

/// What an admission rule holds, for errors.
pub(super) const RULE: &str =
    "a mapping with evaluationMode, enforcementMode and requireAttestationsBy";

/// What an allowlist entry holds, for errors.
pub(super) const PATTERN: &str = "a mapping with namePattern (`- namePattern: IMAGE`)";

/// What a map of specific rules holds, for errors.
pub(super) fn rules_map(kind: RuleKind) -> String {
    let key = match kind {
        RuleKind::Cluster => "LOCATION.CLUSTER_ID",
        RuleKind::Namespace => "namespace",
        RuleKind::ServiceAccount => "NAMESPACE:SERVICE_ACCOUNT",
        RuleKind::IstioIdentity => "Istio identity",
        RuleKind::Default => "key",
    };
    format!("a mapping from {key} to admission rules")
}

/// The policy fields that are repeated, below the root: the allowlist, and each rule's
/// attestors. Wraps every one given as a single value and returns their paths, in the order the
/// validator reports sections.
pub(super) fn wrap_policy(map: &mut Map<String, Value>, kinds: &[RuleKind]) -> Vec<String> {
    let mut wrapped = Vec::new();
    if wrap_single(map, "admissionWhitelistPatterns") {
        wrapped.push("admissionWhitelistPatterns".to_owned());
    }
    if let Some(Value::Object(rule)) = map.get_mut("defaultAdmissionRule")
        && wrap_single(rule, "requireAttestationsBy")
    {
        wrapped.push("defaultAdmissionRule.requireAttestationsBy".to_owned());
    }
    for kind in kinds {
        let Some(Value::Object(rules)) = map.get_mut(kind.field()) else {
            continue;
        };
        for (key, rule) in rules.iter_mut() {
            if let Value::Object(rule) = rule
                && wrap_single(rule, "requireAttestationsBy")
            {
                wrapped.push(format!("{}.{key}.requireAttestationsBy", kind.field()));
            }
        }
    }
    wrapped
}

/// A check-based platform policy (`gkePolicy`) is another resource with another schema; it is
/// refused as such rather than as an unknown field of a project policy.
pub(super) fn platform_policy(map: &Map<String, Value>) -> InputResult<()> {
    if map.contains_key("gkePolicy") {
        return Err(InputError::new(
            ErrorCode::Unsupported,
            "gkePolicy",
            "this is a check-based platform policy (`gcloud beta container binauthz policy create --platform=gke`), which binauthz does not read; give the project's policy, as `gcloud container binauthz policy export` prints it",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_value_becomes_a_list_of_one() {
        let mut map = json!({"a": "x", "b": ["y"], "c": null, "d": {"k": 1}})
            .as_object()
            .cloned()
            .unwrap();
        assert!(wrap_single(&mut map, "a"));
        assert!(!wrap_single(&mut map, "b"));
        assert!(!wrap_single(&mut map, "c"));
        assert!(wrap_single(&mut map, "d"));
        assert!(!wrap_single(&mut map, "missing"));
        assert_eq!(
            Value::Object(map),
            json!({"a": ["x"], "b": ["y"], "c": null, "d": [{"k": 1}]})
        );
    }

    #[test]
    fn a_mapping_error_says_what_was_expected_and_found() {
        let e = expect_mapping(&json!("ALWAYS_ALLOW"), "defaultAdmissionRule", RULE).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`defaultAdmissionRule`: expected a mapping with evaluationMode, enforcementMode and requireAttestationsBy, found a string"
        );
        assert!(expect_mapping_or_null(&Value::Null, "x", RULE).is_ok());
        assert!(expect_mapping(&Value::Null, "x", RULE).is_err());
    }
}
