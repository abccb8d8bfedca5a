//! Reading each check kind of a platform policy (spec/README.md §15.4), with every error and
//! its path.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Reader, present};
use crate::crypto::{CosignKey, PkixKey, SignatureAlgorithm};
use crate::error::join_path;
use crate::limits::{MAX_PLATFORM_KEYS, MAX_PLATFORM_LIST, MAX_PLATFORM_PROJECTS};
use crate::model::names::{KeyId, uri_reference_problem};
use crate::platform::pattern::{DirPattern, RepoPattern};
use crate::platform::policy::{
    Authenticator, AuthenticatorKey, CheckKind, SigstoreAuthority, SlsaRule, VulnerabilityCheck,
};
use crate::platform::severity::Severity;
use crate::text::document::shape::kind_of;

impl Reader {
    pub(super) fn always_deny(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        match value {
            Value::Bool(true) => Some(CheckKind::AlwaysDeny),
            other => {
                self.error(at, format!("expected true, found {}", kind_of(other)));
                None
            }
        }
    }

    pub(super) fn freshness(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        let map = self.mapping(value, at, &["maxUploadAgeDays"])?;
        let field = join_path(at, "maxUploadAgeDays");
        // proto3 JSON writes an int32 as a number, and reads a string of digits too.
        let days = match present(map, "maxUploadAgeDays") {
            None => {
                self.error(&field, "field is required: a number of days greater than 0");
                return None;
            }
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse::<i64>().ok(),
            Some(other) => {
                self.error(
                    &field,
                    format!("expected a number of days, found {}", kind_of(other)),
                );
                return None;
            }
        };
        match days
            .and_then(|d| u32::try_from(d).ok())
            .filter(|d| (1..=i32::MAX as u32).contains(d))
        {
            Some(d) => Some(CheckKind::Freshness(d)),
            None => {
                self.error(
                    &field,
                    "expected a whole number of days greater than 0 (int32)",
                );
                None
            }
        }
    }

    fn projects(&mut self, map: &Map<String, Value>, key: &str, at: &str) -> Vec<String> {
        let list = self.strings(map, key, at, MAX_PLATFORM_PROJECTS);
        for (i, p) in list.iter().enumerate() {
            let ok = p
                .strip_prefix("projects/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'));
            if !ok {
                self.error(
                    &format!("{}[{i}]", join_path(at, key)),
                    format!(
                        "`{}` is not `projects/PROJECT_ID`",
                        crate::untrusted::shown(p)
                    ),
                );
            }
        }
        list
    }

    pub(super) fn simple_signing(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        let map = self.mapping(
            value,
            at,
            &[
                "attestationAuthenticators",
                "containerAnalysisAttestationProjects",
            ],
        )?;
        let projects = self.projects(map, "containerAnalysisAttestationProjects", at);
        let sets = self.key_sets(
            map,
            at,
            [
                "attestationAuthenticators",
                "pkixPublicKeySet",
                "pkixPublicKeys",
            ],
            "authenticator with a PKIX key",
            Self::pkix_key,
        );
        let authenticators = sets
            .into_iter()
            .map(|(display_name, keys)| Authenticator { display_name, keys })
            .collect();
        Some(CheckKind::SimpleSigning {
            authenticators,
            projects,
        })
    }

    /// A list of named key sets, `attestationAuthenticators` or `sigstoreAuthorities`: each
    /// entry `{displayName, SET: {KEYS: [...]}}`, where `fields` names LIST, SET and KEYS. GCP
    /// requires at least one entry, and one key in each.
    fn key_sets<K>(
        &mut self,
        map: &Map<String, Value>,
        at: &str,
        [list_field, set_field, keys_field]: [&str; 3],
        what: &str,
        mut read_key: impl FnMut(&mut Self, &Value, &str) -> Option<K>,
    ) -> Vec<(Option<String>, Vec<K>)> {
        let items = self.list(map, list_field, at, MAX_PLATFORM_LIST);
        if items.is_empty() {
            self.error(
                &join_path(at, list_field),
                format!("field is required: at least one {what}"),
            );
        }
        let mut sets = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{at}.{list_field}[{i}]");
            let Some(entry) = self.mapping(item, &path, &["displayName", set_field]) else {
                continue;
            };
            let display_name = self.string(entry, "displayName", &path);
            let set_at = join_path(&path, set_field);
            let Some(set) = present(entry, set_field) else {
                self.error(&set_at, "field is required");
                continue;
            };
            let Some(set) = self.mapping(set, &set_at, &[keys_field]) else {
                continue;
            };
            let keys = self.list(set, keys_field, &set_at, MAX_PLATFORM_KEYS);
            if keys.is_empty() {
                self.error(
                    &join_path(&set_at, keys_field),
                    "field is required: at least one key",
                );
            }
            let read: Vec<K> = keys
                .iter()
                .enumerate()
                .filter_map(|(k, key)| read_key(self, key, &format!("{set_at}.{keys_field}[{k}]")))
                .collect();
            sets.push((display_name, read));
        }
        sets
    }

