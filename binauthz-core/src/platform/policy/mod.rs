//! A check-based platform policy (`gkePolicy`) once validated: what `gcloud beta container
//! binauthz policy create --platform=gke` accepts (spec/README.md §15.1).

use std::sync::Arc;

use crate::crypto::PkixKey;
use crate::model::allowlist::AllowlistPattern;
use crate::model::names::KeyId;
use crate::platform::pattern::{DirPattern, RepoPattern};
use crate::platform::severity::Severity;

mod read;

pub use read::validate_value;

/// A check-based platform policy for GKE.
#[derive(Debug, Clone)]
pub struct PlatformPolicy {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) allowlist: Vec<AllowlistPattern>,
    pub(crate) check_sets: Vec<CheckSet>,
}

/// Which pods a check set applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// No scope: every pod (the catch-all).
    Everything,
    /// `kubernetesNamespace`: every service account of one namespace.
    Namespace(String),
    /// `kubernetesServiceAccount` (`namespace:name`).
    ServiceAccount {
        /// The namespace.
        namespace: String,
        /// The service account's name.
        name: String,
    },
}

impl Scope {
    /// Whether a pod in `namespace` running as `service_account` is in the scope.
    pub(crate) fn matches(&self, namespace: &str, service_account: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Namespace(ns) => ns == namespace,
            Scope::ServiceAccount {
                namespace: ns,
                name,
            } => ns == namespace && name == service_account,
        }
    }
}

/// One entry of `checkSets`.
#[derive(Debug, Clone)]
pub struct CheckSet {
    pub(crate) display_name: Option<String>,
    pub(crate) scope: Scope,
    pub(crate) allowlist: Vec<AllowlistPattern>,
    pub(crate) checks: Vec<Check>,
}

/// One entry of a check set's `checks`.
#[derive(Debug, Clone)]
pub struct Check {
    pub(crate) display_name: Option<String>,
    pub(crate) allowlist: Vec<AllowlistPattern>,
    pub(crate) kind: CheckKind,
}

/// A PKIX key of a `simpleSigningAttestationCheck` authenticator, with its id.
#[derive(Debug, Clone)]
pub struct AuthenticatorKey {
    pub(crate) id: KeyId,
    pub(crate) key: Arc<PkixKey>,
}

/// One `attestationAuthenticators` entry.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub(crate) display_name: Option<String>,
    pub(crate) keys: Vec<AuthenticatorKey>,
}

/// One `sigstoreAuthorities` entry: its cosign public keys.
#[derive(Debug, Clone)]
pub struct SigstoreAuthority {
    pub(crate) display_name: Option<String>,
    pub(crate) keys: Vec<Arc<crate::crypto::CosignKey>>,
}

/// One `slsaCheck.rules` entry.
#[derive(Debug, Clone)]
pub struct SlsaRule {
    pub(crate) trusted_builder: String,
    pub(crate) projects: Vec<String>,
    pub(crate) config_based_build_required: bool,
    pub(crate) source_repo_patterns: Vec<RepoPattern>,
}

/// A `vulnerabilityCheck`.
#[derive(Debug, Clone)]
pub struct VulnerabilityCheck {
    pub(crate) maximum_fixable: Severity,
    pub(crate) maximum_unfixable: Severity,
    pub(crate) allowed_cves: Vec<String>,
    pub(crate) blocked_cves: Vec<String>,
    pub(crate) projects: Vec<String>,
}

/// What a check checks: exactly one kind.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CheckKind {
    /// `alwaysDeny: true`.
    AlwaysDeny,
    /// `trustedDirectoryCheck`.
    TrustedDirectory(Vec<DirPattern>),
    /// `simpleSigningAttestationCheck`.
    SimpleSigning {
        /// `attestationAuthenticators`.
        authenticators: Vec<Authenticator>,
        /// `containerAnalysisAttestationProjects` (`projects/ID`); empty means any.
        projects: Vec<String>,
    },
    /// `sigstoreSignatureCheck`.
    Sigstore(Vec<SigstoreAuthority>),
    /// `imageFreshnessCheck.maxUploadAgeDays`.
    Freshness(u32),
    /// `vulnerabilityCheck`.
    Vulnerability(VulnerabilityCheck),
    /// `slsaCheck.rules`.
    Slsa(Vec<SlsaRule>),
}

impl CheckKind {
    /// The check's type as GCP's results and logs name it (the check's message name).
    pub fn type_name(&self) -> &'static str {
        match self {
            CheckKind::AlwaysDeny => "AlwaysDeny",
            CheckKind::TrustedDirectory(_) => "TrustedDirectoryCheck",
            CheckKind::SimpleSigning { .. } => "SimpleSigningAttestationCheck",
            CheckKind::Sigstore(_) => "SigstoreSignatureCheck",
            CheckKind::Freshness(_) => "ImageFreshnessCheck",
            CheckKind::Vulnerability(_) => "VulnerabilityCheck",
            CheckKind::Slsa(_) => "SlsaCheck",
        }
    }
}

impl PlatformPolicy {
    /// Reads a platform policy document (YAML or JSON), stopping at the first error.
    pub fn parse(text: &str) -> crate::error::InputResult<Self> {
        Self::validate(text).map_err(|mut errors| {
            if errors.is_empty() {
                crate::error::InputError::invalid("", "the platform policy is not valid")
            } else {
                errors.swap_remove(0)
            }
        })
    }

    /// Reads a platform policy document (YAML or JSON), reporting every error with its path.
    pub fn validate(text: &str) -> Result<Self, Vec<crate::error::InputError>> {
        let value = crate::text::document::parse(text, crate::limits::MAX_CONFIG_BYTES)
            .map_err(|e| vec![e])?;
        validate_value(value)
    }

    /// The resource name (`projects/P/platforms/gke/policies/ID`), when the document gives one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The description, when given.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The policy-level `imageAllowlist.allowPattern`.
    pub fn allowlist(&self) -> &[AllowlistPattern] {
        &self.allowlist
    }

    /// The check sets, most specific first.
    pub fn check_sets(&self) -> &[CheckSet] {
        &self.check_sets
    }
}

impl CheckSet {
    /// `displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The scope.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The set's `imageAllowlist.allowPattern`.
    pub fn allowlist(&self) -> &[AllowlistPattern] {
        &self.allowlist
    }

    /// The checks, all of which must allow.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }
}

impl Check {
    /// `displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The check's `imageAllowlist.allowPattern`.
    pub fn allowlist(&self) -> &[AllowlistPattern] {
        &self.allowlist
    }

    /// What it checks.
    pub fn kind(&self) -> &CheckKind {
        &self.kind
    }
}

impl SlsaRule {
    /// `trustedBuilder` (`GOOGLE_CLOUD_BUILD`).
    pub fn trusted_builder(&self) -> &str {
        &self.trusted_builder
    }

    /// `attestationSource.containerAnalysisAttestationProjects`.
    pub fn projects(&self) -> &[String] {
        &self.projects
    }

    /// `configBasedBuildRequired`.
    pub fn config_based_build_required(&self) -> bool {
        self.config_based_build_required
    }

    /// `trustedSourceRepoPatterns`.
    pub fn source_repo_patterns(&self) -> &[RepoPattern] {
        &self.source_repo_patterns
    }
}
