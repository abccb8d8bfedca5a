//! Policy tests (spec/README.md §14): test files that say what a policy must decide, run
//! against the policy without a cloud account, with results CI systems read.
//!
//! The host reads files and signs with test keys through a [`Resolver`]; the core reads the
//! test file ([`Suite::parse`]), runs its cases ([`run_cases`], or `api::run_tests`, which also
//! compiles the policy) and renders the results ([`text`], [`junit`], [`tap`], or JSON through
//! serde).

mod format;
mod render;
mod result;
mod run;
#[cfg(test)]
mod tests;

pub use format::{
    AttestationSource, Case, DecisionWord, Expectation, ExpectedRule, ExpectedVerdict,
    ImageExpectation, ObjectSource, SignEntry, Suite,
};
pub use render::{junit, tap, text, yaml};
pub use result::{
    CaseResult, CaseStatus, ImageOutcome, Mismatch, Outcome, SuiteResult, TestReport,
};
pub use run::{compare, run_cases, with_actual};

/// What a test run asks of its host: files, and attestations signed with test keys.
pub trait Resolver {
    /// The text of a file a test file names (a policy, attestors, attestations or an object),
    /// by its path relative to the test file; or why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;

    /// One attestation occurrence (JSON) for `spec.image`, signed with the private key
    /// `spec.key` for the attestor `spec.attestor`; or why it cannot be made.
    fn sign(&self, spec: &SignSpec) -> Result<String, String>;
}

/// One image to sign with a test key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignSpec {
    /// The private key file, relative to the test file.
    pub key: String,
    /// The attestor to sign for.
    pub attestor: String,
    /// The image, by digest.
    pub image: String,
    /// The suite's attestor files (relative to the test file), where the attestor is defined.
    pub attestor_files: Vec<String>,
}
