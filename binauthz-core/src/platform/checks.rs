//! Each check kind, for one image (spec/README.md §15.4). Every signature check is admitted by
//! the request's budget (spec §7.2) and capped per check and image, so whoever files
//! attestations or signatures cannot make an evaluation cost more than a request may.

use std::collections::{HashMap, HashSet};

use crate::budget::RequestBudget;
use crate::limits::{MAX_CHECKS_PER_PLATFORM_CHECK, MAX_PLATFORM_PATTERN_MATCHES};
use crate::model::digest::Digest;
use crate::model::image::ImageRef;
use crate::model::occurrence::Occurrence;
use crate::model::payload::check_payload;
use crate::platform::pattern::normalized_repository;
use crate::platform::policy::{CheckKind, SigstoreAuthority, VulnerabilityCheck};
use crate::platform::request::{PlatformRequest, project_of};
use crate::platform::result::Verdict;
use crate::untrusted::shown;

/// How many rejections an explanation names before counting the rest.
const REASONS_SHOWN: usize = 3;

/// A check's outcome: its verdict and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) verdict: Verdict,
    pub(crate) explanation: String,
}

impl Outcome {
    fn new(verdict: Verdict, explanation: impl Into<String>) -> Self {
        Outcome {
            verdict,
            explanation: explanation.into(),
        }
    }
}

/// Everything checks share while one request is evaluated.
pub(crate) struct Checker<'a> {
    request: &'a PlatformRequest,
    budget: RequestBudget,
    /// The attestation occurrences by the digest they concern.
    attestations: HashMap<&'a Digest, Vec<&'a Occurrence>>,
    /// Pattern matches and listed items compared so far (spec §15.5).
    matches: u64,
}

impl<'a> Checker<'a> {
    /// A checker for one request, with its budgets unspent.
    pub(crate) fn new(request: &'a PlatformRequest) -> Self {
        let mut attestations: HashMap<&Digest, Vec<&Occurrence>> = HashMap::new();
        for occurrence in request.attestations.valid() {
            attestations
                .entry(occurrence.digest())
                .or_default()
                .push(occurrence);
        }
        Checker {
            request,
            budget: RequestBudget::default(),
            attestations,
            matches: 0,
        }
    }

    /// Counts `n` more pattern matches or compared items; false once the request's allowance
    /// ([`MAX_PLATFORM_PATTERN_MATCHES`]) is spent.
    pub(crate) fn charge_matches(&mut self, n: usize) -> bool {
        if n == 0 {
            return true;
        }
        self.matches = self.matches.saturating_add(n as u64);
        self.matches <= MAX_PLATFORM_PATTERN_MATCHES
    }
}

/// The outcome of a check stopped because the request's matching allowance is spent.
fn matches_spent(what: &str) -> Outcome {
    Outcome::new(
        Verdict::Error,
        format!(
            "stopped before comparing the image's {what}: the request's {MAX_PLATFORM_PATTERN_MATCHES} pattern matches and compared items are spent (spec §15.5)"
        ),
    )
}

/// Reasons a check did not find a valid signature, kept short.
#[derive(Default)]
struct Reasons {
    shown: Vec<String>,
    more: usize,
}

impl Reasons {
    fn push(&mut self, reason: String) {
        if self.shown.len() < REASONS_SHOWN {
            self.shown.push(reason);
        } else {
            self.more += 1;
        }
    }

    fn sentence(&self) -> String {
        let mut s = self.shown.join("; ");
        if self.more > 0 {
            s.push_str(&format!("; and {} more", self.more));
        }
        s
    }
}

