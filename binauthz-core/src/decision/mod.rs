//! Decisions: what was decided for each image, which rule and attestors decided it, and why
//! (spec/README.md §8.2–8.4). Every type serializes to the JSON shape all bindings share.

use std::collections::BTreeMap;

pub(crate) mod wording;

use serde::Serialize;

use crate::model::context::Context;
use crate::model::context::Platform;
use crate::model::names::{AttestorName, KeyId, OccurrenceLabel};
use crate::model::policy::{EnforcementMode, EvaluationMode, RuleKind};

/// The outcome for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Conformant: admitted.
    Allowed,
    /// A violation under an enforced rule: blocked.
    Denied,
    /// A violation under a dry-run rule: admitted and logged.
    DryRunViolation,
    /// A violation admitted because breakglass was requested.
    Breakglass,
}

impl Verdict {
    /// Whether the image may run.
    pub fn admits(self) -> bool {
        !matches!(self, Verdict::Denied)
    }
}

/// The evaluation step that settled an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum DecisionStage {
    /// Breakglass admitted the image.
    Breakglass,
    /// Google's documented system images (`globalPolicyEvaluationMode: ENABLE`).
    SystemImage,
    /// An `admissionWhitelistPatterns` entry.
    Allowlist,
    /// The applicable admission rule.
    Rule,
    /// Nothing: the Cloud Run service or job does not enable Binary Authorization, so Cloud
    /// Run checks none of its images (spec §13).
    NotEnabled,
}

/// The kind of a reason; stable across releases and bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ReasonKind {
    /// The request asked for breakglass.
    Breakglass,
    /// The Cloud Run service or job does not enable Binary Authorization: Cloud Run admits the
    /// image unchecked (spec §13).
    NotEnabled,
    /// Matched Google's documented system images.
    SystemImage,
    /// Matched an allowlist pattern.
    Allowlisted,
    /// The rule is ALWAYS_ALLOW.
    AlwaysAllow,
    /// The rule is ALWAYS_DENY.
    AlwaysDeny,
    /// An attestor was satisfied.
    Attested,
    /// REQUIRE_ATTESTATION on a reference without a valid sha256 digest.
    TagReference,
    /// REQUIRE_ATTESTATION on text that is not an image reference at all (empty, or with
    /// whitespace, control or non-ASCII characters): no attestation can cover it.
    InvalidReference,
    /// No occurrence under the attestor's note for the image's digest.
    NoAttestation,
    /// The attestor has no public keys.
    NoPublicKeys,
    /// An occurrence carries no signatures.
    NoSignatures,
    /// An occurrence that could concern the attestor and the image's digest could not be read
    /// (a malformed `resourceUri`, a missing field, bad base64 …) and was skipped: it cannot
    /// satisfy the attestor (spec §5).
    OccurrenceMalformed,
    /// A signature names a key id the attestor does not have.
    UnknownKeyId,
    /// A signature does not verify with the key of that id.
    SignatureInvalid,
    /// A genuine PGP signature by a key or subkey that has expired at the evaluation time (or
    /// that has an expiry while the request gives no evaluation time).
    KeyExpired,
    /// A genuine PGP signature by a revoked key or subkey.
    KeyRevoked,
    /// A genuine PGP signature whose own expiration time has passed (or that expires while the
    /// request gives no evaluation time).
    SignatureExpired,
    /// A genuine PGP signature over literal data that differs from `serializedPayload`.
    SignedDataMismatch,
    /// The signature verified but the payload is not a JSON object.
    PayloadNotJson,
    /// The payload lacks `critical.image.docker-manifest-digest`.
    PayloadMissingDigest,
    /// The payload is signed for another digest.
    PayloadDigestMismatch,
    /// Signature checks were not run because the request reached a limit of spec §7.2 (checks
    /// per attestor and digest, checks per request, or the verification budget): fail closed.
    BudgetExhausted,
}

/// One explanation: what happened, in words, with the attestor, key and occurrence concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// The stable kind.
    pub kind: ReasonKind,
    /// A sentence for people.
    pub message: String,
    /// The attestor concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestor: Option<AttestorName>,
    /// The key id concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    /// The occurrence concerned (its name, or resource URI), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<OccurrenceLabel>,
    /// The allowlist or system pattern concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl Reason {
    /// A reason with only a kind and a message.
    pub(crate) fn new(kind: ReasonKind, message: impl Into<String>) -> Self {
        Reason {
            kind,
            message: message.into(),
            attestor: None,
            key_id: None,
            occurrence: None,
            pattern: None,
        }
    }
}

