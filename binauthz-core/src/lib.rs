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

pub mod allowlist;
pub mod api;
pub mod attestation;
pub mod attestor;
mod base64;
pub mod budget;
pub mod cache;
pub mod cloud_run;
pub mod config;
pub mod crypto;
pub mod decision;
pub mod digest;
mod document;
pub mod engine;
pub mod error;
mod export;
pub mod image;
pub mod kubernetes;
pub mod limits;
pub mod lint;
mod mix;
pub mod names;
pub mod payload;
#[cfg(feature = "pgp")]
pub mod pgp;
pub mod policy;
mod reason_list;
pub mod request;
pub mod time;
pub mod untrusted;
mod verify;
mod yaml;

pub use attestation::Occurrence;
pub use attestor::Attestor;
pub use cache::CacheStats;
pub use config::Config;
pub use decision::{Decision, Diagnostics, ImageDecision, Reason, ReasonKind, Verdict};
pub use digest::Digest;
pub use engine::Engine;
pub use error::{Error, ErrorCode, InputError};
pub use image::ImageRef;
pub use names::{AttestorName, KeyId, NoteName, OccurrenceLabel};
pub use payload::create_signature_payload;
pub use policy::Policy;
pub use request::{Context, Request};
pub use time::Timestamp;

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
