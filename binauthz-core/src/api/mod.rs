//! The API every binding calls and none re-implements (ARCHITECTURE.md): engines from
//! documents, requests from parts, validation with every error, AdmissionReview answers, and one
//! error report shape. Three layers, as in cedar-policy: typed Rust functions here, and the same
//! operations on JSON text in [`json`], which the C ABI and WebAssembly re-export.

mod report;

pub use report::{ErrorDetail, ErrorReport, ErrorStage};
