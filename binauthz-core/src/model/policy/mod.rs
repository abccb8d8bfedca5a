//! The Binary Authorization policy (`projects/P/policy`), as `gcloud container binauthz policy
//! export` prints it, validated into a form in which ambiguous policies cannot exist.

mod keys;
mod raw;
mod rule;
pub(crate) mod shape;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

pub(crate) use keys::{is_gcp_location, is_label, is_subdomain, normalize_istio};
pub use rule::{AdmissionRule, EnforcementMode, EvaluationMode, RuleAction};

use crate::error::{InputError, InputResult};
use crate::limits::{MAX_CONFIG_BYTES, MAX_POLICY_ENTRIES};
use crate::model::allowlist::AllowlistPattern;
use crate::model::names::AttestorName;
use crate::text::document;
use raw::{GcpEnum as _, RawGlobalMode, RawPattern, RawPolicy, RawRule};
pub use validate::validate_attestors;

/// Whether Google's system-image exemptions apply (`globalPolicyEvaluationMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GlobalPolicyEvaluationMode {
    /// Exempt Google's documented system images.
    Enable,
    /// Do not (the default when the field is absent).
    Disable,
}

/// Which kind of specific rule a rule is, or the default rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum RuleKind {
    /// `defaultAdmissionRule`.
    Default,
    /// `clusterAdmissionRules`, keyed by `LOCATION.CLUSTER_ID`.
    Cluster,
    /// `kubernetesNamespaceAdmissionRules`, keyed by namespace.
    Namespace,
    /// `kubernetesServiceAccountAdmissionRules`, keyed by `NAMESPACE:NAME`.
    ServiceAccount,
    /// `istioServiceIdentityAdmissionRules`, keyed by identity without `spiffe://`.
    IstioIdentity,
}

impl RuleKind {
    /// How GCP's denial text names a rule of this kind.
    pub fn phrase(self) -> &'static str {
        match self {
            RuleKind::Default => "default admission rule",
            RuleKind::Cluster => "cluster admission rule",
            RuleKind::Namespace => "Kubernetes namespace admission rule",
            RuleKind::ServiceAccount => "Kubernetes service account admission rule",
            RuleKind::IstioIdentity => "Istio service identity admission rule",
        }
    }

    /// The policy field that holds rules of this kind.
    pub fn field(self) -> &'static str {
        match self {
            RuleKind::Default => "defaultAdmissionRule",
            RuleKind::Cluster => "clusterAdmissionRules",
            RuleKind::Namespace => "kubernetesNamespaceAdmissionRules",
            RuleKind::ServiceAccount => "kubernetesServiceAccountAdmissionRules",
            RuleKind::IstioIdentity => "istioServiceIdentityAdmissionRules",
        }
    }

    /// The kind's name in decisions and audit records: `default`, `cluster`, `namespace`,
    /// `serviceAccount` or `istioIdentity`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Default => "default",
            RuleKind::Cluster => "cluster",
            RuleKind::Namespace => "namespace",
            RuleKind::ServiceAccount => "serviceAccount",
            RuleKind::IstioIdentity => "istioIdentity",
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The specific rules of a policy: GCP allows one kind per policy, so this holds one kind or none.
/// Keys are normalised (Istio identities without `spiffe://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificRules {
    kind: Option<RuleKind>,
    rules: BTreeMap<String, AdmissionRule>,
}

impl SpecificRules {
    /// The kind of the specific rules, or `None` when the policy has only a default rule.
    pub fn kind(&self) -> Option<RuleKind> {
        self.kind
    }

    /// The rule for a normalised key.
    pub fn get(&self, key: &str) -> Option<&AdmissionRule> {
        self.rules.get(key)
    }

    /// Every (key, rule) pair, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &AdmissionRule)> {
        self.rules.iter().map(|(k, r)| (k.as_str(), r))
    }
}