    fn pkix_key(&mut self, value: &Value, at: &str) -> Option<AuthenticatorKey> {
        let map = self.mapping(value, at, &["publicKeyPem", "signatureAlgorithm", "keyId"])?;
        let pem = self.string(map, "publicKeyPem", at);
        let alg = self.string(map, "signatureAlgorithm", at);
        let id = self.string(map, "keyId", at).filter(|s| !s.is_empty());
        let alg_at = join_path(at, "signatureAlgorithm");
        let Some(alg) = alg else {
            self.error(&alg_at, "field is required");
            return None;
        };
        let Some(algorithm) = SignatureAlgorithm::from_name(&alg) else {
            let names: Vec<&str> = SignatureAlgorithm::ALL
                .iter()
                .flat_map(|a| a.names().iter().copied())
                .collect();
            self.error(
                &alg_at,
                format!(
                    "`{}` is not a known signature algorithm; expected one of {}",
                    crate::untrusted::shown(&alg),
                    names.join(", ")
                ),
            );
            return None;
        };
        let pem_at = join_path(at, "publicKeyPem");
        let Some(pem) = pem else {
            self.error(&pem_at, "field is required");
            return None;
        };
        let key = match PkixKey::from_pem(&pem, algorithm) {
            Ok(k) => k,
            Err(e) => {
                self.error(&pem_at, e.to_string());
                return None;
            }
        };
        let id = id.unwrap_or_else(|| key.default_key_id());
        if let Some(problem) = uri_reference_problem(&id) {
            self.error(
                &join_path(at, "keyId"),
                format!(
                    "key id `{}` is not a URI (RFC 3986, as GCP requires): it {problem}; leave it blank for the default ni:///sha-256;… id",
                    crate::untrusted::shown(&id)
                ),
            );
            return None;
        }
        Some(AuthenticatorKey {
            id: KeyId::new(id),
            key: Arc::new(key),
        })
    }

    pub(super) fn sigstore(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        let map = self.mapping(value, at, &["sigstoreAuthorities"])?;
        let sets = self.key_sets(
            map,
            at,
            ["sigstoreAuthorities", "publicKeySet", "publicKeys"],
            "authority with a public key",
            Self::cosign_key,
        );
        let authorities = sets
            .into_iter()
            .map(|(display_name, keys)| SigstoreAuthority { display_name, keys })
            .collect();
        Some(CheckKind::Sigstore(authorities))
    }

    /// A sigstore authority's key: a PEM public key, whose type gives the algorithm (cosign's).
    fn cosign_key(&mut self, value: &Value, at: &str) -> Option<Arc<CosignKey>> {
        let key = self.mapping(value, at, &["publicKeyPem"])?;
        let pem_at = join_path(at, "publicKeyPem");
        let Some(pem) = self.string(key, "publicKeyPem", at) else {
            self.error(&pem_at, "field is required");
            return None;
        };
        match CosignKey::from_pem(&pem) {
            Ok(k) => Some(Arc::new(k)),
            Err(e) => {
                self.error(&pem_at, e.to_string());
                None
            }
        }
    }