/// The rule that applied to an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppliedRule {
    /// The kind of rule.
    pub kind: RuleKind,
    /// The map key of a specific rule (normalised); `None` for the default rule.
    pub key: Option<String>,
    /// The rule's evaluation mode.
    pub evaluation_mode: EvaluationMode,
    /// The rule's enforcement mode.
    pub enforcement_mode: EnforcementMode,
}

impl AppliedRule {
    /// `default`, or `KIND:KEY` (for audit records).
    pub fn label(&self) -> String {
        match &self.key {
            Some(key) => [self.kind.as_str(), ":", key].concat(),
            None => self.kind.as_str().to_owned(),
        }
    }

    /// GCP's phrase for the rule: `default admission rule`, `cluster admission rule for KEY`, …
    pub fn phrase(&self) -> String {
        rule_phrase(self.kind, self.key.as_deref())
    }
}

/// [`AppliedRule::phrase`] of a rule of `kind` under map key `key`.
pub(crate) fn rule_phrase(kind: RuleKind, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{} for {key}", kind.phrase()),
        None => kind.phrase().to_owned(),
    }
}

/// The attestation that satisfied an attestor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VerifiedBy {
    /// The id of the key whose signature verified.
    pub key_id: KeyId,
    /// The occurrence (its name, or resource URI).
    pub occurrence: OccurrenceLabel,
}

/// How one attestor fared for one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttestorResult {
    /// The attestor.
    pub attestor: AttestorName,
    /// Whether a valid attestation was found.
    pub satisfied: bool,
    /// What satisfied it.
    pub verified_by: Option<VerifiedBy>,
    /// `attested` when satisfied; the failures otherwise, at most
    /// [`MAX_REASONS_PER_ATTESTOR`](crate::limits::MAX_REASONS_PER_ATTESTOR) plus the first of
    /// each further kind (and fewer when the image's own limit is reached).
    pub reasons: Vec<Reason>,
    /// Failures found but not listed in `reasons` (spec §7.2); omitted from JSON when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted_reasons: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The decision for one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImageDecision {
    /// The image reference as given.
    pub image: String,
    /// Its digest, when it has a valid one.
    pub digest: Option<String>,
    /// Whether the image may run.
    pub allowed: bool,
    /// The outcome.
    pub verdict: Verdict,
    /// The step that settled it.
    pub stage: DecisionStage,
    /// The allowlist or system pattern that matched, if that settled it.
    pub matched_pattern: Option<String>,
    /// The rule that applied (also reported under breakglass); `None` when an allowlist settled it.
    pub rule: Option<AppliedRule>,
    /// Per-attestor results for REQUIRE_ATTESTATION rules.
    pub attestors: Vec<AttestorResult>,
    /// Why the image was settled this way: at most
    /// [`MAX_REASONS_PER_IMAGE`](crate::limits::MAX_REASONS_PER_IMAGE) across its attestors,
    /// plus the first of each further kind.
    pub reasons: Vec<Reason>,
    /// Reasons found but not listed in `reasons` (spec §7.2); omitted from JSON when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted_reasons: u64,
    /// GCP-style denial text for a violation (also for dry-run and breakglass violations).
    pub denial: Option<String>,
}

/// A verified attestation, as the audit record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    /// The attestor satisfied.
    pub attestor: AttestorName,
    /// The key whose signature verified.
    pub key_id: KeyId,
    /// The occurrence.
    pub occurrence: OccurrenceLabel,
}

/// One image in the audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditImage {
    /// The image reference.
    pub image: String,
    /// Its digest, when valid.
    pub digest: Option<String>,
    /// The outcome.
    pub verdict: Verdict,
    /// `default`, `cluster:KEY`, …, or `allowlist`/`systemImage` when no rule applied.
    pub rule: String,
    /// The attestations that verified.
    pub verified_by: Vec<AuditVerification>,
    /// The failure messages of a violation.
    pub violations: Vec<String>,
}

