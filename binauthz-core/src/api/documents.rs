//! A policy and its attestors given as separate documents (as `gcloud … policy export` and
//! `gcloud … attestors describe` print them), checked together with every error reported: the
//! one reading the CLI's `policy validate`, the C ABI, Go and JavaScript all use.

use crate::error::Error;
use crate::evaluation::Engine;
use crate::model::attestor::Attestor;
use crate::model::policy::{Policy, validate_attestors};

use super::report::{ErrorDetail, ErrorReport};
use crate::error::ErrorStage;

/// One document and the name errors give it: `policy`, `attestors`, or a file name.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// The name errors give the document.
    pub name: &'a str,
    /// Its text, YAML or JSON.
    pub text: &'a str,
}

impl<'a> Document<'a> {
    /// A document named `name`.
    pub fn new(name: &'a str, text: &'a str) -> Self {
        Document { name, text }
    }
}

/// A policy and its attestors that passed every check, each attestor with the name of the
/// document it came from.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The policy.
    pub policy: Policy,
    /// The attestors, in document order, with their documents' names.
    pub attestors: Vec<(String, Attestor)>,
}

impl Checked {
    /// The attestors without their documents' names.
    pub fn attestors(&self) -> Vec<Attestor> {
        self.attestors.iter().map(|(_, a)| a.clone()).collect()
    }
}

/// What reading the documents found.
struct Read {
    policy: Option<Policy>,
    attestors: Vec<(String, Attestor)>,
    errors: Vec<ErrorDetail>,
}

fn read(policy: Option<Document<'_>>, attestor_documents: &[Document<'_>]) -> Read {
    let mut errors = Vec::new();
    let policy = policy.and_then(|policy| {
        Policy::validate(policy.text)
            .map_err(|all| errors.extend(all.iter().map(|e| ErrorDetail::new(policy.name, e))))
            .ok()
    });
    let mut attestors: Vec<(String, Attestor)> = Vec::new();
    for document in attestor_documents {
        let found = match validate_attestors(document.text) {
            Ok(found) => found,
            Err(all) => {
                errors.extend(all.iter().map(|e| ErrorDetail::new(document.name, e)));
                continue;
            }
        };
        for a in found {
            if let Some((first, _)) = attestors.iter().find(|(_, seen)| seen.name() == a.name()) {
                let e = crate::error::InputError::invalid(
                    "",
                    format!(
                        "attestor `{}` is defined twice (also in {first}); give each attestor once",
                        a.name()
                    ),
                );
                errors.push(ErrorDetail::new(document.name, &e));
            } else {
                attestors.push((document.name.to_owned(), a));
            }
        }
    }
    Read {
        policy,
        attestors,
        errors,
    }
}

/// Checks a policy with its attestors and reports every error: each document's own (as
/// [`Policy::validate`] and [`validate_attestors`](crate::api::validate_attestors) find them), attestors defined twice, and,
/// when attestor documents are given, the attestors the policy names but none defines. Error
/// paths are relative to the document at fault.
pub fn check_documents(
    policy: Document<'_>,
    attestors: &[Document<'_>],
) -> Result<Checked, ErrorReport> {
    let require_attestors = !attestors.is_empty();
    let checked = check(policy, attestors, require_attestors)?;
    if require_attestors {
        // Not expected after the checks above; reported rather than assumed.
        build(policy.name, &checked)?;
    }
    Ok(checked)
}

/// Compiles a policy with its attestors into an engine, with the errors of
/// [`check_documents`]; every attestor the policy names must be defined.
pub fn compile_documents(
    policy: Document<'_>,
    attestors: &[Document<'_>],
) -> Result<Engine, ErrorReport> {
    let checked = check(policy, attestors, true)?;
    build(policy.name, &checked)
}

fn check(
    policy_document: Document<'_>,
    attestor_documents: &[Document<'_>],
    require_attestors: bool,
) -> Result<Checked, ErrorReport> {
    let Read {
        policy,
        attestors,
        mut errors,
    } = read(Some(policy_document), attestor_documents);
    if let Some(policy) = &policy
        && errors.is_empty()
        && require_attestors
    {
        let all: Vec<Attestor> = attestors.iter().map(|(_, a)| a.clone()).collect();
        let missing = policy.missing_attestors(&all);
        errors.extend(
            missing
                .iter()
                .map(|e| ErrorDetail::new(policy_document.name, e)),
        );
    }
    match policy {
        Some(policy) if errors.is_empty() => Ok(Checked { policy, attestors }),
        _ => Err(ErrorReport::of_details(
            ErrorStage::Config,
            policy_document.name,
            errors,
        )),
    }
}

/// The errors of the documents a host could read when others could not (a file that does not
/// open): each document is still checked, and attestors defined twice are found, but the
/// attestors the policy names are not looked for, since they may be in a document that is
/// missing. The CLI's `policy validate` reports these beside its own read errors.
pub fn errors_of_read_documents(
    policy: Option<Document<'_>>,
    attestors: &[Document<'_>],
) -> Vec<ErrorDetail> {
    read(policy, attestors).errors
}

fn build(policy_name: &str, checked: &Checked) -> Result<Engine, ErrorReport> {
    Engine::new(checked.policy.clone(), checked.attestors()).map_err(|e| match e {
        Error::Config(e) | Error::Request(e) => {
            ErrorReport::one(ErrorStage::Config, policy_name, &e)
        }
    })
}