impl Checker<'_> {
    /// Evaluates `kind` for `image`.
    pub(crate) fn check(&mut self, kind: &CheckKind, image: &ImageRef) -> Outcome {
        if let Some(why) = image.invalid() {
            return Outcome::new(
                Verdict::NonConformant,
                format!(
                    "`{}` is not an image reference: {why}",
                    shown(image.as_str())
                ),
            );
        }
        match kind {
            CheckKind::AlwaysDeny => Outcome::new(
                Verdict::NonConformant,
                "the check always denies (alwaysDeny)",
            ),
            CheckKind::TrustedDirectory(patterns) => {
                let repository = normalized_repository(image.repository());
                match patterns.iter().find(|p| p.matches(&repository)) {
                    Some(p) => Outcome::new(
                        Verdict::Conformant,
                        format!("the image is in trusted directory `{}`", p.as_str()),
                    ),
                    None => {
                        // Name a few patterns, not all: an explanation is repeated for every
                        // image, and a list may hold a thousand.
                        let mut listed: Vec<String> = patterns
                            .iter()
                            .take(REASONS_SHOWN)
                            .map(|p| format!("`{}`", p.as_str()))
                            .collect();
                        if patterns.len() > REASONS_SHOWN {
                            listed.push(format!("{} more", patterns.len() - REASONS_SHOWN));
                        }
                        Outcome::new(
                            Verdict::NonConformant,
                            format!(
                                "the image's repository `{}` is not in a trusted directory ({})",
                                shown(&repository),
                                listed.join(", ")
                            ),
                        )
                    }
                }
            }
            CheckKind::SimpleSigning {
                authenticators,
                projects,
            } => match image.digest() {
                None => no_digest(image),
                Some(digest) => self.simple_signing(authenticators, projects, digest),
            },
            CheckKind::Sigstore(authorities) => match image.digest() {
                None => no_digest(image),
                Some(digest) => self.sigstore(authorities, digest),
            },
            CheckKind::Freshness(days) => match image.digest() {
                None => no_digest(image),
                Some(digest) => self.freshness(*days, image, digest),
            },
            CheckKind::Vulnerability(check) => match image.digest() {
                None => no_digest(image),
                Some(digest) => self.vulnerability(check, digest),
            },
            CheckKind::Slsa(_) => Outcome::new(
                Verdict::Error,
                "SLSA provenance checks are not supported offline: they need Google Cloud Build's provenance and its builders' roots of trust, which only GCP fetches (spec §15.4)",
            ),
        }
    }

    fn simple_signing(
        &mut self,
        authenticators: &[crate::platform::policy::Authenticator],
        projects: &[String],
        digest: &Digest,
    ) -> Outcome {
        let mut reasons = Reasons::default();
        let mut tried = 0u64;
        let mut seen = 0usize;
        let occurrences = self.attestations.get(digest).cloned().unwrap_or_default();
        if !self.charge_matches(occurrences.len()) {
            return matches_spent("attestations");
        }
        for occurrence in occurrences {
            let project = occurrence.name().and_then(project_of);
            if !projects.is_empty() && !project.as_ref().is_some_and(|p| projects.contains(p)) {
                reasons.push(format!(
                    "occurrence {} is not in {}",
                    shown(occurrence.label()),
                    projects.join(", ")
                ));
                continue;
            }
            seen += 1;
            let Some(payload) = occurrence.payload() else {
                reasons.push(format!(
                    "occurrence {} has no serializedPayload",
                    shown(occurrence.label())
                ));
                continue;
            };
            for signature in occurrence.signatures() {
                let keys = authenticators.iter().flat_map(|a| {
                    a.keys
                        .iter()
                        .filter(|k| k.id.as_str() == signature.public_key_id())
                        .map(move |k| (a, k))
                });
                let mut matched = false;
                for (authenticator, key) in keys {
                    matched = true;
                    if let Err(stopped) = admit(&self.budget, tried, "attestation") {
                        return stopped;
                    }
                    tried += 1;
                    self.budget.charge_check(crate::budget::Work::verification(
                        crate::budget::pkix_points(key.key.algorithm()),
                        payload.len(),
                    ));
                    let who = match &authenticator.display_name {
                        Some(name) => format!("authenticator `{}`", shown(name)),
                        None => "an authenticator".to_owned(),
                    };
                    match key.key.verify(payload, signature.bytes()) {
                        Err(e) => reasons.push(format!(
                            "occurrence {}: the signature by key {} ({who}) was rejected: {e}",
                            shown(occurrence.label()),
                            shown(key.id.as_str())
                        )),
                        Ok(()) => match check_payload(payload, digest) {
                            Err(e) => reasons.push(format!(
                                "occurrence {}: the signature by key {} verified, but {e}",
                                shown(occurrence.label()),
                                shown(key.id.as_str())
                            )),
                            Ok(()) => {
                                return Outcome::new(
                                    Verdict::Conformant,
                                    format!(
                                        "attestation {} is signed by key {} of {who}",
                                        shown(occurrence.label()),
                                        shown(key.id.as_str())
                                    ),
                                );
                            }
                        },
                    }
                }
                if !matched {
                    reasons.push(format!(
                        "occurrence {}: no authenticator has a key with id {}",
                        shown(occurrence.label()),
                        shown(signature.public_key_id())
                    ));
                }
            }
        }
        let found = if seen == 0 {
            format!("no attestation occurrence for {digest}")
        } else {
            format!("no attestation for {digest} is signed by an authenticator's key")
        };
        let why = reasons.sentence();
        Outcome::new(
            Verdict::NonConformant,
            if why.is_empty() {
                found
            } else {
                format!("{found}: {why}")
            },
        )
    }

    fn sigstore(&mut self, authorities: &[SigstoreAuthority], digest: &Digest) -> Outcome {
        let entries = self
            .request
            .cosign
            .get(digest)
            .map_or(&[][..], Vec::as_slice);
        if entries.is_empty() {
            let mut why = format!("no cosign signature signs {digest}");
            if !self.request.unreadable_cosign.is_empty() {
                why.push_str(&format!(
                    " ({} signatures in the request could not be read)",
                    self.request.unreadable_cosign.len()
                ));
            }
            return Outcome::new(Verdict::NonConformant, why);
        }
        let mut reasons = Reasons::default();
        let mut tried = 0u64;
        for (n, entry) in entries.iter().enumerate() {
            for authority in authorities {
                for (k, key) in authority.keys.iter().enumerate() {
                    if let Err(stopped) = admit(&self.budget, tried, "cosign signature") {
                        return stopped;
                    }
                    tried += 1;
                    self.budget.charge_check(key.work(entry.payload.len()));
                    let who = match &authority.display_name {
                        Some(name) => format!("authority `{}` key {k}", shown(name)),
                        None => format!("an authority's key {k}"),
                    };
                    match key.verify(&entry.payload, &entry.signature) {
                        Ok(()) => {
                            return Outcome::new(
                                Verdict::Conformant,
                                format!(
                                    "cosign signature {n} of {digest} verified with {who} ({})",
                                    key.describe()
                                ),
                            );
                        }
                        Err(e) => reasons.push(format!("signature {n}, {who}: {e}")),
                    }
                }
            }
        }
        Outcome::new(
            Verdict::NonConformant,
            format!(
                "none of the {} cosign signatures of {digest} verified with a trusted key: {}",
                entries.len(),
                reasons.sentence()
            ),
        )
    }

    fn freshness(&mut self, days: u32, image: &ImageRef, digest: &Digest) -> Outcome {
        let Some(now) = self.request.evaluation_time else {
            return Outcome::new(
                Verdict::Error,
                "the request has no evaluationTime, so the image's age cannot be known",
            );
        };
        let uploads = self
            .request
            .uploads
            .get(digest)
            .map_or(&[][..], Vec::as_slice);
        // The record of the image's own repository; else, failing closed, the oldest upload
        // of the same digest.
        let repository = crate::model::image::strip_scheme(image.repository());
        let upload = uploads
            .iter()
            .find(|u| u.repository == repository)
            .or_else(|| uploads.iter().min_by_key(|u| u.time.unix_seconds()));
        let Some(upload) = upload else {
            return Outcome::new(
                Verdict::Error,
                format!(
                    "the upload time of {digest} is unknown: the request's dockerImages has no record of it"
                ),
            );
        };
        let age = now
            .unix_seconds()
            .saturating_sub(upload.time.unix_seconds());
        let max = i64::from(days).saturating_mul(86_400);
        if age > max {
            Outcome::new(
                Verdict::NonConformant,
                format!(
                    "the image was uploaded at {}, {} days before the evaluation time {now}, more than the {days} days allowed",
                    upload.time,
                    age / 86_400
                ),
            )
        } else {
            Outcome::new(
                Verdict::Conformant,
                format!(
                    "the image was uploaded at {}, within {days} days of the evaluation time {now}",
                    upload.time
                ),
            )
        }
    }

    fn vulnerability(&mut self, check: &VulnerabilityCheck, digest: &Digest) -> Outcome {
        let in_projects = |project: Option<&str>| {
            check.projects.is_empty()
                || project.is_some_and(|p| check.projects.iter().any(|q| q == p))
        };
        let scanned = self.request.scans.get(digest).is_some_and(|scans| {
            scans
                .iter()
                .any(|p| in_projects(Some(p.as_str()).filter(|p| !p.is_empty())))
        });
        if !scanned {
            return Outcome::new(
                Verdict::Error,
                format!(
                    "no finished vulnerability scan of {digest} was found{} (a DISCOVERY occurrence with analysisStatus FINISHED_SUCCESS)",
                    if check.projects.is_empty() {
                        String::new()
                    } else {
                        format!(" in {}", check.projects.join(", "))
                    }
                ),
            );
        }
        let allowed: HashSet<&str> = check.allowed_cves.iter().map(String::as_str).collect();
        let blocked: HashSet<&str> = check.blocked_cves.iter().map(String::as_str).collect();
        let listed = self.request.vulnerabilities.get(digest).map_or(0, Vec::len);
        if !self.charge_matches(listed) {
            return matches_spent("vulnerabilities");
        }
        let mut reasons = Reasons::default();
        let mut counted = 0usize;
        let mut violations = 0usize;
        for v in self
            .request
            .vulnerabilities
            .get(digest)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|v| in_projects(v.project.as_deref()))
        {
            counted += 1;
            let severity = v.severity.map_or("SEVERITY_UNSPECIFIED", |s| s.name());
            let fix = if v.fix_available {
                "fixable"
            } else {
                "unfixable"
            };
            let cve = shown(&v.cve);
            if blocked.contains(v.cve.as_str()) {
                violations += 1;
                reasons.push(format!("{cve} ({severity}, {fix}) is in blockedCves"));
                continue;
            }
            if allowed.contains(v.cve.as_str()) {
                continue;
            }
            let (max, field) = if v.fix_available {
                (check.maximum_fixable, "maximumFixableSeverity")
            } else {
                (check.maximum_unfixable, "maximumUnfixableSeverity")
            };
            if !max.allows(v.severity) {
                violations += 1;
                reasons.push(format!(
                    "{cve} ({severity}, {fix}) exceeds {field} {}",
                    max.name()
                ));
            }
        }
        if violations == 0 {
            Outcome::new(
                Verdict::Conformant,
                format!("{counted} vulnerabilities of {digest}, none beyond the check's limits"),
            )
        } else {
            Outcome::new(
                Verdict::NonConformant,
                format!(
                    "{violations} of the {counted} vulnerabilities of {digest} are not allowed: {}",
                    reasons.sentence()
                ),
            )
        }
    }
}

