//! Check-based platform policies (`gkePolicy`), as GCP's Continuous Validation and
//! `gcloud beta container binauthz policy evaluate` apply them, evaluated offline
//! (spec/README.md §15): the policy, the pods and everything a check needs arrive as
//! documents; results come back in GCP's own shapes.

mod checks;
mod evaluate;
mod pattern;
mod policy;
mod request;
mod result;
mod severity;
#[cfg(test)]
mod tests;

pub use evaluate::{PlatformEvaluation, config_error_event, evaluate};
pub use pattern::{DirPattern, RepoPattern};
pub use policy::{
    Authenticator, AuthenticatorKey, Check, CheckKind, CheckSet, PlatformPolicy, Scope,
    SigstoreAuthority, SlsaRule, VulnerabilityCheck,
};
pub use request::{PlatformRequest, Pod};
pub use result::{
    AllowlistResult, CV_EVENT_TYPE, CheckResult, CheckResults, CheckSetResult, ConfigErrorEvent,
    ContinuousValidationEvent, CvCheckResult, EvaluateGkePolicyResponse, EvaluationResult,
    ImageDetails, ImageResult, PodEvent, PodResult, ScopeResult, Verdict,
};
pub use severity::Severity;
