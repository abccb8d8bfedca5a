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

use crate::attestor::{Attestor, PublicKey};
use crate::crypto::{KeyKind, SignatureScheme};
use crate::names::{AttestorName, placeholder, project_message, project_of, project_problem};
use crate::policy::{
    AdmissionRule, EnforcementMode, EvaluationMode, Policy, RuleKind, is_gcp_location,
};

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

/// BZ032 when `text` (at `path`) still has a template placeholder; whether it had one.
fn placeholder_in(path: &str, text: &str, consequence: &str, out: &mut Vec<Lint>) -> bool {
    let Some(found) = placeholder(text) else {
        return false;
    };
    out.push(Lint::new(
        LintCode::Bz032,
        path,
        format!("`{text}` still has the template placeholder `{found}`, so {consequence}"),
        format!("replace `{found}` with the real value (set the template's variables before filling it in, for example with envsubst)"),
    ));
    true
}

/// BZ030 when the repeated field at `path` was written as a single value.
fn single_value(
    written: &[String],
    path: &str,
    attestor: Option<&AttestorName>,
    out: &mut Vec<Lint>,
) {
    if !written.iter().any(|w| w == path) {
        return;
    }
    let lint = Lint::new(
        LintCode::Bz030,
        path,
        format!(
            "`{path}` is a single value, not a list: gcloud's import reads it as a list of one, but GCP's API and other tools need a list (and `policy export` writes it back as one)"
        ),
        "write it as a list: `- VALUE` on the next line, or `[VALUE]`".to_owned(),
    );
    out.push(match attestor {
        Some(name) => lint.about(name),
        None => lint,
    });
}

/// BZ031 and BZ032 on the policy's name.
fn policy_name(policy: &Policy, out: &mut Vec<Lint>) {
    let Some(name) = policy.name() else {
        return;
    };
    let consequence = "the file does not say which project it is for (gcloud's import replaces the name with the current project's), and the template's other names may not be filled in either";
    if placeholder_in("name", name, consequence, out) {
        return;
    }
    let Some(project) = project_of(name) else {
        return;
    };
    let Some(problem) = project_problem(project) else {
        return;
    };
    let message = if project.is_empty() {
        format!(
            "the policy name `{name}` names no project, which is what `projects/$PROJECT_ID/policy` becomes where the variable is not set (a shell heredoc); gcloud's import replaces the name with the current project's, so the file does not say which project it is for"
        )
    } else {
        format!(
            "the policy name `{name}` does not name a GCP project: {}",
            project_message(project, problem)
        )
    };
    out.push(Lint::new(
        LintCode::Bz031,
        "name",
        message,
        "write the project's id (`projects/my-project/policy`, as `gcloud projects list` prints it), and check the other names the file was generated with".to_owned(),
    ));
}

/// BZ009: a cluster key's location that no cluster has.
fn cluster_location(path: &str, key: &str, out: &mut Vec<Lint>) {
    let location = key.split_once('.').map_or(key, |(location, _)| location);
    if is_gcp_location(location) {
        return;
    }
    out.push(Lint::new(
        LintCode::Bz009,
        path,
        format!("cluster rule key `{key}` has the location `{location}`, which is not a GCP region (`us-central1`) or zone (`us-central1-a`), nor `global` (a Distributed Cloud fleet membership), so the rule applies to no cluster and the default rule decides there"),
        "write the location the cluster is in, as `gcloud container clusters list` prints it, then `.CLUSTER_NAME`".to_owned(),
    ));
}

/// BZ030 and BZ032 on a rule's list of attestors.
fn rule_names(
    policy: &Policy,
    kind: RuleKind,
    path: &str,
    rule: &AdmissionRule,
    out: &mut Vec<Lint>,
) {
    let list = format!("{path}.requireAttestationsBy");
    // Istio keys are normalised without `spiffe://`; the document may have written it.
    let with_scheme = path.replacen('.', ".spiffe://", 1) + ".requireAttestationsBy";
    if kind == RuleKind::IstioIdentity && policy.single_values().contains(&with_scheme) {
        single_value(policy.single_values(), &with_scheme, None, out);
    } else {
        single_value(policy.single_values(), &list, None, out);
    }
    for (i, attestor) in rule.required_attestors().iter().enumerate() {
        let consequence = "GCP refuses a policy that names an attestor that does not exist";
        placeholder_in(&format!("{list}[{i}]"), attestor.as_str(), consequence, out);
    }
}