/// A validated policy.
///
/// Two policies are equal when they say the same thing, however their lists were written
/// (a single value or a list of one, `shape`).
#[derive(Debug, Clone)]
pub struct Policy {
    name: Option<String>,
    description: Option<String>,
    global_mode: GlobalPolicyEvaluationMode,
    global_mode_set: bool,
    allowlist: Vec<AllowlistPattern>,
    default_rule: AdmissionRule,
    specific: SpecificRules,
    etag: Option<String>,
    update_time: Option<String>,
    /// Paths of the repeated fields the document gave a single value (for `policy lint`).
    single_values: Vec<String>,
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        // `single_values` is how the document was written, not what the policy says.
        self.name == other.name
            && self.description == other.description
            && self.global_mode == other.global_mode
            && self.global_mode_set == other.global_mode_set
            && self.allowlist == other.allowlist
            && self.default_rule == other.default_rule
            && self.specific == other.specific
            && self.etag == other.etag
            && self.update_time == other.update_time
    }
}

impl Eq for Policy {}

impl Policy {
    /// Parses a policy document (YAML or JSON).
    pub fn parse(text: &str) -> InputResult<Self> {
        Self::from_value(document::parse(text, MAX_CONFIG_BYTES)?)
    }

    /// Validates an already-parsed policy document.
    pub fn from_value(value: Value) -> InputResult<Self> {
        let (map, single_values) = prepare(value)?;
        Self::from_prepared(map, single_values)
    }

    /// Validates a document [`prepare`] has read.
    fn from_prepared(map: Map<String, Value>, single_values: Vec<String>) -> InputResult<Self> {
        check_shapes(&map)?;
        let raw: RawPolicy = document::from_value(Value::Object(map))?;
        Self::from_raw(raw, single_values)
    }

    fn from_raw(raw: RawPolicy, single_values: Vec<String>) -> InputResult<Self> {
        if let Some(name) = &raw.name {
            check_name(name)?;
        }
        let global_mode_set = raw.global_policy_evaluation_mode.is_some();
        let global_mode = global_mode(raw.global_policy_evaluation_mode.as_deref())?;
        let patterns = raw.admission_whitelist_patterns.unwrap_or_default();
        if patterns.len() > MAX_POLICY_ENTRIES {
            return Err(too_many("admissionWhitelistPatterns"));
        }
        let mut allowlist = Vec::with_capacity(patterns.len());
        for (i, p) in patterns.into_iter().enumerate() {
            allowlist.push(allowlist_entry(i, p)?);
        }
        let default_rule = match raw.default_admission_rule {
            Some(r) => AdmissionRule::from_raw(r, "defaultAdmissionRule")?,
            None => return Err(missing_default_rule()),
        };
        let specific = specific_rules(
            raw.cluster_admission_rules,
            raw.kubernetes_namespace_admission_rules,
            raw.kubernetes_service_account_admission_rules,
            raw.istio_service_identity_admission_rules,
        )?;
        Ok(Policy {
            name: raw.name,
            description: raw.description,
            global_mode,
            global_mode_set,
            allowlist,
            default_rule,
            specific,
            etag: raw.etag,
            update_time: raw.update_time,
            single_values,
        })
    }

    /// The policy's resource name, if the document had one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// `globalPolicyEvaluationMode` (absent means DISABLE).
    pub fn global_mode(&self) -> GlobalPolicyEvaluationMode {
        self.global_mode
    }

    /// Whether the document set `globalPolicyEvaluationMode` (rather than leaving it to mean
    /// DISABLE).
    pub fn global_mode_is_set(&self) -> bool {
        self.global_mode_set
    }

    /// `admissionWhitelistPatterns`, in order.
    pub fn allowlist(&self) -> &[AllowlistPattern] {
        &self.allowlist
    }

    /// `defaultAdmissionRule`.
    pub fn default_rule(&self) -> &AdmissionRule {
        &self.default_rule
    }

    /// The specific rules (at most one kind).
    pub fn specific_rules(&self) -> &SpecificRules {
        &self.specific
    }

    /// `etag`, carried through unchanged.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// `updateTime`, carried through unchanged.
    pub fn update_time(&self) -> Option<&str> {
        self.update_time.as_deref()
    }

