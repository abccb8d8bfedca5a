//! Errors for everything that reads input: documents, configs and requests.
//!
//! Every error carries a stable [`ErrorCode`] (shared with the C, Go and WASM bindings) and a
//! lower-case one-sentence message that names the field path and the offending value.

use std::fmt;

/// The stable category of an error, shared by every binding (see spec/README.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The document is not valid YAML or JSON, or not UTF-8.
    Syntax,
    /// A size, nesting or count limit was exceeded.
    Limit,
    /// A field has the wrong type, an unknown enum value, an unknown field, or a bad value.
    Invalid,
    /// The policy names an attestor that the config does not contain.
    Reference,
    /// Valid GCP input that binauthz does not support yet.
    Unsupported,
}

impl ErrorCode {
    /// The code as the lower-case string used in JSON and by the bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Syntax => "syntax",
            ErrorCode::Limit => "limit",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Reference => "reference",
            ErrorCode::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which input was at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ErrorStage {
    /// The config: the policy and its attestors (building an engine, validating, linting).
    Config,
    /// The request: images, an object, attestations, context or evaluation time.
    Request,
}

impl ErrorStage {
    /// `config` or `request`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorStage::Config => "config",
            ErrorStage::Request => "request",
        }
    }
}

/// An error found while reading one document, with the path of the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    code: ErrorCode,
    path: String,
    message: String,
}

impl InputError {
    /// An error about the field at `path` (empty for the whole document).
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            code,
            path: path.into(),
            message: message.into(),
        }
    }

    /// An [`ErrorCode::Invalid`] error about the field at `path`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, path, message)
    }

    /// The stable error category.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The field path, e.g. `defaultAdmissionRule.evaluationMode`; empty for the whole document.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The message without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the path with `parent` (used when a document is embedded in another).
    pub fn within(mut self, parent: &str) -> Self {
        self.path = join_path(parent, &self.path);
        self
    }
}

/// Joins two field paths: `a` + `b` → `a.b`, `a` + `[0].b` → `a[0].b`.
pub(crate) fn join_path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else if child.is_empty() {
        parent.to_owned()
    } else if child.starts_with('[') {
        format!("{parent}{child}")
    } else {
        format!("{parent}.{child}")
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for InputError {}

/// Why an engine could not be built or a request could not be evaluated.
///
/// Either way nothing is admitted: a host must treat every error as a denial.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The config (policy and attestors) is invalid.
    #[error("invalid config: {0}")]
    Config(InputError),
    /// The request is invalid.
    #[error("invalid request: {0}")]
    Request(InputError),
}

impl Error {
    /// Which input was at fault: the config or the request.
    pub fn stage(&self) -> ErrorStage {
        match self {
            Error::Config(_) => ErrorStage::Config,
            Error::Request(_) => ErrorStage::Request,
        }
    }

    /// The stable error category.
    pub fn code(&self) -> ErrorCode {
        self.input().code()
    }

    /// The underlying error with its field path.
    pub fn input(&self) -> &InputError {
        match self {
            Error::Config(e) | Error::Request(e) => e,
        }
    }
}

/// Shorthand for results whose error is an [`InputError`].
pub type InputResult<T> = Result<T, InputError>;