    pub(super) fn slsa(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        let map = self.mapping(value, at, &["rules"])?;
        let items = self.list(map, "rules", at, MAX_PLATFORM_LIST);
        if items.is_empty() {
            self.error(
                &join_path(at, "rules"),
                "field is required: at least one rule",
            );
        }
        let mut rules = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{at}.rules[{i}]");
            let Some(r) = self.mapping(
                item,
                &path,
                &[
                    "trustedBuilder",
                    "attestationSource",
                    "configBasedBuildRequired",
                    "trustedSourceRepoPatterns",
                ],
            ) else {
                continue;
            };
            let builder = self.string(r, "trustedBuilder", &path);
            match builder.as_deref() {
                Some("GOOGLE_CLOUD_BUILD") => {}
                Some(other) => self.error(
                    &join_path(&path, "trustedBuilder"),
                    format!(
                        "`{}` is not a usable builder; expected GOOGLE_CLOUD_BUILD",
                        crate::untrusted::shown(other)
                    ),
                ),
                None => self.error(&join_path(&path, "trustedBuilder"), "field is required"),
            }
            let projects = match present(r, "attestationSource") {
                None => Vec::new(),
                Some(source) => {
                    let source_at = join_path(&path, "attestationSource");
                    match self.mapping(
                        source,
                        &source_at,
                        &["containerAnalysisAttestationProjects"],
                    ) {
                        Some(s) => {
                            self.projects(s, "containerAnalysisAttestationProjects", &source_at)
                        }
                        None => Vec::new(),
                    }
                }
            };
            let config_based = match present(r, "configBasedBuildRequired") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    self.error(
                        &join_path(&path, "configBasedBuildRequired"),
                        format!("expected true or false, found {}", kind_of(other)),
                    );
                    false
                }
            };
            let patterns = self.strings(r, "trustedSourceRepoPatterns", &path, MAX_PLATFORM_LIST);
            let mut source_repo_patterns = Vec::with_capacity(patterns.len());
            for (p, text) in patterns.iter().enumerate() {
                match RepoPattern::parse(text) {
                    Ok(pattern) => source_repo_patterns.push(pattern),
                    Err(e) => self.error(&format!("{path}.trustedSourceRepoPatterns[{p}]"), e),
                }
            }
            rules.push(SlsaRule {
                trusted_builder: builder.unwrap_or_default(),
                projects,
                config_based_build_required: config_based,
                source_repo_patterns,
            });
        }
        Some(CheckKind::Slsa(rules))
    }

    pub(super) fn trusted_directory(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        let map = self.mapping(value, at, &["trustedDirPatterns"])?;
        let texts = self.strings(map, "trustedDirPatterns", at, MAX_PLATFORM_LIST);
        if texts.is_empty() {
            self.error(
                &join_path(at, "trustedDirPatterns"),
                "field is required: at least one `registry/path/to/directory`",
            );
        }
        let mut patterns = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            match DirPattern::parse(text) {
                Ok(p) => patterns.push(p),
                Err(e) => self.error(
                    &format!("{at}.trustedDirPatterns[{i}]"),
                    format!("`{}`: {e}", crate::untrusted::shown(text)),
                ),
            }
        }
        Some(CheckKind::TrustedDirectory(patterns))
    }

    fn severity(&mut self, map: &Map<String, Value>, key: &str, at: &str) -> Option<Severity> {
        let field = join_path(at, key);
        let Some(name) = self.string(map, key, at) else {
            if present(map, key).is_none() {
                self.error(&field, "field is required");
            }
            return None;
        };
        let found = Severity::NAMES.iter().find(|(n, _)| *n == name);
        if found.is_none() {
            let names: Vec<&str> = Severity::NAMES.iter().map(|(n, _)| *n).collect();
            let what = if name == "MAXIMUM_ALLOWED_SEVERITY_UNSPECIFIED" {
                "is not a usable value"
            } else {
                "is not a severity"
            };
            self.error(
                &field,
                format!(
                    "`{}` {what}; expected one of {}",
                    crate::untrusted::shown(&name),
                    names.join(", ")
                ),
            );
        }
        found.map(|(_, s)| *s)
    }

    pub(super) fn vulnerability(&mut self, value: &Value, at: &str) -> Option<CheckKind> {
        let map = self.mapping(
            value,
            at,
            &[
                "maximumFixableSeverity",
                "maximumUnfixableSeverity",
                "allowedCves",
                "blockedCves",
                "containerAnalysisVulnerabilityProjects",
            ],
        )?;
        let fixable = self.severity(map, "maximumFixableSeverity", at);
        let unfixable = self.severity(map, "maximumUnfixableSeverity", at);
        let allowed_cves = self.strings(map, "allowedCves", at, MAX_PLATFORM_LIST);
        let blocked_cves = self.strings(map, "blockedCves", at, MAX_PLATFORM_LIST);
        let projects = self.projects(map, "containerAnalysisVulnerabilityProjects", at);
        Some(CheckKind::Vulnerability(VulnerabilityCheck {
            maximum_fixable: fixable?,
            maximum_unfixable: unfixable?,
            allowed_cves,
            blocked_cves,
            projects,
        }))
    }
}
