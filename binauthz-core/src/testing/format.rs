//! The test-file format (spec/README.md §14): the policy and attestors under test, shared
//! attestations, and cases with what each must decide. Read with the core's document reader and
//! validated with field paths; an unknown field, a case without an expectation or an empty suite
//! is an error, so a test file can never make a policy look correct by accident.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorCode;
use crate::error::InputError;
use crate::limits::{MAX_ATTESTORS, MAX_CONFIG_BYTES, MAX_TEST_CASES};
use crate::model::context::Context;
use crate::text::document;

/// A test file: one policy, its attestors, and the cases it must decide.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Suite {
    /// The policy file under test (YAML or JSON, as `gcloud container binauthz policy export`
    /// prints it), relative to the test file.
    pub policy: String,
    /// Attestor files (one attestor or a list each), relative to the test file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestors: Vec<String>,
    /// Attestations every case has, before its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<AttestationSource>,
    /// The cases, in order (at least one).
    pub cases: Vec<Case>,
}

/// One case: a request and what the policy must decide for it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Case {
    /// The case's name, unique within the file.
    pub name: String,
    /// The images to evaluate; or give `object`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// A Kubernetes or Cloud Run object (a file relative to the test file, or the object
    /// inline) whose images and context are evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Value>"))]
    pub object: Option<ObjectSource>,
    /// Where the images are deployed (spec §8.1's context).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// When key and signature expiry is judged (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_time: Option<String>,
    /// Attestations of this case, after the suite's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<AttestationSource>,
    /// What the policy must decide (required, and never empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expectation>,
}

/// A case's object: a file, or the object itself.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ObjectSource {
    /// A Kubernetes or Cloud Run file, relative to the test file.
    File(String),
    /// The object inline.
    Inline(serde_json::Map<String, Value>),
}

/// Attestations: a file of occurrences, or occurrences signed on the fly with a test key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum AttestationSource {
    /// An attestations file (one occurrence, a list, a Container Analysis list response or a
    /// YAML stream), relative to the test file.
    File(String),
    /// Occurrences signed when the test runs.
    Sign {
        /// What to sign.
        sign: SignEntry,
    },
}

/// Sign images with a test key, as `binauthz sign` does (the CLI only: private keys stay out of
/// the core).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignEntry {
    /// The private key (unencrypted PEM), relative to the test file.
    pub key: String,
    /// The attestor to sign for (`projects/PROJECT/attestors/NAME`), one of the suite's.
    pub attestor: String,
    /// The images to sign, by digest.
    pub images: Vec<String>,
}

/// What a case expects. At least one of its fields.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expectation {
    /// Whether the request is admitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<bool>,
    /// The same as `allowed`, in words (give one of the two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionWord>,
    /// Per image, keyed by the image reference as the request has it or by its index (`"0"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<String, ImageExpectation>,
}

/// A request's outcome in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum DecisionWord {
    /// Admitted.
    Allowed,
    /// Not admitted.
    Blocked,
}

/// What one image's decision must say. At least one field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageExpectation {
    /// The verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<ExpectedVerdict>,
    /// The kind of rule that applied (`default`, `cluster`, `namespace`, `serviceAccount`,
    /// `istioIdentity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<ExpectedRule>,
    /// The stage that settled the image (spec §8.2's `stage`, e.g. `allowlist`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Reason kinds that must all appear among the image's reasons (spec §8.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reason_kinds: Vec<String>,
}

/// A verdict, as decisions write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpectedVerdict {
    /// Conformant.
    Allowed,
    /// Blocked.
    Denied,
    /// A violation under a dry-run rule.
    DryRunViolation,
    /// A violation admitted by breakglass.
    Breakglass,
}

/// A rule kind, as decisions write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ExpectedRule {
    /// `defaultAdmissionRule`.
    Default,
    /// A cluster rule.
    Cluster,
    /// A namespace rule.
    Namespace,
    /// A service-account rule.
    ServiceAccount,
    /// An Istio identity rule.
    IstioIdentity,
}

