//! One error shape for every binding: what the CLI prints with `--output json`, what C reads
//! through `binauthz_error_json`, what Go decodes into `binauthz.Error` and what JavaScript gets
//! as the properties of a `BinauthzError` (spec/README.md §8.5).

use serde::Serialize;

use crate::error::{Error, ErrorCode, ErrorStage, InputError};

/// One error of one document: its code, field path and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorDetail {
    /// The document at fault, as the caller named it: `config`, `request`, `policy`,
    /// `attestors`, or a file name.
    pub document: String,
    /// The stable code.
    pub code: ErrorCode,
    /// The field path within the document (empty for the whole document).
    pub path: String,
    /// The message, with the path (`` `path`: message ``).
    pub message: String,
}

impl ErrorDetail {
    /// The detail of an error of `document`.
    pub fn new(document: &str, e: &InputError) -> Self {
        ErrorDetail {
            document: document.to_owned(),
            code: e.code(),
            path: e.path().to_owned(),
            message: e.to_string(),
        }
    }
}

/// Why a call failed, in the shape every binding reports: the first error's code, path and
/// sentence, the stage, and every error when a check reports them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorReport {
    /// The stable code of the first error.
    pub code: ErrorCode,
    /// Which input was at fault.
    pub stage: ErrorStage,
    /// The first error's field path (empty for the whole document).
    pub path: String,
    /// The sentence for people: `invalid config: …`, with a count of further errors.
    pub message: String,
    /// Every error, in document order (one entry when the call stops at the first).
    pub errors: Vec<ErrorDetail>,
}

impl ErrorReport {
    /// The report of every error of one input; `what` names the input in the message
    /// (`invalid policy: …`). An empty list is reported as one error: a check that fails must
    /// never look like a success.
    pub fn all(stage: ErrorStage, what: &str, errors: &[InputError]) -> Self {
        let details = errors.iter().map(|e| ErrorDetail::new(what, e)).collect();
        ErrorReport::of_details(stage, what, details)
    }

    /// The report of errors found in one or more documents, each naming its own; the message
    /// names the first one's document (`what` when there is none).
    pub fn of_details(stage: ErrorStage, what: &str, mut errors: Vec<ErrorDetail>) -> Self {
        let bug = InputError::invalid("", "is invalid (no error was recorded; this is a bug)");
        let first = match errors.first() {
            Some(first) => first.clone(),
            None => {
                errors.push(ErrorDetail::new(what, &bug));
                ErrorDetail::new(what, &bug)
            }
        };
        let mut message = format!("invalid {}: {}", first.document, first.message);
        if errors.len() > 1 {
            let more = errors.len() - 1;
            let plural = if more == 1 { "error" } else { "errors" };
            message = format!("{message} (and {more} more {plural})");
        }
        ErrorReport {
            code: first.code,
            stage,
            path: first.path,
            message,
            errors,
        }
    }

    /// The report of one error of one input; `what` names the input in the message.
    pub fn one(stage: ErrorStage, what: &str, error: &InputError) -> Self {
        ErrorReport::all(stage, what, std::slice::from_ref(error))
    }

    /// The report of one error whose message is already a sentence of its own (no `invalid
    /// what:` prefix).
    pub fn bare(stage: ErrorStage, document: &str, error: &InputError) -> Self {
        let mut report = ErrorReport::one(stage, document, error);
        report.message = error.to_string();
        report
    }

    /// An error about an argument of a binding (a value that is not text, a count out of
    /// range), found before any document is read.
    pub fn argument(stage: ErrorStage, code: ErrorCode, what: &str, why: &str) -> Self {
        ErrorReport::one(stage, what, &InputError::new(code, "", why))
    }

    /// The report as JSON text. The report is plain strings, so this cannot fail.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                "{{\"code\":\"{}\",\"stage\":\"{}\",\"path\":\"\",\"message\":\"error\",\"errors\":[]}}",
                self.code, self.stage.as_str()
            )
        })
    }
}

impl From<&Error> for ErrorReport {
    fn from(e: &Error) -> Self {
        let stage = e.stage();
        ErrorReport::one(stage, stage.as_str(), e.input())
    }
}

impl From<Error> for ErrorReport {
    fn from(e: Error) -> Self {
        ErrorReport::from(&e)
    }
}

impl std::fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorReport {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_error_reads_as_its_own_message_with_stage_code_and_path() {
        let e = Error::Config(InputError::invalid("policy.name", "bad"));
        let report = ErrorReport::from(&e);
        assert_eq!(report.message, e.to_string());
        assert_eq!(report.stage, ErrorStage::Config);
        assert_eq!(report.code, ErrorCode::Invalid);
        assert_eq!(report.path, "policy.name");
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].message, "`policy.name`: bad");
    }

    #[test]
    fn every_error_is_kept_and_the_message_counts_the_others() {
        let errors = [
            InputError::invalid("a", "one"),
            InputError::new(ErrorCode::Limit, "b", "two"),
            InputError::invalid("c", "three"),
        ];
        let report = ErrorReport::all(ErrorStage::Config, "policy", &errors);
        assert_eq!(
            report.message,
            "invalid policy: `a`: one (and 2 more errors)"
        );
        assert_eq!(report.errors.len(), 3);
        assert_eq!(report.errors[1].code, ErrorCode::Limit);
    }

    #[test]
    fn an_empty_error_list_still_fails() {
        let report = ErrorReport::all(ErrorStage::Config, "policy", &[]);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.code, ErrorCode::Invalid);
    }

    #[test]
    fn the_json_shape_is_code_stage_path_message_errors() {
        let report = ErrorReport::one(
            ErrorStage::Request,
            "request",
            &InputError::new(ErrorCode::Syntax, "", "not YAML"),
        );
        let v: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(v["code"], "syntax");
        assert_eq!(v["stage"], "request");
        assert_eq!(v["path"], "");
        assert_eq!(v["message"], "invalid request: not YAML");
        assert_eq!(v["errors"][0]["code"], "syntax");
    }
}
