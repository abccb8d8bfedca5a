//! binauthz-core: a pure, deterministic engine that decides whether container images may run,
//! compatible with Google Cloud Binary Authorization.
//!
//! The crate does no I/O: it reads documents given as text, verifies signatures, and returns
//! decisions that explain themselves. See spec/README.md for the formats and semantics.
//!
//! ```
//! use binauthz_core::Engine;
//!
//! let config = r#"{"policy": {"defaultAdmissionRule": {
//!     "evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}"#;
//! let engine = Engine::from_config_str(config).unwrap();
//! let decision = engine.evaluate_str(r#"{"images": ["gcr.io/acme/app:1"]}"#).unwrap();
//! assert!(!decision.allowed);
//! assert_eq!(decision.images[0].reasons[0].message,
//!     "denied by always_deny admission rule (the default admission rule is ALWAYS_DENY)");
//! ```
#![forbid(unsafe_code)]

// The layers, from the bottom (ARCHITECTURE.md): text and limits; crypto and PGP; the model
// (names, images, policies, attestors, occurrences, contexts); decisions and their wording;
// evaluation; objects (Kubernetes, Cloud Run) and requests; lint; and the API every binding
// calls. Modules are private unless they are a namespace of the public interface below.

// Foundations: errors, limits, times, showing untrusted text, counting work.
#[doc(hidden)]
pub mod budget;
mod error;
mod mix;
mod time;

// Text to values, bounded: YAML and JSON documents, gcloud's shape rules.
mod text;

// The model: names, images, policies, attestors, occurrences, contexts, workloads.
mod model;

// Decisions and their wording; evaluation.
mod decision;
mod evaluation;

// Objects that say what will run (Kubernetes, Cloud Run); requests; GCP's output shapes.
mod gcloud;
mod objects;
mod request;

// ---- The public interface ----

// The API every binding calls: engines from documents, requests from parts, validation with
// every error, AdmissionReview answers, and one error report shape.
pub mod api;

// Signature algorithms and PKIX keys, as GCP names and encodes them.
pub mod crypto;
// Kubernetes workload objects and AdmissionReviews: their images and context, and the
// responses a webhook sends.
pub use objects::kubernetes;
// Every size, nesting and count limit of the inputs (spec §7).
pub mod limits;
// Mistakes valid policies still make (spec/lint.md).
pub mod lint;
// Check-based platform policies (gkePolicy): reading, evaluating, GCP's result shapes.
pub mod platform;
// Policy tests: test files, their runner and their reports (spec/README.md §14).
pub mod testing;
// PGP attestor keys and PGP-signed attestations.
#[cfg(feature = "pgp")]
pub mod pgp;
// JSON Schemas of the shapes every binding shares (spec §8.6), generated from these types.
#[cfg(feature = "schema")]
pub mod schema;
// Showing untrusted text to people: escaping and shortening.
pub mod untrusted;

// Compiling and evaluating.
pub use evaluation::cache::CacheStats;
pub use evaluation::{CheckId, Engine, PlannedCheck, Verdicts, VerificationPlan};
pub use model::config::Config;

// What to evaluate.
pub use model::context::{CloudRunContext, CloudRunKind, Context, Platform};
pub use request::Request;

// Decisions.
pub use decision::{
    AppliedRule, AttestorResult, AuditImage, AuditRecord, AuditVerification, Decision,
    DecisionStage, Diagnostics, ImageDecision, Reason, ReasonKind, Verdict, VerifiedBy,
};

// The model: policies, attestors, attestations, names.
pub use model::allowlist::AllowlistPattern;
pub use model::attestor::{Attestor, AttestorKey, PublicKey};
pub use model::cosign::{
    COSIGN_PAYLOAD_TYPE, CosignPayload, CosignPayloadError, CosignSignature, CosignSignatures,
    cosign_signature_payload, cosign_signature_payload_with_annotations,
    create_cosign_signature_payload,
};
pub use model::digest::Digest;
pub use model::image::ImageRef;
pub use model::names::{AttestorName, KeyId, NoteName, OccurrenceLabel};
pub use model::occurrence::{Occurrence, Occurrences, Signature, SkippedOccurrence};
pub use model::payload::create_signature_payload;
pub use model::policy::{
    AdmissionRule, EnforcementMode, EvaluationMode, GlobalPolicyEvaluationMode, Policy, RuleAction,
    RuleKind, SpecificRules,
};
pub use time::Timestamp;

// Errors.
pub use error::{Error, ErrorCode, ErrorStage, InputError, InputResult};

/// Internals that benches and fuzz targets drive directly; not part of the stable API.
#[doc(hidden)]
pub mod internals {
    pub use crate::model::payload::check_payload;
}

/// The crate version, for `binauthz --version` and the bindings' `version()`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn engine_is_send_and_sync() {
        assert_send_sync::<crate::Engine>();
    }
}
