//! Reading a platform policy document field by field, collecting every error with its path
//! (as `gcloud beta container binauthz policy create --platform=gke` would refuse it), so one
//! bad check does not hide the errors of the others.

use serde_json::{Map, Value};

use super::{Check, CheckSet, PlatformPolicy, Scope};
use crate::error::{ErrorCode, InputError, join_path};
use crate::limits::{MAX_PLATFORM_CHECK_SETS, MAX_PLATFORM_CHECKS, MAX_PLATFORM_LIST};
use crate::model::allowlist::AllowlistPattern;
use crate::model::policy::{is_label, is_subdomain};
use crate::text::document::shape::kind_of;

mod kinds;

/// Every check kind's field, in the order GCP's schema lists them.
const CHECK_KINDS: &[&str] = &[
    "alwaysDeny",
    "imageFreshnessCheck",
    "simpleSigningAttestationCheck",
    "sigstoreSignatureCheck",
    "slsaCheck",
    "trustedDirectoryCheck",
    "vulnerabilityCheck",
];

/// Reads an already-parsed platform policy document.
pub fn validate_value(value: Value) -> Result<PlatformPolicy, Vec<InputError>> {
    let mut r = Reader::default();
    let policy = r.document(&value);
    match policy {
        Some(policy) if r.errors.is_empty() => Ok(policy),
        _ => Err(r.errors),
    }
}

#[derive(Default)]
pub(super) struct Reader {
    errors: Vec<InputError>,
    /// Per check set read, whether its scope could not be read (its order is then not judged).
    bad_scope: Vec<bool>,
}

/// A field that is absent or null (proto3 JSON reads null as the default).
pub(super) fn present<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