/// BZ030 and BZ032 on an attestor's names.
fn attestor_names(attestor: &Attestor, out: &mut Vec<Lint>) {
    let name = attestor.name();
    single_value(
        attestor.single_values(),
        "userOwnedGrafeasNote.publicKeys",
        Some(name),
        out,
    );
    single_value(
        attestor.single_values(),
        "userOwnedDrydockNote.publicKeys",
        Some(name),
        out,
    );
    let mut found = Vec::new();
    placeholder_in(
        "name",
        name.as_str(),
        "it names no attestor that exists",
        &mut found,
    );
    let note = attestor.note().as_str();
    let consequence =
        "no attestation is filed under that note, and the attestor is never satisfied";
    placeholder_in(
        "userOwnedGrafeasNote.noteReference",
        note,
        consequence,
        &mut found,
    );
    out.extend(found.into_iter().map(|l| l.about(name)));
}

fn global_mode(policy: &Policy, out: &mut Vec<Lint>) {
    if !policy.global_mode_is_set() {
        out.push(Lint::new(
            LintCode::Bz008,
            "globalPolicyEvaluationMode",
            "globalPolicyEvaluationMode is not set, so it means DISABLE and Google's system images (gke.gcr.io/**, k8s.gcr.io/** …) must pass the policy's rules like any other image".to_owned(),
            "set globalPolicyEvaluationMode: ENABLE, or DISABLE explicitly and allowlist the system images your clusters run".to_owned(),
        ));
    }
}

/// Where a pattern's wildcard starts: the text before it, and whether it is `**`.
fn wildcard(pattern: &str) -> Option<(&str, bool)> {
    if let Some(prefix) = pattern.strip_suffix("**") {
        Some((prefix, true))
    } else {
        pattern.strip_suffix('*').map(|prefix| (prefix, false))
    }
}

/// Whether the first path segment of a reference is a registry host (as Docker decides it).
fn is_registry_host(segment: &str) -> bool {
    segment.contains(['.', ':']) || segment == "localhost"
}