    /// The paths of the repeated fields that the document gave a single value (gcloud reads
    /// such a value as a list of one), in document order: `admissionWhitelistPatterns`,
    /// `defaultAdmissionRule.requireAttestationsBy`, `clusterAdmissionRules.KEY.requireAttestationsBy`.
    pub fn single_values(&self) -> &[String] {
        &self.single_values
    }

    /// Every attestor any rule requires, with the field path of the first rule naming it.
    pub fn required_attestors(&self) -> Vec<(&AttestorName, String)> {
        let mut rules: Vec<(&AdmissionRule, String)> =
            vec![(&self.default_rule, "defaultAdmissionRule".to_owned())];
        if let Some(kind) = self.specific.kind {
            for (key, rule) in &self.specific.rules {
                rules.push((rule, format!("{}.{key}", kind.field())));
            }
        }
        let mut out: Vec<(&AttestorName, String)> = Vec::new();
        for (rule, path) in rules {
            for (i, a) in rule.required_attestors().iter().enumerate() {
                if !out.iter().any(|(seen, _)| *seen == a) {
                    out.push((a, format!("{path}.requireAttestationsBy[{i}]")));
                }
            }
        }
        out
    }
}

fn not_a_mapping() -> InputError {
    InputError::invalid(
        "",
        "a policy must be a mapping with at least defaultAdmissionRule",
    )
}

/// The document as gcloud reads it: a mapping that is not a platform policy, with every single
/// value of a repeated field wrapped in a list (and the paths of those fields).
fn prepare(value: Value) -> InputResult<(Map<String, Value>, Vec<String>)> {
    let Value::Object(mut map) = value else {
        return Err(not_a_mapping());
    };
    shape::platform_policy(&map)?;
    let single_values = shape::wrap_policy(&mut map, &SPECIFIC_KINDS);
    Ok((map, single_values))
}

/// The specific-rule kinds, in the order their errors are reported.
pub(super) const SPECIFIC_KINDS: [RuleKind; 4] = [
    RuleKind::Cluster,
    RuleKind::Namespace,
    RuleKind::ServiceAccount,
    RuleKind::IstioIdentity,
];

/// Every place that must hold a mapping does (null being the field left out), before serde reads
/// the fields: the first error, in the order the validator checks sections.
fn check_shapes(map: &Map<String, Value>) -> InputResult<()> {
    if let Some(Value::Array(items)) = map.get("admissionWhitelistPatterns") {
        for (i, item) in items.iter().enumerate() {
            shape::expect_mapping(
                item,
                &format!("admissionWhitelistPatterns[{i}]"),
                shape::PATTERN,
            )?;
        }
    }
    if let Some(rule) = map.get("defaultAdmissionRule") {
        shape::expect_mapping_or_null(rule, "defaultAdmissionRule", shape::RULE)?;
    }
    for kind in SPECIFIC_KINDS {
        let Some(rules) = map.get(kind.field()) else {
            continue;
        };
        shape::expect_mapping_or_null(rules, kind.field(), &shape::rules_map(kind))?;
        for (key, rule) in rules.as_object().into_iter().flatten() {
            shape::expect_mapping(rule, &format!("{}.{key}", kind.field()), shape::RULE)?;
        }
    }
    Ok(())
}

/// The name must have the form `projects/PROJECT/policy` (or `locations/LOCATION/policy`, the
/// system policy). The project may be empty or not a project id: gcloud's `policy import`
/// replaces the name with the current project's (`api_lib/container/binauthz/policies.py`,
/// `Client.Set`), so such a name imports; `policy lint` reports it (BZ031, BZ032).
fn check_name(name: &str) -> InputResult<()> {
    let project = name
        .strip_suffix("/policy")
        .and_then(|p| p.strip_prefix("projects/"));
    let location = name
        .strip_suffix("/policy")
        .and_then(|p| p.strip_prefix("locations/"));
    let ok = project.is_some_and(|id| !id.contains('/'))
        || location.is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if ok {
        Ok(())
    } else {
        Err(InputError::invalid(
            "name",
            format!("`{name}` is not a policy name of the form projects/PROJECT/policy"),
        ))
    }
}

