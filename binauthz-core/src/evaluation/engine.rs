//! The engine: a policy compiled with its attestors, evaluating requests (spec/README.md §7).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::cloud_run::{self, CloudRunAllowlist};
use crate::decision::wording::denial::{self, denial_detail};
use crate::decision::wording::{self, reasons, rules};
use crate::decision::wording::{audit_record, summary};
use crate::decision::{
    AppliedRule, AttestorResult, Decision, DecisionStage, Diagnostics, ImageDecision, Reason,
    ReasonKind, Verdict,
};
use crate::error::{Error, ErrorCode, InputError};
use crate::evaluation::attestors::{Checker, OccurrenceIndex, check_attestor};
use crate::evaluation::cache::{self, CacheStats, VerificationCache};
use crate::evaluation::plan::{Verdicts, VerificationPlan};
use crate::evaluation::reason_list::ReasonList;
use crate::limits::{MAX_ATTESTORS_IN_DENIAL, MAX_REASONS_PER_IMAGE};
use crate::model::allowlist::{AllowlistIndex, system_image_match};
use crate::model::attestor::Attestor;
use crate::model::config::Config;
use crate::model::context::Platform;
use crate::model::digest::Digest;
use crate::model::image::ImageRef;
use crate::model::names::AttestorName;
use crate::model::policy::{
    AdmissionRule, EnforcementMode, GlobalPolicyEvaluationMode, Policy, RuleAction, RuleKind,
    normalize_istio,
};
use crate::request::{Context, Request};

/// A policy compiled with its attestors. `Send + Sync`: build it once, share it.
///
/// The policy never changes after compilation. What does change is the verification cache
/// (spec §7.1): the conclusions of signature checks, remembered across requests and keyed by the
/// key, signature, payload and digest, so a decision never depends on whether it was cached.
/// Clones share one cache.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Policy,
    attestors: BTreeMap<AttestorName, Attestor>,
    allowlist: AllowlistIndex,
    /// The allowlist without tag patterns, for Cloud Run (spec §13); `None` when no pattern
    /// names a tag.
    cloud_run_allowlist: Option<CloudRunAllowlist>,
    cache: Arc<VerificationCache>,
    /// Threads a cold request's signatures are verified on (spec §7.3); 1 is this thread alone.
    verify_threads: usize,
}

/// The per-request memory of attestor checks, by (attestor, digest): however many images share
/// a digest, each attestor is checked for it once. Only digests that more than one image has
/// are remembered (`shared`), so a request of distinct images copies nothing.
struct RequestMemo<'r> {
    occurrences: OccurrenceIndex<'r>,
    shared: BTreeSet<&'r Digest>,
    results: BTreeMap<(&'r AttestorName, &'r Digest), AttestorResult>,
    reused: u64,
}

impl<'r> RequestMemo<'r> {
    fn new(request: &'r Request) -> Self {
        let mut shared = BTreeSet::new();
        if let [_, _, ..] = request.images() {
            let mut seen = BTreeSet::new();
            for digest in request.images().iter().filter_map(ImageRef::digest) {
                if !seen.insert(digest) {
                    shared.insert(digest);
                }
            }
        }
        RequestMemo {
            occurrences: OccurrenceIndex::new(request.occurrences()),
            shared,
            results: BTreeMap::new(),
            reused: 0,
        }
    }
}

/// The outcome of evaluating one image against the policy, before breakglass and dry-run.
pub(super) struct Evaluated {
    pub(super) conformant: bool,
    pub(super) stage: DecisionStage,
    pub(super) matched_pattern: Option<String>,
    pub(super) rule: Option<(AppliedRule, EnforcementMode)>,
    pub(super) attestors: Vec<AttestorResult>,
    pub(super) reasons: Vec<Reason>,
    pub(super) omitted_reasons: u64,
    pub(super) detail: Option<String>,
}

impl Engine {
    /// The verification cache a new engine has: 10,000 entries, about 3.3 MB when full
    /// (spec §7.1).
    pub const DEFAULT_CACHE_ENTRIES: usize = cache::DEFAULT_CACHE_ENTRIES;

