//! What running a suite found (spec/README.md §14.4): per case passed, failed or error, each
//! mismatch with what was expected and what the policy decided, and the outcome itself.

use serde::Serialize;

use crate::decision::{Decision, DecisionStage, ReasonKind, Verdict};
use crate::model::policy::RuleKind;

/// The results of every test file a run found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TestReport {
    /// One result per test file, in the order they ran.
    pub suites: Vec<SuiteResult>,
}

/// The results of one test file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SuiteResult {
    /// The test file, as the host names it.
    pub file: String,
    /// Cases that passed.
    pub passed: usize,
    /// Cases whose outcome differs from the expectation.
    pub failed: usize,
    /// Cases that could not run (a file missing, a request that is not valid).
    pub errors: usize,
    /// Every case, in the file's order.
    pub cases: Vec<CaseResult>,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum CaseStatus {
    /// The outcome is what the case expects.
    Passed,
    /// The outcome differs (see `mismatches`).
    Failed,
    /// The case could not run (see `error`).
    Error,
}

/// One case's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// How it ended.
    pub status: CaseStatus,
    /// What differs, when it failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
    /// Why it could not run, when it is an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the policy decided, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// One difference between the expectation and the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Mismatch {
    /// The expectation's field, e.g. `allowed` or `images["0"].verdict`.
    pub field: String,
    /// What the case expects.
    pub expected: String,
    /// What the policy decided.
    pub actual: String,
}

/// The parts of a decision a case can expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outcome {
    /// Whether the request is admitted.
    pub allowed: bool,
    /// Each image, in request order.
    pub images: Vec<ImageOutcome>,
}

/// One image's decision, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImageOutcome {
    /// The image reference, as the request has it.
    pub image: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// The stage that settled it.
    pub stage: DecisionStage,
    /// The kind of rule that applied, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleKind>,
    /// The kinds of its reasons and its attestors' reasons, in order, each once.
    pub reason_kinds: Vec<ReasonKind>,
}

impl Outcome {
    /// The brief of a decision.
    pub fn of(decision: &Decision) -> Outcome {
        Outcome {
            allowed: decision.allowed,
            images: decision
                .images
                .iter()
                .map(|image| {
                    let mut kinds: Vec<ReasonKind> = Vec::new();
                    let attestor_reasons = image.attestors.iter().flat_map(|a| &a.reasons);
                    for reason in image.reasons.iter().chain(attestor_reasons) {
                        if !kinds.contains(&reason.kind) {
                            kinds.push(reason.kind);
                        }
                    }
                    ImageOutcome {
                        image: image.image.clone(),
                        verdict: image.verdict,
                        stage: image.stage,
                        rule: image.rule.as_ref().map(|r| r.kind),
                        reason_kinds: kinds,
                    }
                })
                .collect(),
        }
    }
}

impl SuiteResult {
    /// A suite's result from its cases, counted.
    pub fn new(file: impl Into<String>, cases: Vec<CaseResult>) -> SuiteResult {
        let count = |s: CaseStatus| cases.iter().filter(|c| c.status == s).count();
        SuiteResult {
            file: file.into(),
            passed: count(CaseStatus::Passed),
            failed: count(CaseStatus::Failed),
            errors: count(CaseStatus::Error),
            cases,
        }
    }
}