fn allowlist_pattern(i: usize, pattern: &str, out: &mut Vec<Lint>) {
    let path = format!("admissionWhitelistPatterns[{i}].namePattern");
    let (body, star) = match wildcard(pattern) {
        Some((prefix, double)) => (prefix, Some(double)),
        None => (pattern, None),
    };
    let last = body.rsplit('/').next().unwrap_or(body);
    let repository = last.split(['@', ':']).next().unwrap_or(last);
    let image = body
        .strip_suffix(last)
        .map(|dir| format!("{dir}{repository}"))
        .unwrap_or_else(|| repository.to_owned());

    if !last.contains('@') && last.contains(':') {
        let tag = last.split_once(':').map(|(_, t)| t).unwrap_or_default();
        let tags = if star.is_some() && tag.is_empty() {
            "every tag".to_owned()
        } else if star.is_some() {
            format!("every tag starting with `{tag}`")
        } else {
            format!("the tag `{tag}`")
        };
        if !body.contains('/') && is_registry_host(repository) {
            // Without a `/` the pattern can only match a local reference, even when its name
            // looks like a registry host: what follows the `:` is a tag, not a port, a `*` never
            // crosses `/`, and `parse` rejects a `**` with no `/` before it (spec/README.md §3).
            out.push(Lint::new(
                LintCode::Bz012,
                path,
                format!("pattern `{pattern}` has no `/`, so it matches only the local reference `{repository}` (the image named `{repository}` in the node's default registry) and allowlists {tags} of it, which whoever can push to that image can re-point; it never matches an image stored in registry `{repository}`, on any port"),
                format!("to exempt images of registry `{repository}`, name them after a `/` (`{repository}/PROJECT/REPOSITORY/*`, or `{repository}:PORT/PROJECT/REPOSITORY/*`); for the local image, allowlist its digest (`{repository}@sha256:…`)"),
            ));
            return;
        }
        out.push(Lint::new(
            LintCode::Bz012,
            path,
            format!("pattern `{pattern}` allowlists {tags}, which whoever can push to `{image}` can re-point to any image, and that image then runs without attestation"),
            format!("allowlist the digest instead (`{image}@sha256:…`), or attest the image and drop the pattern"),
        ));
        return;
    }
    let Some(double) = star else {
        if !last.contains('@') {
            out.push(Lint::new(
                LintCode::Bz012,
                path,
                format!("pattern `{pattern}` names no tag or digest, so it matches only the reference written without a version, which pulls `:latest`, a tag whoever can push to `{image}` can re-point"),
                format!("allowlist the digest instead (`{pattern}@sha256:…`), or attest the image and drop the pattern"),
            ));
        }
        return;
    };
    // Path segments before the wildcard, and how many of them are the registry host (0 for
    // Docker Hub shorthand such as `library/nginx`).
    let depth = body.matches('/').count();
    let first = body.split('/').next().unwrap_or_default();
    let host_depth = usize::from(is_registry_host(first));
    if body.ends_with('/') {
        if depth <= host_depth || (double && depth == host_depth + 1) {
            let (scope, narrower) = if depth <= host_depth {
                (
                    format!("every image in registry `{first}`, from every project"),
                    format!("{body}PROJECT/REPOSITORY/*"),
                )
            } else {
                (
                    format!(
                        "every image of every repository under `{body}`, including repositories created later"
                    ),
                    format!("{body}REPOSITORY/*"),
                )
            };
            out.push(Lint::new(
                LintCode::Bz010,
                path,
                format!("pattern `{pattern}` admits {scope}, without attestation"),
                format!("list the repositories that really need no attestation (`{narrower}`), or require attestation for them"),
            ));
        }
    } else if double && !body.ends_with('@') {
        // With the slash, would the pattern still cover a whole registry or project?
        let fix = if depth <= host_depth {
            format!(
                "end the prefix with a slash and name the repositories that need no attestation (`{body}/REPOSITORY/*`)"
            )
        } else {
            format!(
                "end the prefix with a slash (`{body}/**`), or use `{body}@*` for the versions of one image"
            )
        };
        out.push(Lint::new(
            LintCode::Bz011,
            path,
            format!("pattern `{pattern}` is a plain prefix that does not end in `/`, so it also matches `{body}-evil/…` and any other path that starts with `{body}`"),
            fix,
        ));
    } else if !double && !body.ends_with('@') {
        out.push(Lint::new(
            LintCode::Bz013,
            path,
            format!("pattern `{pattern}` also matches other images whose names start with `{last}`, such as `{body}-debug`"),
            format!("use `{body}@*` to allow every digest of that one image"),
        ));
    }
}

fn default_rule(policy: &Policy, out: &mut Vec<Lint>) {
    let rule = policy.default_rule();
    rule_names(policy, RuleKind::Default, "defaultAdmissionRule", rule, out);
    if rule.evaluation_mode() == EvaluationMode::AlwaysAllow {
        let what = if policy.specific_rules().kind().is_none() {
            "the policy has no specific rules, so it admits every image"
        } else {
            "every image that no specific rule covers runs without attestation"
        };
        out.push(Lint::new(
            LintCode::Bz001,
            "defaultAdmissionRule.evaluationMode",
            format!("the default rule's evaluationMode is ALWAYS_ALLOW and {what}"),
            "set it to REQUIRE_ATTESTATION (with requireAttestationsBy) or ALWAYS_DENY, and exempt what must run with allowlist patterns or specific rules".to_owned(),
        ));
    } else if rule.enforcement_mode() == EnforcementMode::DryRun {
        out.push(Lint::new(
            LintCode::Bz005,
            "defaultAdmissionRule.enforcementMode",
            format!("the default rule's enforcementMode is DRYRUN_AUDIT_LOG_ONLY, so images that violate its {} are admitted and only logged", rule.evaluation_mode()),
            "once the audit log shows no unexpected violations, set enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG".to_owned(),
        ));
    }
}

