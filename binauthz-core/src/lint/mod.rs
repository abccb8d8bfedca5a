//! Lints: policies and attestors that are valid, but probably not what the operator meant — the
//! mistakes that let unattested images run, or that block production by surprise.
//!
//! [`lint`] is pure: it looks at an already-validated [`Policy`] and the [`Attestor`]s given with
//! it, and returns findings with a stable [`LintCode`], a [`Severity`], the field path, a message
//! and a one-line fix. The table of codes, with the reasoning behind each, is spec/lint.md.
//!
//! ```
//! use binauthz_core::{Policy, lint};
//!
//! let policy = Policy::parse(
//!     "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n\
//!      globalPolicyEvaluationMode: ENABLE\n",
//! ).unwrap();
//! let found = lint::lint(&policy, &[]);
//! assert_eq!(found[0].code.as_str(), "BZ001");
//! assert_eq!(found[0].path, "defaultAdmissionRule.evaluationMode");
//! ```

use std::fmt;

use serde::{Serialize, Serializer};

use crate::crypto::{KeyKind, SignatureScheme};
use crate::model::attestor::{Attestor, PublicKey};
use crate::model::names::{
    AttestorName, placeholder, project_message, project_of, project_problem,
};
use crate::model::policy::{
    AdmissionRule, EnforcementMode, EvaluationMode, Policy, RuleKind, is_gcp_location,
};

mod allowlist;
mod attestors;
mod cloud_run;
mod documents;
mod platform;
mod rules;

use allowlist::allowlist_pattern;
use attestors::attestor_lints;
pub use cloud_run::source_deploy_finding;
use documents::{
    attestor_names, cluster_location, placeholder_in, policy_name, rule_names, single_value,
};
pub use platform::lint_platform;
use rules::{default_rule, global_mode, specific_rules};

/// How much a finding matters. Warnings are mistakes (they fail `binauthz policy lint
/// --deny-warnings`); infos are worth a look but often intended, and never fail a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Probably a mistake: images run unchecked, or the policy does less than it seems to.
    Warning,
    /// Often intended, but worth confirming.
    Info,
}

impl Severity {
    /// `"warning"` or `"info"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! lint_codes {
    ($($variant:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable lint code (`BZ001` …); each has a fixed severity. See spec/lint.md.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LintCode {
            $(
                #[doc = concat!("`", $code, "`: ", $summary, ".")]
                $variant,
            )*
        }

        impl LintCode {
            /// Every code, in order.
            pub const ALL: &'static [LintCode] = &[$(LintCode::$variant),*];

            /// The code as printed, e.g. `BZ001`.
            pub fn as_str(self) -> &'static str {
                match self { $(LintCode::$variant => $code),* }
            }

            /// The code's severity.
            pub fn severity(self) -> Severity {
                match self { $(LintCode::$variant => Severity::$severity),* }
            }

            /// What the code is about, in a few words.
            pub fn summary(self) -> &'static str {
                match self { $(LintCode::$variant => $summary),* }
            }
        }
    };
}