/// A flat record of the decision for an audit log, with GKE's audit-log labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Whether the request was admitted.
    pub allowed: bool,
    /// `cloudRun` for a Cloud Run service or job; absent on GKE, so GKE records are as they were.
    #[serde(skip_serializing_if = "Platform::is_gke")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::cloud_run_platform")
    )]
    pub platform: Platform,
    /// The policy's name.
    pub policy: Option<String>,
    /// Whether breakglass was requested.
    pub breakglass: bool,
    /// Whether any image was admitted only because its rule is dry-run.
    pub dry_run: bool,
    /// The request's context.
    pub context: Context,
    /// The request's `evaluationTime` (RFC 3339), when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_time: Option<String>,
    /// One entry per image.
    pub images: Vec<AuditImage>,
    /// GKE's `imagepolicywebhook.image-policy.k8s.io/*` labels.
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::audit_labels")
    )]
    pub labels: BTreeMap<String, String>,
}

/// How much work a decision took: counters for tuning and monitoring, not part of what was
/// decided. They differ between a cold and a warm evaluation of the same request, so decisions
/// compare equal regardless of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    /// Signature checks answered by the engine's verification cache.
    pub cache_hits: u64,
    /// Signature checks that ran the cryptography (their conclusions are then cached).
    pub cache_misses: u64,
    /// Attestor checks answered by an earlier image of the same request with the same digest.
    pub reused_attestor_checks: u64,
    /// Signature checks started (run or answered by the cache), counted against the limits of
    /// spec §7.2 alike: a key tried on a signature.
    pub signature_checks: u64,
    /// Signature checks not run because a limit of spec §7.2 was reached.
    pub checks_not_tried: u64,
    /// The points of the verification budget spent (spec §7.2), the same cold or warm.
    pub verification_cost: u64,
    /// Reasons found but not listed, over every image and attestor.
    pub reasons_omitted: u64,
}

/// The decision for a whole request. Equality compares everything but the [`Diagnostics`].
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether the deploy may proceed: every image is admitted.
    pub allowed: bool,
    /// `cloudRun` for a Cloud Run service or job (spec §13); absent on GKE, so GKE decisions are
    /// as they were before Cloud Run was read.
    #[serde(skip_serializing_if = "Platform::is_gke")]
    #[cfg_attr(
        feature = "schema",
        schemars(schema_with = "crate::schema::cloud_run_platform")
    )]
    pub platform: Platform,
    /// Whether breakglass was requested.
    pub breakglass: bool,
    /// The policy's name.
    pub policy: Option<String>,
    /// A summary: GCP-style denial text, or what was admitted.
    pub message: String,
    /// Remarks about how the request was interpreted (e.g. a missing context value, occurrences
    /// skipped or of another kind); each bounded.
    pub notes: Vec<String>,
    /// Per-image decisions, in request order.
    pub images: Vec<ImageDecision>,
    /// The audit record.
    pub audit: AuditRecord,
    /// Cache and deduplication counters for this evaluation.
    pub diagnostics: Diagnostics,
}

impl PartialEq for Decision {
    fn eq(&self, other: &Self) -> bool {
        // Destructured so that a field added later cannot be silently left out.
        let Decision {
            allowed,
            platform,
            breakglass,
            policy,
            message,
            notes,
            images,
            audit,
            diagnostics: _,
        } = self;
        *allowed == other.allowed
            && *platform == other.platform
            && *breakglass == other.breakglass
            && *policy == other.policy
            && *message == other.message
            && *notes == other.notes
            && *images == other.images
            && *audit == other.audit
    }
}

impl Eq for Decision {}

impl Decision {
    /// The decision as pretty-printed JSON.
    pub fn to_json_pretty(&self) -> String {
        // Serializing these plain structs cannot fail (no maps with non-string keys).
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

pub(crate) const LABEL_BREAKGLASS: &str = "imagepolicywebhook.image-policy.k8s.io/break-glass";
pub(crate) const LABEL_DRY_RUN: &str = "imagepolicywebhook.image-policy.k8s.io/dry-run";
pub(crate) const LABEL_OVERRIDDEN: &str =
    "imagepolicywebhook.image-policy.k8s.io/overridden-verification-result";