    /// Compiles a policy with its attestors. Every attestor the policy names must be present
    /// (error paths are relative to the policy, and `attestors[i]` to the attestor list).
    pub fn new(policy: Policy, attestors: Vec<Attestor>) -> Result<Self, Error> {
        let mut by_name = BTreeMap::new();
        for (i, a) in attestors.into_iter().enumerate() {
            let name = a.name().clone();
            if by_name.insert(name.clone(), a).is_some() {
                return Err(Error::Config(InputError::invalid(
                    format!("attestors[{i}].name"),
                    format!("attestor `{name}` is defined twice"),
                )));
            }
        }
        for (name, path) in policy.required_attestors() {
            if !by_name.contains_key(name) {
                return Err(Error::Config(InputError::new(
                    ErrorCode::Reference,
                    path,
                    format!(
                        "the policy requires attestor `{name}`, but no attestor with that name was given"
                    ),
                )));
            }
        }
        Ok(Engine {
            allowlist: AllowlistIndex::new(policy.allowlist()),
            cloud_run_allowlist: CloudRunAllowlist::new(&policy),
            policy,
            attestors: by_name,
            cache: Arc::new(VerificationCache::new(Self::DEFAULT_CACHE_ENTRIES)),
            verify_threads: 1,
        })
    }

    /// This engine with an empty verification cache of at most `entries` entries (0 disables
    /// it; the default is [`Engine::DEFAULT_CACHE_ENTRIES`]). An entry takes about 330 bytes resident
    /// (benches/RESULTS.md).
    pub fn with_cache_capacity(mut self, entries: usize) -> Self {
        self.set_cache_capacity(entries);
        self
    }

    /// Replaces the verification cache with an empty one of at most `entries` entries, as
    /// [`Self::with_cache_capacity`] does, for an engine the caller holds mutably. Clones made
    /// earlier keep sharing the old cache.
    pub fn set_cache_capacity(&mut self, entries: usize) {
        self.cache = Arc::new(VerificationCache::new(entries));
    }

    /// The verification cache's counters since the engine (or its cache) was made.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Compiles a config document (YAML or JSON text).
    pub fn from_config_str(text: &str) -> Result<Self, Error> {
        Self::from_config(Config::parse(text).map_err(Error::Config)?)
    }

    /// Compiles a parsed config; error paths are relative to the config document.
    pub fn from_config(config: Config) -> Result<Self, Error> {
        Self::new(config.policy, config.attestors).map_err(|e| match e {
            Error::Config(e) if e.code() == ErrorCode::Reference => {
                Error::Config(e.within("policy"))
            }
            other => other,
        })
    }