fn global_mode(raw: Option<&str>) -> InputResult<GlobalPolicyEvaluationMode> {
    match raw.map(RawGlobalMode::read) {
        None | Some(Ok(RawGlobalMode::Disable)) => Ok(GlobalPolicyEvaluationMode::Disable),
        Some(Ok(RawGlobalMode::Enable)) => Ok(GlobalPolicyEvaluationMode::Enable),
        Some(Err(message)) => Err(InputError::invalid(
            "globalPolicyEvaluationMode",
            format!("{message} (or leave the field out)"),
        )),
    }
}

fn allowlist_entry(i: usize, raw: RawPattern) -> InputResult<AllowlistPattern> {
    let path = format!("admissionWhitelistPatterns[{i}].namePattern");
    let text = raw
        .name_pattern
        .ok_or_else(|| InputError::invalid(&path, "field is required"))?;
    AllowlistPattern::parse(&text).map_err(|e| InputError::invalid(&path, e.to_string()))
}

fn missing_default_rule() -> InputError {
    InputError::invalid(
        "defaultAdmissionRule",
        "field is required: every policy needs a default rule",
    )
}

/// The error for a policy that sets several kinds of specific rule (`present` in field order).
fn several_kinds(present: &[RuleKind]) -> Option<InputError> {
    if present.len() <= 1 {
        return None;
    }
    let names: Vec<&str> = present.iter().map(|k| k.field()).collect();
    Some(InputError::invalid(
        names.get(1).copied().unwrap_or_default(),
        format!(
            "a policy may set only one kind of specific rule, but this one sets {}",
            names.join(" and ")
        ),
    ))
}

type KeyCheck = fn(&str) -> Result<String, String>;

impl RuleKind {
    fn key_check(self) -> KeyCheck {
        match self {
            RuleKind::Cluster => keys::cluster,
            RuleKind::Namespace => keys::namespace,
            RuleKind::ServiceAccount => keys::service_account,
            RuleKind::IstioIdentity => keys::istio,
            RuleKind::Default => |k: &str| Ok(k.to_owned()),
        }
    }
}

fn duplicate_key(path: String, key: &str) -> InputError {
    InputError::invalid(
        path,
        format!(
            "key `{key}` names the same identity as another key (the spiffe:// prefix is ignored)"
        ),
    )
}

fn too_many(field: &str) -> InputError {
    InputError::new(
        crate::error::ErrorCode::Limit,
        field,
        format!("more than {MAX_POLICY_ENTRIES} entries"),
    )
}

type RawRules = Option<BTreeMap<String, RawRule>>;

fn specific_rules(
    cluster: RawRules,
    namespace: RawRules,
    service_account: RawRules,
    istio: RawRules,
) -> InputResult<SpecificRules> {
    let candidates: [(RuleKind, RawRules); 4] = [
        (RuleKind::Cluster, cluster),
        (RuleKind::Namespace, namespace),
        (RuleKind::ServiceAccount, service_account),
        (RuleKind::IstioIdentity, istio),
    ];
    let present: Vec<_> = candidates
        .into_iter()
        .filter(|(_, rules)| rules.as_ref().is_some_and(|r| !r.is_empty()))
        .collect();
    let kinds: Vec<RuleKind> = present.iter().map(|(k, _)| *k).collect();
    if let Some(e) = several_kinds(&kinds) {
        return Err(e);
    }
    let Some((kind, Some(raw_rules))) = present.into_iter().next() else {
        return Ok(SpecificRules {
            kind: None,
            rules: BTreeMap::new(),
        });
    };
    if raw_rules.len() > MAX_POLICY_ENTRIES {
        return Err(too_many(kind.field()));
    }
    let mut rules = BTreeMap::new();
    for (key, raw) in raw_rules {
        let path = format!("{}.{key}", kind.field());
        let normalized = kind.key_check()(&key).map_err(|m| InputError::invalid(&path, m))?;
        let rule = AdmissionRule::from_raw(raw, &path)?;
        if rules.insert(normalized, rule).is_some() {
            return Err(duplicate_key(path, &key));
        }
    }
    Ok(SpecificRules {
        kind: Some(kind),
        rules,
    })
}

#[cfg(test)]
mod tests;