impl Reader {
    pub(super) fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(InputError::invalid(path, message));
    }

    pub(super) fn limit(&mut self, path: &str, message: impl Into<String>) {
        self.errors
            .push(InputError::new(ErrorCode::Limit, path, message));
    }

    /// A mapping with only `fields`; unknown fields are errors, as gcloud refuses them.
    pub(super) fn mapping<'a>(
        &mut self,
        value: &'a Value,
        path: &str,
        fields: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.error(
                path,
                format!("expected a mapping, found {}", kind_of(value)),
            );
            return None;
        };
        for key in map.keys() {
            if !fields.contains(&key.as_str()) {
                let shown = crate::untrusted::escape(key);
                self.error(
                    &join_path(path, key),
                    format!(
                        "unknown field `{shown}`, expected one of {}",
                        fields
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        Some(map)
    }

    pub(super) fn string(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<String> {
        match present(map, key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(
                    &join_path(path, key),
                    format!("expected a string, found {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// A list field (absent or null is empty), at most `max` entries.
    pub(super) fn list<'a>(
        &mut self,
        map: &'a Map<String, Value>,
        key: &str,
        path: &str,
        max: usize,
    ) -> &'a [Value] {
        let at = join_path(path, key);
        match present(map, key) {
            None => &[],
            Some(Value::Array(items)) if items.len() > max => {
                self.limit(
                    &at,
                    format!("{} entries, more than the limit of {max}", items.len()),
                );
                &[]
            }
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.error(&at, format!("expected a list, found {}", kind_of(other)));
                &[]
            }
        }
    }

    pub(super) fn strings(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        path: &str,
        max: usize,
    ) -> Vec<String> {
        let at = join_path(path, key);
        let items = self.list(map, key, path, max);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => self.error(
                    &format!("{at}[{i}]"),
                    format!("expected a string, found {}", kind_of(other)),
                ),
            }
        }
        out
    }

    fn document(&mut self, value: &Value) -> Option<PlatformPolicy> {
        if let Some(map) = value.as_object()
            && map.contains_key("defaultAdmissionRule")
            && !map.contains_key("gkePolicy")
        {
            self.error(
                "defaultAdmissionRule",
                "this is a project policy (`gcloud container binauthz policy export`), not a check-based platform policy; evaluate it with `binauthz evaluate`",
            );
            return None;
        }
        let map = self.mapping(
            value,
            "",
            &["name", "description", "etag", "updateTime", "gkePolicy"],
        )?;
        let name = self.string(map, "name", "");
        let description = self.string(map, "description", "");
        self.string(map, "etag", "");
        self.string(map, "updateTime", "");
        if let Some(name) = &name
            && !is_gke_policy_name(name)
        {
            self.error(
                "name",
                format!(
                    "`{}` is not a GKE platform policy's name; expected projects/PROJECT/platforms/gke/policies/ID",
                    crate::untrusted::shown(name)
                ),
            );
        }
        let Some(gke) = present(map, "gkePolicy") else {
            self.errors.push(InputError::invalid(
                "gkePolicy",
                "field is required: a check-based platform policy for GKE is `gkePolicy: {checkSets: [...]}` (a project policy is read by `binauthz evaluate`, not here)",
            ));
            return None;
        };
        let gke = self.mapping(gke, "gkePolicy", &["imageAllowlist", "checkSets"])?;
        let allowlist = self.allowlist(gke, "gkePolicy");
        let sets = self.list(gke, "checkSets", "gkePolicy", MAX_PLATFORM_CHECK_SETS);
        let mut check_sets = Vec::with_capacity(sets.len());
        for (i, set) in sets.iter().enumerate() {
            if let Some(set) = self.check_set(set, &format!("gkePolicy.checkSets[{i}]")) {
                check_sets.push(set);
            }
        }
        if check_sets.len() == sets.len() {
            self.order(&check_sets);
        }
        Some(PlatformPolicy {
            name,
            description,
            allowlist,
            check_sets,
        })
    }

    /// The server's rules for the list: decreasing specificity (so the first matching set is
    /// the most specific), and a catch-all last.
    fn order(&mut self, sets: &[CheckSet]) {
        if self.bad_scope.iter().any(|bad| *bad) {
            return;
        }
        for (i, set) in sets.iter().enumerate() {
            let at = format!("gkePolicy.checkSets[{i}].scope");
            if set.scope == Scope::Everything && i + 1 < sets.len() {
                self.error(
                    &at,
                    format!(
                        "a check set without scope matches every pod, so it must be the last one; check set {} and later would never be evaluated",
                        i + 1
                    ),
                );
            }
            for (j, earlier) in sets.iter().enumerate().take(i) {
                if earlier.scope == set.scope && set.scope != Scope::Everything {
                    self.error(&at, format!("check set {j} already has this scope"));
                }
                // A namespace scope listed before a service account of the same namespace
                // would hide it: the server requires decreasing specificity.
                if let (Scope::Namespace(ns), Scope::ServiceAccount { namespace, .. }) =
                    (&earlier.scope, &set.scope)
                    && ns == namespace
                {
                    self.error(
                        &at,
                        format!(
                            "check sets must be in decreasing specificity: this service account's namespace `{ns}` is the scope of check set {j}, listed before it, which would always match first"
                        ),
                    );
                }
            }
        }
        if let Some(last) = sets.last()
            && last.scope != Scope::Everything
        {
            self.error(
                &format!("gkePolicy.checkSets[{}].scope", sets.len() - 1),
                "the last check set must have no scope (a catch-all for every other pod), as GCP requires",
            );
        }
    }

    fn allowlist(&mut self, map: &Map<String, Value>, path: &str) -> Vec<AllowlistPattern> {
        let Some(value) = present(map, "imageAllowlist") else {
            return Vec::new();
        };
        let at = join_path(path, "imageAllowlist");
        let Some(list) = self.mapping(value, &at, &["allowPattern"]) else {
            return Vec::new();
        };
        if present(list, "allowPattern").is_none() {
            self.error(&join_path(&at, "allowPattern"), "field is required");
        }
        let patterns = self.strings(list, "allowPattern", &at, MAX_PLATFORM_LIST);
        let mut out = Vec::with_capacity(patterns.len());
        for (i, p) in patterns.iter().enumerate() {
            match AllowlistPattern::parse(p) {
                Ok(p) => out.push(p),
                Err(e) => self.error(&format!("{at}.allowPattern[{i}]"), e.to_string()),
            }
        }
        out
    }

    fn check_set(&mut self, value: &Value, path: &str) -> Option<CheckSet> {
        // A set with errors is still returned, so the list's order is checked too; the policy
        // is refused all the same, since errors were recorded.
        let map = self.mapping(
            value,
            path,
            &["displayName", "scope", "imageAllowlist", "checks"],
        )?;
        let display_name = self.string(map, "displayName", path);
        let before = self.errors.len();
        let scope = self.scope(map, path);
        self.bad_scope.push(self.errors.len() > before);
        let allowlist = self.allowlist(map, path);
        let items = self.list(map, "checks", path, MAX_PLATFORM_CHECKS);
        let mut checks = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(check) = self.check(item, &format!("{path}.checks[{i}]")) {
                checks.push(check);
            }
        }
        Some(CheckSet {
            display_name,
            scope: scope.unwrap_or(Scope::Everything),
            allowlist,
            checks,
        })
    }

    fn scope(&mut self, map: &Map<String, Value>, path: &str) -> Option<Scope> {
        let value = present(map, "scope")?;
        let at = join_path(path, "scope");
        let scope = self.mapping(
            value,
            &at,
            &["kubernetesNamespace", "kubernetesServiceAccount"],
        )?;
        let namespace = self.string(scope, "kubernetesNamespace", &at);
        let account = self.string(scope, "kubernetesServiceAccount", &at);
        match (namespace, account) {
            (Some(_), Some(_)) => {
                self.error(
                    &at,
                    "a scope has kubernetesNamespace or kubernetesServiceAccount, not both",
                );
                None
            }
            (Some(ns), None) => {
                if !is_label(&ns) {
                    self.error(
                        &join_path(&at, "kubernetesNamespace"),
                        format!(
                            "`{}` is not a Kubernetes namespace name (a DNS label: lower-case letters, digits and `-`, at most 63)",
                            crate::untrusted::shown(&ns)
                        ),
                    );
                    return None;
                }
                Some(Scope::Namespace(ns))
            }
            (None, Some(sa)) => match sa.split_once(':') {
                Some((ns, name)) if is_label(ns) && is_subdomain(name) => {
                    Some(Scope::ServiceAccount {
                        namespace: ns.to_owned(),
                        name: name.to_owned(),
                    })
                }
                _ => {
                    self.error(
                        &join_path(&at, "kubernetesServiceAccount"),
                        format!(
                            "`{}` is not `namespace:service-account` (for example `my-namespace:my-service-account`)",
                            crate::untrusted::shown(&sa)
                        ),
                    );
                    None
                }
            },
            // An empty scope is no scope: every namespace and service account.
            (None, None) => None,
        }
    }

    fn check(&mut self, value: &Value, path: &str) -> Option<Check> {
        let mut fields = vec!["displayName", "imageAllowlist"];
        fields.extend_from_slice(CHECK_KINDS);
        let map = self.mapping(value, path, &fields)?;
        let display_name = self.string(map, "displayName", path);
        let allowlist = self.allowlist(map, path);
        let mut kinds: Vec<&str> = CHECK_KINDS
            .iter()
            .copied()
            .filter(|k| present(map, k).is_some())
            .collect();
        // `alwaysDeny: false` is proto3's default: it sets no check.
        if map.get("alwaysDeny") == Some(&Value::Bool(false)) {
            kinds.retain(|k| *k != "alwaysDeny");
            if kinds.is_empty() {
                self.error(
                    &join_path(path, "alwaysDeny"),
                    "`alwaysDeny: false` sets no check; a check needs exactly one kind (write `alwaysDeny: true`, or another check)",
                );
                return None;
            }
        }
        let kind = match kinds.as_slice() {
            [one] => *one,
            [] => {
                self.error(
                    path,
                    format!(
                        "a check needs exactly one kind; found none (expected one of {})",
                        CHECK_KINDS.join(", ")
                    ),
                );
                return None;
            }
            several => {
                self.error(
                    path,
                    format!(
                        "a check has exactly one kind; found {}",
                        several.join(" and ")
                    ),
                );
                return None;
            }
        };
        let at = join_path(path, kind);
        let value = present(map, kind)?;
        let kind = match kind {
            "alwaysDeny" => self.always_deny(value, &at),
            "imageFreshnessCheck" => self.freshness(value, &at),
            "simpleSigningAttestationCheck" => self.simple_signing(value, &at),
            "sigstoreSignatureCheck" => self.sigstore(value, &at),
            "slsaCheck" => self.slsa(value, &at),
            "trustedDirectoryCheck" => self.trusted_directory(value, &at),
            _ => self.vulnerability(value, &at),
        }?;
        Some(Check {
            display_name,
            allowlist,
            kind,
        })
    }
}

fn is_gke_policy_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    matches!(parts.as_slice(), ["projects", p, "platforms", "gke", "policies", id] if !p.is_empty() && !id.is_empty())
}