    /// Compiles a config document given as bytes (rejecting text that is not UTF-8).
    pub fn from_config_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_config(Config::parse_bytes(bytes).map_err(Error::Config)?)
    }

    /// The compiled policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The attestors, by name.
    pub fn attestors(&self) -> impl Iterator<Item = &Attestor> {
        self.attestors.values()
    }

    /// Evaluates a request document (YAML or JSON text).
    pub fn evaluate_str(&self, request: &str) -> Result<Decision, Error> {
        let request = Request::parse(request).map_err(Error::Request)?;
        Ok(self.evaluate(&request))
    }

    /// Evaluates a request document given as bytes (rejecting text that is not UTF-8).
    pub fn evaluate_bytes(&self, request: &[u8]) -> Result<Decision, Error> {
        let request = Request::parse_bytes(request).map_err(Error::Request)?;
        Ok(self.evaluate(&request))
    }

    /// The most threads [`Engine::with_verify_threads`] uses.
    pub const MAX_VERIFY_THREADS: usize = 64;

    /// This engine verifying a request's signatures on up to `threads` threads (spec §7.3):
    /// when a request needs more than one verification the cache cannot answer, they are
    /// planned, verified in parallel, and the decision is made with their outcomes — the same
    /// decision, byte for byte, as on one thread. 0 and 1 mean this thread alone (the default);
    /// more than [`Engine::MAX_VERIFY_THREADS`] means that many. A wasm32 build has no threads
    /// and ignores it. Threads are started per request, so a host sizes this to the cores it
    /// can give one request.
    pub fn with_verify_threads(mut self, threads: usize) -> Self {
        self.set_verify_threads(threads);
        self
    }

    /// Sets the thread count as [`Self::with_verify_threads`] does, for an engine the caller
    /// holds mutably.
    pub fn set_verify_threads(&mut self, threads: usize) {
        self.verify_threads = threads.clamp(1, Self::MAX_VERIFY_THREADS);
    }

    /// The threads a request's verifications may use (1: this thread alone).
    pub fn verify_threads(&self) -> usize {
        self.verify_threads
    }

    /// Evaluates a request. A [`Request`] always has at least one image, so this cannot fail.
    ///
    /// With [`Engine::with_verify_threads`] above 1, a request needing more than one
    /// verification has them planned and verified in parallel first.
    pub fn evaluate(&self, request: &Request) -> Decision {
        if self.verify_threads > 1 && !cfg!(target_arch = "wasm32") {
            let plan = self.plan(request);
            if plan.len() > 1 {
                let verdicts = plan.verify_all(self.verify_threads);
                return self.evaluate_verified(request, &verdicts);
            }
        }
        self.run(
            request,
            &mut Checker::new(&self.cache, request.evaluation_time()),
        )
    }

    /// Evaluates `request` as [`Engine::evaluate`] does on one thread, with the points of the
    /// signature checks and diagnoses that ran (those the cache answered left out): what a
    /// policy-test file's budget counts (spec §14.1).
    pub(crate) fn evaluate_counting(&self, request: &Request) -> (Decision, u64) {
        let mut checker = Checker::new(&self.cache, request.evaluation_time());
        let decision = self.run(request, &mut checker);
        (decision, checker.uncached_points)
    }

    /// The signature checks `request` needs that the verification cache cannot answer, for a
    /// host that verifies them itself (spec §7.3); nothing is verified, counted or cached.
    /// PGP checks are never planned.
    pub fn plan<'a>(&'a self, request: &'a Request) -> VerificationPlan<'a> {
        let mut checker = Checker::planning(&self.cache, request.evaluation_time());
        // The images' checks alone: a plan needs no decision worded.
        self.evaluate_images(request, &mut checker, &mut Vec::new());
        checker.into_plan()
    }

    /// Every image of `request` evaluated (before breakglass and dry run), in order, with the
    /// attestor checks reused within the request.
    fn evaluate_images<'a>(
        &'a self,
        request: &'a Request,
        checker: &mut Checker<'a>,
        notes: &mut Vec<String>,
    ) -> (Vec<Evaluated>, u64) {
        let context = request.context();
        let run = context.cloud_run.as_ref();
        // Cloud Run applies the default rule only (spec §13): its cluster, namespace and service
        // account do not exist in GKE's sense, so they never select a rule.
        let (rule_kind, rule_key, rule) = match run {
            Some(_) => (RuleKind::Default, None, self.policy.default_rule()),
            None => self.select_rule(context, notes),
        };
        let enforced = run.is_none_or(|r| cloud_run::enforced(r, context));
        let mut memo = RequestMemo::new(request);
        let evaluated = request
            .images()
            .iter()
            .map(|image| match run {
                Some(r) if !enforced => cloud_run::not_enabled(r),
                _ => self.evaluate_image(
                    image,
                    (rule_kind, rule_key.as_deref(), rule),
                    run.is_some(),
                    &mut memo,
                    checker,
                ),
            })
            .collect();
        (evaluated, memo.reused)
    }

    /// Evaluates `request` taking the outcomes in `verdicts` instead of verifying those checks
    /// (spec §7.3). The decision is the one [`Engine::evaluate`] makes: a host's acceptance
    /// counts only for a signature whose structure this crate accepts, and every check without
    /// an outcome, or that a host rejected, is verified here. Conclusions are cached as
    /// [`Engine::evaluate`]'s are.
    pub fn evaluate_verified(&self, request: &Request, verdicts: &Verdicts) -> Decision {
        self.run(
            request,
            &mut Checker::with_verdicts(&self.cache, request.evaluation_time(), verdicts),
        )
    }

    /// One evaluation, with `checker` deciding how signatures are checked.
    fn run<'a>(&'a self, request: &'a Request, checker: &mut Checker<'a>) -> Decision {
        let context = request.context();
        let run = context.cloud_run.as_ref();
        let mut notes = Vec::new();
        let (evaluated, reused) = self.evaluate_images(request, checker, &mut notes);
        // Cloud Run's breakglass is its justification; a service the setting leaves unenforced
        // has nothing to break.
        let (breakglass, justification) = match run {
            Some(r) if !cloud_run::enforced(r, context) => (false, None),
            _ => (
                context.breakglass,
                run.and_then(|r| r.breakglass_justification.as_deref()),
            ),
        };
        let images: Vec<ImageDecision> = request
            .images()
            .iter()
            .zip(evaluated)
            .map(|(image, evaluated)| finish(image, evaluated, breakglass, justification))
            .collect();
        let diagnostics = Diagnostics {
            cache_hits: checker.hits,
            cache_misses: checker.misses,
            reused_attestor_checks: reused,
            signature_checks: checker.budget.checks,
            checks_not_tried: checker.budget.not_tried,
            verification_cost: checker.budget.points(),
            reasons_omitted: images.iter().map(|i| i.omitted_reasons).sum(),
        };
        if images.iter().all(|i| i.rule.is_none()) {
            // No image reached the rules, so how the rule was chosen does not matter.
            notes.clear();
        }
        if let Some(r) = run {
            notes.extend(cloud_run::notes(
                &self.policy,
                context,
                r,
                &images,
                |image| self.tag_pattern_for(image),
            ));
        }
        notes.extend(request.occurrences().notes());
        let allowed = images.iter().all(|i| i.allowed);
        let mut message = summary(&images, allowed);
        if let Some(r) = run {
            message = wording::cloud_run::message(r, &message);
        }
        let platform = if run.is_some() {
            Platform::CloudRun
        } else {
            Platform::Gke
        };
        let mut audit = audit_record(&self.policy, context, &images, allowed);
        audit.platform = platform;
        audit.evaluation_time = request.evaluation_time().map(|t| t.to_string());
        Decision {
            allowed,
            platform,
            breakglass: context.breakglass,
            policy: self.policy.name().map(str::to_owned),
            message,
            notes,
            images,
            audit,
            diagnostics,
        }
    }

    /// The allowlist pattern that names a tag and matches `image`, if the first pattern a GKE
    /// evaluation would use is one (on Cloud Run it is not used: spec §13).
    fn tag_pattern_for(&self, image: &str) -> Option<String> {
        let image_ref = ImageRef::from_request(image).ok()?;
        if image_ref.invalid().is_some() {
            return None;
        }
        self.allowlist
            .find(self.policy.allowlist(), image)
            .filter(|p| crate::model::allowlist::pattern_names_tag(p.as_str()))
            .map(|p| p.as_str().to_owned())
    }

    /// The one rule that applies to this context (spec §7 step 4).
    fn select_rule(
        &self,
        context: &Context,
        notes: &mut Vec<String>,
    ) -> (RuleKind, Option<String>, &AdmissionRule) {
        let specific = self.policy.specific_rules();
        let Some(kind) = specific.kind() else {
            return (RuleKind::Default, None, self.policy.default_rule());
        };
        let key = match kind {
            RuleKind::Cluster => context.cluster.clone(),
            RuleKind::Namespace => context.namespace.clone(),
            RuleKind::ServiceAccount => context.namespace.as_ref().map(|ns| {
                format!(
                    "{ns}:{}",
                    context.service_account.as_deref().unwrap_or("default")
                )
            }),
            RuleKind::IstioIdentity => context
                .istio_identity
                .as_deref()
                .map(|id| normalize_istio(id).to_owned()),
            RuleKind::Default => None,
        };
        match key {
            None => {
                notes.push(rules::rule_context_missing(kind));
                (RuleKind::Default, None, self.policy.default_rule())
            }
            Some(key) => match specific.get(&key) {
                Some(rule) => (kind, Some(key), rule),
                None => (RuleKind::Default, None, self.policy.default_rule()),
            },
        }
    }

    fn evaluate_image<'r>(
        &'r self,
        image: &'r ImageRef,
        (kind, key, rule): (RuleKind, Option<&str>, &'r AdmissionRule),
        on_cloud_run: bool,
        memo: &mut RequestMemo<'r>,
        checker: &mut Checker<'r>,
    ) -> Evaluated {
        let text = image.as_str();
        // Text that is not an image reference is never matched by a pattern (spec §4): a pattern
        // names images, and whatever such text resembles, no registry serves it. Fail closed.
        let matchable = image.invalid().is_none();
        if matchable
            && self.policy.global_mode() == GlobalPolicyEvaluationMode::Enable
            && let Some(pattern) = system_image_match(text)
        {
            let reason = Reason {
                pattern: Some(pattern.to_owned()),
                ..Reason::new(ReasonKind::SystemImage, rules::system_image(text, pattern))
            };
            return settled_by_pattern(DecisionStage::SystemImage, pattern, reason);
        }
        let listed = match (on_cloud_run, &self.cloud_run_allowlist) {
            (true, Some(cloud_run)) => cloud_run.find(text),
            _ => self.allowlist.find(self.policy.allowlist(), text),
        };
        if matchable && let Some(pattern) = listed {
            let reason = Reason {
                pattern: Some(pattern.to_string()),
                ..Reason::new(ReasonKind::Allowlisted, rules::allowlisted(text, pattern))
            };
            return settled_by_pattern(DecisionStage::Allowlist, pattern.as_str(), reason);
        }
        let applied = AppliedRule {
            kind,
            key: key.map(str::to_owned),
            evaluation_mode: rule.evaluation_mode(),
            enforcement_mode: rule.enforcement_mode(),
        };
        let mut out = Evaluated {
            conformant: false,
            stage: DecisionStage::Rule,
            matched_pattern: None,
            rule: Some((applied, rule.enforcement_mode())),
            attestors: Vec::new(),
            reasons: Vec::new(),
            omitted_reasons: 0,
            detail: None,
        };
        match rule.action() {
            RuleAction::AlwaysAllow => {
                out.conformant = true;
                out.reasons.push(Reason::new(
                    ReasonKind::AlwaysAllow,
                    rules::always_allow(kind, key),
                ));
            }
            RuleAction::AlwaysDeny => {
                out.reasons.push(Reason::new(
                    ReasonKind::AlwaysDeny,
                    rules::always_deny(kind, key),
                ));
                out.detail = Some(denial::always_deny());
            }
            RuleAction::RequireAttestation(required) => {
                if let Some(why) = image.invalid() {
                    out.reasons.push(Reason::new(
                        ReasonKind::InvalidReference,
                        rules::invalid_reference(image, why, kind, key),
                    ));
                    out.detail = Some(denial::invalid_reference(why));
                    return out;
                }
                let Some(digest) = image.digest() else {
                    out.reasons.push(Reason::new(
                        ReasonKind::TagReference,
                        rules::tag_reference(image, kind, key),
                    ));
                    out.detail = Some(denial::tag_reference());
                    return out;
                };
                let mut listed = ReasonList::new(MAX_REASONS_PER_IMAGE);
                let mut details = Vec::new();
                let mut unsatisfied = 0usize;
                for name in required {
                    let fresh;
                    let result: &AttestorResult = match self.attestors.get(name) {
                        Some(attestor) => match memo.results.get(&(name, digest)) {
                            Some(earlier) => {
                                memo.reused += 1;
                                earlier
                            }
                            None => {
                                let result =
                                    check_attestor(attestor, digest, &memo.occurrences, checker);
                                if memo.shared.contains(digest) {
                                    memo.results.entry((name, digest)).or_insert(result)
                                } else {
                                    fresh = result;
                                    &fresh
                                }
                            }
                        },
                        // Engine::new guarantees presence; stay fail-closed regardless.
                        None => {
                            fresh = AttestorResult {
                                attestor: name.clone(),
                                satisfied: false,
                                verified_by: None,
                                reasons: vec![Reason {
                                    attestor: Some(name.clone()),
                                    ..Reason::new(
                                        ReasonKind::NoPublicKeys,
                                        reasons::not_configured(name),
                                    )
                                }],
                                omitted_reasons: 0,
                            };
                            &fresh
                        }
                    };
                    // The image lists a bounded share of each attestor's reasons (§7.2): copies
                    // stay small however many images share a digest.
                    let mut kept = Vec::new();
                    let mut omitted = result.omitted_reasons;
                    for r in &result.reasons {
                        if listed.push_with(r.kind, || r.clone()) {
                            kept.push(r.clone());
                        } else {
                            omitted += 1;
                        }
                    }
                    listed.add_omitted(result.omitted_reasons);
                    if !result.satisfied {
                        unsatisfied += 1;
                        if details.len() < MAX_ATTESTORS_IN_DENIAL {
                            details.push(denial_detail(text, name, &kept, omitted));
                        }
                    }
                    out.attestors.push(AttestorResult {
                        attestor: result.attestor.clone(),
                        satisfied: result.satisfied,
                        verified_by: result.verified_by.clone(),
                        reasons: kept,
                        omitted_reasons: omitted,
                    });
                }
                let (reasons, omitted) = listed.into_parts();
                out.reasons = reasons;
                out.omitted_reasons = omitted;
                out.conformant = unsatisfied == 0;
                if !out.conformant {
                    out.detail = Some(denial::unsatisfied_attestors(details, unsatisfied));
                }
            }
        }
        out
    }
}

