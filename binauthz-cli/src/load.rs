//! Loading the engine and attestations from the files named on the command line.

use std::path::{Path, PathBuf};

use binauthz_core::Engine;
use binauthz_core::Occurrences;
use binauthz_core::api::{self, Document, ErrorReport};
use binauthz_core::limits::{MAX_CONFIG_BYTES, MAX_REQUEST_BYTES};

use crate::input::{CliError, read_text};

/// Compiles a policy file with attestor files, as the core's API compiles documents: the first
/// error is reported, naming its file.
pub fn engine(policy_path: &Path, attestor_paths: &[PathBuf]) -> Result<Engine, CliError> {
    let policy = Named::read(policy_path)?;
    let attestors = attestor_paths
        .iter()
        .map(|p| Named::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let documents: Vec<Document<'_>> = attestors.iter().map(Named::document).collect();
    api::compile_documents(policy.document(), &documents).map_err(|report| first_error(&report))
}

/// A config file's name and text.
pub struct Named {
    /// The path as the user gave it.
    pub name: String,
    /// The text.
    pub text: String,
}

impl Named {
    /// Reads a config file (policy or attestors).
    pub fn read(path: &Path) -> Result<Named, CliError> {
        Ok(Named {
            name: path.display().to_string(),
            text: read_text(path, MAX_CONFIG_BYTES)?,
        })
    }

    /// The document, named by its path.
    pub fn document(&self) -> Document<'_> {
        Document::new(&self.name, &self.text)
    }
}

/// The first error of a report, naming its file.
pub fn first_error(report: &ErrorReport) -> CliError {
    match report.errors.first() {
        Some(e) => CliError::new(&e.document, &e.message),
        None => CliError::new("config", &report.message),
    }
}

/// Reads attestation occurrence files: each one occurrence, a list, a Container Analysis list
/// response, or a YAML stream of them (gcloud's default output). Occurrences that cannot be read
/// are kept as skipped, for the decision to explain (spec/README.md §5).
pub fn occurrences(paths: &[PathBuf]) -> Result<Occurrences, CliError> {
    let mut out = Occurrences::default();
    for path in paths {
        let name = path.display().to_string();
        let text = read_text(path, MAX_REQUEST_BYTES)?;
        out.extend(Occurrences::parse(&text).map_err(|e| CliError::input(&name, &e))?);
    }
    Ok(out)
}
