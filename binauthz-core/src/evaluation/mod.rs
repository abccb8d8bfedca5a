//! Evaluation: which rule applies to each image, which attestors it needs, and whether their
//! attestations verify — within the request's budget, with a cache of conclusions. The words
//! of the decision are `crate::decision::wording`'s.

mod attestors;
pub(crate) mod cache;
mod cloud_run;
mod engine;
pub(crate) mod plan;
pub(crate) mod reason_list;

pub use engine::Engine;
pub use plan::{CheckId, PlannedCheck, Verdicts, VerificationPlan};
