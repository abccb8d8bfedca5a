//! Policy tests through the API (spec/README.md §14): read a test file, compile its policy and
//! attestors once, run its cases. Files come from the host's [`Resolver`].

use std::collections::BTreeMap;

use crate::error::{ErrorStage, InputError};
use crate::evaluation::Engine;
use crate::limits::MAX_CONFIG_BYTES;
use crate::testing::{Resolver, SignSpec, Suite, SuiteResult, run_cases};

use super::report::ErrorReport;
use super::{Document, compile_documents};

/// The name of a test file in error reports.
pub const TEST_FILE: &str = "test file";

/// Reads and validates a test file, with the field path of its first error.
pub fn parse_tests(text: &str) -> Result<Suite, ErrorReport> {
    Suite::parse(text).map_err(|e| ErrorReport::one(ErrorStage::Config, TEST_FILE, &e))
}

/// Runs a suite: compiles its policy and attestors once ([`compile_documents`]), then every
/// case. `file` names the test file in the results. When the policy or attestors cannot be read
/// or compiled, every case is an error saying why.
pub fn run_tests(file: &str, suite: &Suite, resolver: &dyn Resolver) -> SuiteResult {
    match compile(suite, resolver) {
        Ok(engine) => run_cases(file, suite, Ok(&engine), resolver),
        Err(message) => run_cases(file, suite, Err(&message), resolver),
    }
}

fn compile(suite: &Suite, resolver: &dyn Resolver) -> Result<Engine, String> {
    let policy = resolver
        .read(&suite.policy)
        .map_err(|m| format!("policy: {m}"))?;
    // The attestor files are one config's attestors: at most its size together (spec §1), so
    // that naming one large file many times cannot multiply it.
    let mut attestors = Vec::new();
    let mut bytes = 0usize;
    for (i, path) in suite.attestors.iter().enumerate() {
        let text = resolver
            .read(path)
            .map_err(|m| format!("attestors[{i}]: {m}"))?;
        bytes = bytes.saturating_add(text.len());
        if bytes > MAX_CONFIG_BYTES {
            return Err(format!(
                "attestors[{i}]: the attestor files are {bytes} bytes so far, more than a \
                 config's limit of {MAX_CONFIG_BYTES} bytes"
            ));
        }
        attestors.push(text);
    }
    let documents: Vec<Document<'_>> = suite
        .attestors
        .iter()
        .zip(&attestors)
        .map(|(path, text)| Document::new(path, text))
        .collect();
    compile_documents(Document::new(&suite.policy, &policy), &documents).map_err(|report| {
        match report.errors.first() {
            Some(first) if !first.path.is_empty() => {
                format!("{}: {}: {}", first.document, first.path, first.message)
            }
            Some(first) => format!("{}: {}", first.document, first.message),
            None => report.message,
        }
    })
}

/// A [`Resolver`] over files given as text, by path; it cannot sign (private keys stay with
/// the CLI), so a case that signs on the fly is an error saying so.
#[derive(Debug, Clone, Default)]
pub struct GivenFiles {
    files: BTreeMap<String, String>,
}

impl GivenFiles {
    /// The files, by the paths the test file names them with.
    pub fn new(files: BTreeMap<String, String>) -> Self {
        GivenFiles { files }
    }
}

impl Resolver for GivenFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        self.files.get(path).cloned().ok_or_else(|| {
            let given: Vec<&str> = self.files.keys().map(String::as_str).collect();
            format!(
                "`{path}` is not among the files given ({})",
                if given.is_empty() {
                    "none".to_owned()
                } else {
                    given.join(", ")
                }
            )
        })
    }

    fn sign(&self, _spec: &SignSpec) -> Result<String, String> {
        Err(
            "signing with a test key needs the binauthz CLI (`binauthz test`); give the \
             attestations as files instead"
                .to_owned(),
        )
    }
}

/// An [`InputError`] of a test file as an error report.
pub fn test_file_error(error: &InputError) -> ErrorReport {
    ErrorReport::one(ErrorStage::Config, TEST_FILE, error)
}