lint_codes! {
    Bz001 = "BZ001", Warning, "the default rule is ALWAYS_ALLOW";
    Bz002 = "BZ002", Warning, "a specific rule is ALWAYS_ALLOW under a stricter default rule";
    Bz003 = "BZ003", Warning, "a cluster rule is weaker than the default rule";
    Bz004 = "BZ004", Info, "a namespace, service-account or Istio rule is weaker than the default rule";
    Bz005 = "BZ005", Warning, "the default rule only logs violations (DRYRUN_AUDIT_LOG_ONLY)";
    Bz006 = "BZ006", Info, "a specific rule only logs violations (DRYRUN_AUDIT_LOG_ONLY)";
    Bz007 = "BZ007", Info, "a specific rule is the same as the default rule";
    Bz008 = "BZ008", Warning, "globalPolicyEvaluationMode is not set";
    Bz009 = "BZ009", Warning, "a cluster rule's location is not a GCP region or zone";
    Bz010 = "BZ010", Warning, "an allowlist wildcard right after a registry or project";
    Bz011 = "BZ011", Warning, "an allowlist `**` that does not follow a `/`";
    Bz012 = "BZ012", Warning, "an allowlist pattern that names a tag, or no version at all";
    Bz013 = "BZ013", Info, "an allowlist `*` after part of an image name";
    Bz014 = "BZ014", Warning, "an allowlist pattern is listed twice";
    Bz020 = "BZ020", Warning, "an attestor has no public keys";
    Bz021 = "BZ021", Warning, "an attestor key is RSA 2048";
    Bz022 = "BZ022", Info, "an attestor key uses RSA PKCS#1 v1.5 padding";
    Bz023 = "BZ023", Warning, "an attestor is named by no rule";
    Bz030 = "BZ030", Warning, "a repeated field is written as a single value";
    Bz031 = "BZ031", Warning, "the policy name does not name a GCP project";
    Bz032 = "BZ032", Warning, "a name still has a template placeholder";
    Bz040 = "BZ040", Warning, "a platform policy's check set has no checks";
    Bz041 = "BZ041", Info, "an imageFreshnessCheck needs upload times and the evaluation time";
    Bz042 = "BZ042", Warning, "a slsaCheck cannot pass offline";
}

impl fmt::Display for LintCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LintCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// The stable code, e.g. `BZ002`.
    pub code: LintCode,
    /// The code's severity.
    pub severity: Severity,
    /// The attestor the finding is about (its `path` is then within that attestor's document),
    /// or `None` for the policy.
    pub attestor: Option<AttestorName>,
    /// The field path, e.g. `kubernetesNamespaceAdmissionRules.dev.evaluationMode`.
    pub path: String,
    /// What is wrong, in one lower-case sentence naming the field and value.
    pub message: String,
    /// How to fix it, in one line.
    pub fix: String,
}

impl Lint {
    fn new(code: LintCode, path: impl Into<String>, message: String, fix: String) -> Self {
        Lint {
            code,
            severity: code.severity(),
            attestor: None,
            path: path.into(),
            message,
            fix,
        }
    }

    fn about(mut self, attestor: &AttestorName) -> Self {
        self.attestor = Some(attestor.clone());
        self
    }
}

/// Lints a policy, and the attestors given with it (attestor findings need them; with none,
/// only the policy is looked at). Findings come in document order: the policy's fields, then
/// each attestor.
pub fn lint(policy: &Policy, attestors: &[Attestor]) -> Vec<Lint> {
    let mut out = Vec::new();
    policy_name(policy, &mut out);
    global_mode(policy, &mut out);
    single_value(
        policy.single_values(),
        "admissionWhitelistPatterns",
        None,
        &mut out,
    );
    for (i, pattern) in policy.allowlist().iter().enumerate() {
        let pattern = pattern.as_str();
        let path = format!("admissionWhitelistPatterns[{i}].namePattern");
        // A copy says nothing the first one did not: one finding, not the first one's again.
        if let Some(first) = policy
            .allowlist()
            .iter()
            .position(|p| p.as_str() == pattern)
            && first < i
        {
            out.push(Lint::new(
                LintCode::Bz014,
                path,
                format!("pattern `{pattern}` is listed twice (also admissionWhitelistPatterns[{first}]), so the allowlist has one pattern fewer than it shows; a copy is often a pattern that was meant to be edited"),
                "remove the copy, or change it to the pattern it was meant to be".to_owned(),
            ));
            continue;
        }
        placeholder_in(
            &path,
            pattern,
            "the pattern matches no real image",
            &mut out,
        );
        allowlist_pattern(i, pattern, &mut out);
    }
    default_rule(policy, &mut out);
    specific_rules(policy, &mut out);
    for attestor in attestors {
        attestor_lints(policy, attestor, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