fn settled_by_pattern(stage: DecisionStage, pattern: &str, reason: Reason) -> Evaluated {
    Evaluated {
        conformant: true,
        stage,
        matched_pattern: Some(pattern.to_owned()),
        rule: None,
        attestors: Vec::new(),
        reasons: vec![reason],
        omitted_reasons: 0,
        detail: None,
    }
}

/// Applies breakglass (with Cloud Run's justification, if any) and dry-run to an evaluated image.
fn finish(
    image: &ImageRef,
    e: Evaluated,
    breakglass: bool,
    justification: Option<&str>,
) -> ImageDecision {
    let enforcement = e.rule.as_ref().map(|(_, m)| *m);
    let verdict = if e.conformant {
        Verdict::Allowed
    } else if breakglass {
        Verdict::Breakglass
    } else if enforcement == Some(EnforcementMode::DryRun) {
        Verdict::DryRunViolation
    } else {
        Verdict::Denied
    };
    let mut reasons = e.reasons;
    let stage = if breakglass {
        let message = rules::breakglass(justification);
        reasons.insert(0, Reason::new(ReasonKind::Breakglass, message));
        DecisionStage::Breakglass
    } else {
        e.stage
    };
    let rule = e.rule.map(|(r, _)| r);
    let denial = match (&e.detail, &rule) {
        (Some(detail), Some(rule)) if !e.conformant => {
            Some(denial::denied_by_rule(image, rule, detail))
        }
        _ => None,
    };
    ImageDecision {
        image: image.as_str().to_owned(),
        digest: image.digest().map(|d| d.as_str().to_owned()),
        allowed: verdict.admits(),
        verdict,
        stage,
        matched_pattern: e.matched_pattern,
        rule,
        attestors: e.attestors,
        reasons,
        omitted_reasons: e.omitted_reasons,
        denial,
    }
}