/// A check that needs a digest, for an image without one: a tag never satisfies a check.
fn no_digest(image: &ImageRef) -> Outcome {
    let what = match image.malformed_digest() {
        Some(d) => format!("its digest `{}` is not a sha256 digest", shown(d)),
        None => "it is referenced by tag, not by digest".to_owned(),
    };
    Outcome::new(
        Verdict::NonConformant,
        format!(
            "`{}` cannot satisfy this check: {what} (a check binds one sha256 digest)",
            shown(image.as_str())
        ),
    )
}

/// Whether one more signature check may run for a check and image that have run `tried`:
/// [`MAX_CHECKS_PER_PLATFORM_CHECK`] of them, then the request's budget (spec §7.2).
fn admit(budget: &RequestBudget, tried: u64, what: &str) -> Result<(), Outcome> {
    let limit = if tried >= MAX_CHECKS_PER_PLATFORM_CHECK as u64 {
        format!(
            "at most {MAX_CHECKS_PER_PLATFORM_CHECK} signature checks are run per check and image"
        )
    } else {
        match budget.admit(0) {
            Ok(()) => return Ok(()),
            Err(limit) => limit.describe(),
        }
    };
    Err(Outcome::new(
        Verdict::Error,
        format!("stopped before finding a verified {what}: {limit}"),
    ))
}
