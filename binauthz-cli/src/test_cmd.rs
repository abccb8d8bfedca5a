//! `binauthz test`: runs policy test files (spec/README.md §14). Discovery, file reading,
//! signing with test keys and writing `--update` files happen here; reading the test files,
//! running the cases and rendering the results are the core's (`binauthz_core::testing`).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use binauthz_core::Attestor;
use binauthz_core::api;
use binauthz_core::limits::MAX_REQUEST_BYTES;
use binauthz_core::testing::{self, Resolver, SignSpec, SuiteResult, TestReport};
use clap::{Args, ValueEnum};

use crate::Exit;
use crate::input::{CliError, read_text};
use crate::sign::{Signing, read_private_key, sign_occurrence};

/// The ending that marks a test file when a directory is searched.
pub const TEST_FILE_SUFFIX: &str = "_test.yaml";

const AFTER_HELP: &str = "\
Test files (spec/README.md §14) name a policy, its attestors, attestations and cases with what
the policy must decide. Directories are searched recursively for files named *_test.yaml
(directories whose names start with `.` are skipped); files given by name are run whatever their
name. Paths inside a test file are relative to it.

Exit status:
  0  every case passed
  1  at least one case failed (its expected and actual values are shown)
  2  a test file is malformed, names a file that cannot be read or a request that is not valid,
     no test file or case was found, or usage error";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// A readable summary with a diff of each failure.
    Text,
    /// JUnit XML (GitLab, Jenkins, GitHub test reporters).
    Junit,
    /// TAP version 13.
    Tap,
    /// The results as JSON (spec/schema/test-report.schema.json).
    Json,
}

/// Arguments of `binauthz test`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct TestArgs {
    /// Test files, or directories to search for *_test.yaml files (default: the current
    /// directory).
    #[arg(value_name = "FILES or DIRS")]
    paths: Vec<PathBuf>,
    /// How to print the results.
    #[arg(long, value_enum, default_value = "text")]
    output: Output,
    /// Run only the cases whose name contains PATTERN (a plain, case-sensitive substring).
    #[arg(long, value_name = "PATTERN")]
    run: Option<String>,
    /// Also write each file's actual outcomes as expectations into a new file beside it,
    /// NAME_test.actual.yaml; refuses when that file exists.
    #[arg(long)]
    update: bool,
}

/// Reads files relative to a test file's directory and signs with the CLI's `sign`.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn path(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }
}

impl Resolver for Files {
    fn read(&self, path: &str) -> Result<String, String> {
        read_text(&self.path(path), MAX_REQUEST_BYTES).map_err(|e| e.to_string())
    }

    fn sign(&self, spec: &SignSpec) -> Result<String, String> {
        let mut attestors = Vec::new();
        for file in &spec.attestor_files {
            let text = self.read(file)?;
            attestors.extend(Attestor::parse_many(&text).map_err(|e| format!("{file}: {e}"))?);
        }
        let key_file = self.path(&spec.key).display().to_string();
        let key_text = read_private_key(&self.path(&spec.key)).map_err(|e| e.to_string())?;
        let occurrence = sign_occurrence(&Signing {
            artifact_url: &spec.image,
            attestors,
            attestor_file: &spec.attestor_files.join(", "),
            attestor_name: Some(&spec.attestor),
            key_text: &key_text,
            key_file: &key_file,
            public_key_id: None,
            algorithm: None,
        })
        .map_err(|e| e.to_string())?;
        Ok(occurrence.to_string())
    }
}

/// Every test file under `paths`, in a stable order.
fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else if path.exists() {
            found.push(path.clone());
        } else {
            return Err(CliError::new(
                path.display().to_string(),
                "no such file or directory",
            ));
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let name = dir.display().to_string();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| CliError::new(&name, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let file_name = file_name.unwrap_or_default();
        if path.is_dir() {
            if !file_name.starts_with('.') {
                walk(&path, found)?;
            }
        } else if file_name.ends_with(TEST_FILE_SUFFIX) {
            found.push(path);
        }
    }
    Ok(())
}

/// Where `--update` writes a test file's actual outcomes.
fn actual_path(file: &Path) -> PathBuf {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_default();
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(&name);
    file.with_file_name(format!("{stem}.actual.yaml"))
}

/// Runs the command.
pub fn run(args: &TestArgs) -> Result<Exit, CliError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = discover(&paths)?;
    if files.is_empty() {
        return Err(CliError::new(
            "binauthz test",
            format!("no test files (*{TEST_FILE_SUFFIX}) found"),
        ));
    }
    let mut report = TestReport { suites: Vec::new() };
    let mut updates = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let text = read_text(file, binauthz_core::limits::MAX_CONFIG_BYTES)?;
        // The detail's message already names its field path.
        let mut suite = api::parse_tests(&text).map_err(|r| match r.errors.first() {
            Some(e) => CliError::new(&name, &e.message),
            None => CliError::new(&name, r.message),
        })?;
        if let Some(pattern) = &args.run {
            suite.cases.retain(|c| c.name.contains(pattern.as_str()));
            if suite.cases.is_empty() {
                continue;
            }
        }
        let dir = file.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        let result: SuiteResult = api::run_tests(&name, &suite, &Files { dir });
        if args.update {
            updates.push((actual_path(file), testing::with_actual(&suite, &result)));
        }
        report.suites.push(result);
    }
    if report.suites.is_empty() {
        return Err(CliError::new(
            "--run",
            format!(
                "no case name contains `{}`",
                args.run.as_deref().unwrap_or_default()
            ),
        ));
    }
    write_updates(&updates)?;
    print(&report, args.output)?;
    let (_, failed, errors) = report.counts();
    Ok(if errors > 0 {
        Exit::BadInput
    } else if failed > 0 {
        Exit::Blocked
    } else {
        Exit::Ok
    })
}

/// Writes `--update` files, refusing (before writing any) when one exists.
fn write_updates(updates: &[(PathBuf, testing::Suite)]) -> Result<(), CliError> {
    for (path, _) in updates {
        if path.exists() {
            return Err(CliError::new(
                path.display().to_string(),
                "exists; --update never overwrites a file (remove or rename it first)",
            ));
        }
    }
    for (path, suite) in updates {
        let name = path.display().to_string();
        let value = serde_json::to_value(suite).map_err(|e| CliError::new(&name, e))?;
        let text = format!(
            "# The actual outcomes of `binauthz test --update`: review them, then rename this file\n\
             # to end in _test.yaml or copy the expectations you agree with.\n{}",
            testing::yaml(&value)
        );
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| CliError::write(&name, &e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| CliError::write(&name, &e))?;
        eprintln!(
            "binauthz: wrote {}",
            binauthz_core::untrusted::escape(&name)
        );
    }
    Ok(())
}

fn print(report: &TestReport, output: Output) -> Result<(), CliError> {
    let text = match output {
        Output::Text => testing::text(report),
        Output::Junit => testing::junit(report),
        Output::Tap => testing::tap(report),
        Output::Json => {
            let mut json =
                serde_json::to_string_pretty(report).map_err(|e| CliError::new("output", e))?;
            json.push('\n');
            json
        }
    };
    out!("{text}");
    Ok(())
}