/// How `kind` rules are keyed, for messages: "namespace `dev`".
fn subject(kind: RuleKind, key: &str) -> String {
    match kind {
        RuleKind::Default => "the default".to_owned(),
        RuleKind::Cluster => format!("cluster `{key}`"),
        RuleKind::Namespace => format!("namespace `{key}`"),
        RuleKind::ServiceAccount => format!("service account `{key}`"),
        RuleKind::IstioIdentity => format!("Istio identity `{key}`"),
    }
}

/// Who gets past an ALWAYS_ALLOW rule of this kind.
fn bypass(kind: RuleKind, key: &str) -> String {
    match kind {
        RuleKind::Cluster => format!("every image runs unchecked on cluster `{key}`"),
        RuleKind::ServiceAccount => {
            format!("anyone who can run pods as service account `{key}` can run any image")
        }
        RuleKind::IstioIdentity => {
            format!("any workload with Istio identity `{key}` can run any image")
        }
        RuleKind::Namespace | RuleKind::Default => {
            format!("anyone who can create pods in namespace `{key}` can run any image")
        }
    }
}

fn specific_rules(policy: &Policy, out: &mut Vec<Lint>) {
    let Some(kind) = policy.specific_rules().kind() else {
        return;
    };
    let default = policy.default_rule();
    let default_mode = default.evaluation_mode();
    for (key, rule) in policy.specific_rules().iter() {
        let path = format!("{}.{key}", kind.field());
        let who = subject(kind, key);
        let mode = rule.evaluation_mode();
        if kind == RuleKind::Cluster {
            cluster_location(&path, key, out);
        }
        placeholder_in(&path, key, "the rule applies to nothing", out);
        rule_names(policy, kind, &path, rule, out);
        if same_rule(rule, default) {
            out.push(Lint::new(
                LintCode::Bz007,
                path,
                format!("the rule for {who} is the same as the default rule, so it has no effect"),
                "remove it, or change it if it was meant to differ from the default".to_owned(),
            ));
            continue;
        }
        if mode == EvaluationMode::AlwaysAllow {
            if default_mode != EvaluationMode::AlwaysAllow {
                out.push(Lint::new(
                    LintCode::Bz002,
                    format!("{path}.evaluationMode"),
                    format!("the ALWAYS_ALLOW rule for {who} overrides the default rule's {default_mode}, so {}", bypass(kind, key)),
                    "require attestation here too (by fewer attestors if need be), or allowlist just the images that need the exemption".to_owned(),
                ));
            }
            continue;
        }
        let mut weaker = Vec::new();
        if default_mode == EvaluationMode::RequireAttestation {
            let missing: Vec<String> = default
                .required_attestors()
                .iter()
                .filter(|a| !rule.required_attestors().contains(a))
                .map(|a| format!("`{a}`"))
                .collect();
            if mode == EvaluationMode::RequireAttestation && !missing.is_empty() {
                weaker.push(format!(
                    "it does not require {} {}, which the default rule requires",
                    if missing.len() == 1 {
                        "attestor"
                    } else {
                        "attestors"
                    },
                    missing.join(", ")
                ));
            }
        }
        let dry_run_only_here = rule.enforcement_mode() == EnforcementMode::DryRun
            && default.enforcement_mode() == EnforcementMode::Enforced
            && default_mode != EvaluationMode::AlwaysAllow;
        if dry_run_only_here {
            weaker.push(
                "it only logs violations (DRYRUN_AUDIT_LOG_ONLY) where the default rule blocks them"
                    .to_owned(),
            );
        }
        if !weaker.is_empty() {
            let (code, fix) = if kind == RuleKind::Cluster {
                (
                    LintCode::Bz003,
                    "require every attestor the default requires (adding the cluster's own) and enforce the rule, or make the default the weaker rule".to_owned(),
                )
            } else {
                (
                    LintCode::Bz004,
                    format!(
                        "make sure only trusted deployers can use {who}, or require the default rule's attestors there too"
                    ),
                )
            };
            out.push(Lint::new(
                code,
                path.clone(),
                format!(
                    "the rule for {who} is weaker than the default rule: {}",
                    weaker.join(", and ")
                ),
                fix,
            ));
        }
        if rule.enforcement_mode() == EnforcementMode::DryRun && !dry_run_only_here {
            out.push(Lint::new(
                LintCode::Bz006,
                format!("{path}.enforcementMode"),
                format!("the rule for {who} has enforcementMode DRYRUN_AUDIT_LOG_ONLY, so images that violate its {mode} are admitted and only logged"),
                "once the audit log shows no unexpected violations, set enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG".to_owned(),
            ));
        }
    }
}

