//! The engine config: one policy and the attestors it names (spec/README.md §2).

use serde::Deserialize;
use serde_json::Value;

use crate::error::{InputError, InputResult};
use crate::limits::MAX_CONFIG_BYTES;
use crate::model::attestor::Attestor;
use crate::model::policy::Policy;
use crate::text::document;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    /// The policy (spec §2.1).
    #[cfg_attr(
        feature = "schema",
        schemars(required, with = "crate::schema::PolicyDocument")
    )]
    policy: Option<Value>,
    /// The attestors the policy names (spec §2.2); may be left out or null when no rule
    /// requires attestations.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<crate::schema::AttestorDocument>>")
    )]
    attestors: Option<Value>,
}

/// A parsed config: the policy and the attestors.
#[derive(Debug, Clone)]
pub struct Config {
    /// The policy.
    pub policy: Policy,
    /// The attestors (at least those the policy names).
    pub attestors: Vec<Attestor>,
}

impl Config {
    /// Parses `{"policy": {...}, "attestors": [...]}` (YAML or JSON).
    pub fn parse(text: &str) -> InputResult<Self> {
        Self::from_value(document::parse(text, MAX_CONFIG_BYTES)?)
    }

    /// Parses config bytes, rejecting text that is not UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> InputResult<Self> {
        Self::from_value(document::parse_bytes(bytes, MAX_CONFIG_BYTES)?)
    }

    /// Validates a parsed config document.
    pub fn from_value(value: Value) -> InputResult<Self> {
        if !value.is_object() {
            return Err(InputError::invalid(
                "",
                "a config must be a mapping with `policy` and `attestors`",
            ));
        }
        document::require_mappings(&value, &["policy"])?;
        let raw: RawConfig = document::from_value(value)?;
        let policy = raw
            .policy
            .ok_or_else(|| InputError::invalid("policy", "field is required"))?;
        let policy = Policy::from_value(policy).map_err(|e| e.within("policy"))?;
        let attestors = match raw.attestors {
            None | Some(Value::Null) => Vec::new(),
            Some(v @ Value::Array(_)) => {
                Attestor::from_value_many(v).map_err(|e| e.within("attestors"))?
            }
            Some(_) => {
                return Err(InputError::invalid(
                    "attestors",
                    "expected a list of attestors",
                ));
            }
        };
        Ok(Config { policy, attestors })
    }
}