impl Expectation {
    /// Whether the request must be admitted, if the expectation says.
    pub fn admitted(&self) -> Option<bool> {
        self.allowed
            .or(self.decision.map(|d| d == DecisionWord::Allowed))
    }
}

impl Suite {
    /// Reads and validates a test file (YAML or JSON).
    pub fn parse(text: &str) -> Result<Suite, InputError> {
        let value = document::parse(text, MAX_CONFIG_BYTES)?;
        if !value.is_object() {
            return Err(InputError::invalid(
                "",
                "a test file must be a mapping with `policy` and `cases`",
            ));
        }
        let suite: Suite = document::from_value(value)?;
        suite.validate()?;
        Ok(suite)
    }

    /// Checks what serde cannot: a non-empty suite, unique case names, one of `images` and
    /// `object`, and an expectation that says something.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.policy.trim().is_empty() {
            return Err(InputError::invalid("policy", "names no file"));
        }
        if self.cases.is_empty() {
            return Err(InputError::invalid(
                "cases",
                "the suite has no cases; an empty suite would pass without testing anything",
            ));
        }
        if self.attestors.len() > MAX_ATTESTORS {
            // Each file holds at least one attestor, and a config at most this many.
            return Err(InputError::new(
                ErrorCode::Limit,
                "attestors",
                format!(
                    "more than {MAX_ATTESTORS} attestor files (a config holds at most {MAX_ATTESTORS} attestors)"
                ),
            ));
        }
        if self.cases.len() > MAX_TEST_CASES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "cases",
                format!("more than {MAX_TEST_CASES} cases in one test file; split it"),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, case) in self.cases.iter().enumerate() {
            let at = format!("cases[{i}]");
            case.validate().map_err(|e| e.within(&at))?;
            if !names.insert(case.name.as_str()) {
                return Err(InputError::invalid(
                    format!("{at}.name"),
                    format!("`{}` names an earlier case too", case.name),
                ));
            }
        }
        Ok(())
    }
}

impl Case {
    fn validate(&self) -> Result<(), InputError> {
        if self.name.trim().is_empty() {
            return Err(InputError::invalid("name", "a case needs a name"));
        }
        match (&self.images, &self.object) {
            (Some(_), Some(_)) => {
                return Err(InputError::invalid(
                    "object",
                    "give either `images` or `object`, not both",
                ));
            }
            (None, None) => {
                return Err(InputError::invalid(
                    "images",
                    "a case needs `images` or an `object`",
                ));
            }
            (Some(images), None) if images.is_empty() => {
                return Err(InputError::invalid("images", "the list is empty"));
            }
            _ => {}
        }
        let Some(expect) = &self.expect else {
            return Err(InputError::invalid(
                "expect",
                "a case needs an expectation: `allowed`, `decision` or `images`",
            ));
        };
        if expect.allowed.is_some() && expect.decision.is_some() {
            return Err(InputError::invalid(
                "expect.decision",
                "give `allowed` or `decision`, not both",
            ));
        }
        if expect.admitted().is_none() && expect.images.is_empty() {
            return Err(InputError::invalid(
                "expect",
                "the expectation is empty: say `allowed`, `decision` or what `images` must be",
            ));
        }
        for (key, image) in &expect.images {
            if image.verdict.is_none()
                && image.rule.is_none()
                && image.stage.is_none()
                && image.reason_kinds.is_empty()
            {
                return Err(InputError::invalid(
                    format!("expect.images.{key}"),
                    "the expectation is empty: say `verdict`, `rule`, `stage` or `reasonKinds`",
                ));
            }
        }
        for (i, source) in self.attestations.iter().enumerate() {
            if let AttestationSource::Sign { sign } = source
                && sign.images.is_empty()
            {
                return Err(InputError::invalid(
                    format!("attestations[{i}].sign.images"),
                    "the list is empty",
                ));
            }
        }
        Ok(())
    }
}