/// Same mode, same attestors (in any order) and same enforcement.
fn same_rule(a: &AdmissionRule, b: &AdmissionRule) -> bool {
    let (x, y) = (a.required_attestors(), b.required_attestors());
    a.evaluation_mode() == b.evaluation_mode()
        && a.enforcement_mode() == b.enforcement_mode()
        && x.len() == y.len()
        && x.iter().all(|n| y.contains(n))
}

fn attestor_lints(policy: &Policy, attestor: &Attestor, out: &mut Vec<Lint>) {
    let name = attestor.name();
    attestor_names(attestor, out);
    if !policy.required_attestors().iter().any(|(n, _)| *n == name) {
        out.push(
            Lint::new(
                LintCode::Bz023,
                "name",
                format!("attestor `{name}` is not in any rule's requireAttestationsBy, so its attestations are never checked"),
                "add it to requireAttestationsBy of the rules that should require it, or leave it out of the attestors given".to_owned(),
            )
            .about(name),
        );
    }
    if attestor.keys().is_empty() {
        out.push(
            Lint::new(
                LintCode::Bz020,
                "userOwnedGrafeasNote.publicKeys",
                format!("attestor `{name}` has no public keys, so it can never be satisfied and every rule that requires it denies every image"),
                "add the signer's public key (gcloud container binauthz attestors public-keys add)".to_owned(),
            )
            .about(name),
        );
    }
    for (i, key) in attestor.keys().iter().enumerate() {
        #[allow(
            clippy::infallible_destructuring_match,
            reason = "infallible only without the `pgp` feature"
        )]
        let pkix = match key.key() {
            PublicKey::Pkix(pkix) => pkix,
            // PGP keys have no PKIX signature algorithm to lint.
            #[cfg(feature = "pgp")]
            PublicKey::Pgp(_) => continue,
        };
        let algorithm = pkix.algorithm();
        let path = format!("userOwnedGrafeasNote.publicKeys[{i}].pkixPublicKey.signatureAlgorithm");
        let id = key.id();
        if algorithm.key_kind() == (KeyKind::Rsa { modulus_bits: 2048 }) {
            out.push(
                Lint::new(
                    LintCode::Bz021,
                    path,
                    format!("key `{id}` uses {algorithm}, a 2048-bit RSA key with 112-bit security, which NIST SP 800-57 accepts for new signatures only through 2030"),
                    "add an ECDSA_P256_SHA256 (or RSA 3072+ PSS) key, sign new attestations with it, then remove this key".to_owned(),
                )
                .about(name),
            );
        } else if algorithm.scheme() == SignatureScheme::RsaPkcs1v15 {
            out.push(
                Lint::new(
                    LintCode::Bz022,
                    path,
                    format!("key `{id}` uses {algorithm}, the legacy PKCS#1 v1.5 padding, where RSA-PSS has a security proof and ECDSA keys are smaller and faster"),
                    "at the next key rotation choose ECDSA_P256_SHA256 or an RSA_PSS_* algorithm".to_owned(),
                )
                .about(name),
            );
        }
    }
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
