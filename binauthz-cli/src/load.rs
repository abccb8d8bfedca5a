//! Loading the engine and attestations from the files named on the command line.

use std::path::{Path, PathBuf};

use binauthz_core::attestation::Occurrences;
use binauthz_core::limits::{MAX_CONFIG_BYTES, MAX_REQUEST_BYTES};
use binauthz_core::{Attestor, Engine, Policy};

use crate::input::{CliError, read_text};

/// Reads a policy file.
pub fn policy(path: &Path) -> Result<Policy, CliError> {
    let name = path.display().to_string();
    let text = read_text(path, MAX_CONFIG_BYTES)?;
    Policy::parse(&text).map_err(|e| CliError::input(&name, &e))
}

/// Reads attestor files (each one attestor or a list).
pub fn attestors(paths: &[PathBuf]) -> Result<Vec<Attestor>, CliError> {
    let mut out = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = read_text(path, MAX_CONFIG_BYTES)?;
        out.extend(Attestor::parse_many(&text).map_err(|e| CliError::input(&name, &e))?);
    }
    Ok(out)
}

/// Compiles a policy file with attestor files.
pub fn engine(policy_path: &Path, attestor_paths: &[PathBuf]) -> Result<Engine, CliError> {
    let policy = policy(policy_path)?;
    let attestors = attestors(attestor_paths)?;
    Engine::new(policy, attestors).map_err(|e| {
        CliError::new(
            format!("{} with the --attestor files", policy_path.display()),
            e.input(),
        )
    })
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
