//! `binauthz policy validate` and `binauthz policy lint`: every error of a policy (and its
//! attestors) with field paths, then the mistakes that valid policies still make (spec/lint.md).

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use binauthz_core::RuleKind;
use binauthz_core::api::{self, Checked, Document};
use binauthz_core::lint::{self, Lint, Severity};
use binauthz_core::untrusted::escape;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::Exit;
use crate::evaluate::OutputFormat;
use crate::input::CliError;
use crate::load::Named;

const VALIDATE_HELP: &str = "\
Every error is reported (not just the first), one per line on standard error, with its file and
field path. With --attestor files, each attestor is validated too, and every attestor the policy
requires must be among them.

Example:
  binauthz policy validate spec/examples/policy.yaml --attestor spec/examples/attestors.yaml

Exit status: 0 valid, 2 any error (or bad usage).";

const LINT_HELP: &str = "\
Findings have a stable code (BZ001...), a severity (warning or info), the field path, a message
and a one-line fix; the table is spec/lint.md. Attestor checks (BZ020-BZ023, and BZ030 and
BZ032 on attestors) need --attestor.

Example:
  binauthz policy lint spec/examples/policy.yaml --attestor spec/examples/attestors.yaml
  binauthz policy lint policy.yaml --attestor attestors.yaml --deny-warnings --output json

Exit status: 0 no warnings (infos never fail), 1 warnings with --deny-warnings, 2 invalid input
(reported as by `policy validate`) or bad usage.";

const POLICY_HELP: &str = "\
Examples:
  binauthz policy validate spec/lint/invalid-policy.yaml
  binauthz policy lint spec/examples/policy.yaml --attestor spec/examples/attestors.yaml

The lint codes are in spec/lint.md.";

/// Arguments of `binauthz policy`.
#[derive(Debug, Args)]
#[command(after_help = POLICY_HELP)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Report every error of a policy file (and attestor files), with field paths.
    #[command(after_help = VALIDATE_HELP)]
    Validate(ValidateArgs),
    /// Warn about valid policies that let unattested images run or block by surprise.
    #[command(after_help = LINT_HELP)]
    Lint(LintArgs),
}

/// Arguments of `binauthz policy validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Policy file (YAML or JSON, as `gcloud container binauthz policy export` prints it).
    #[arg(value_name = "FILE")]
    policy: PathBuf,
    /// Attestor file: one attestor or a list (repeat for more files).
    #[arg(long = "attestor", value_name = "FILE")]
    attestors: Vec<PathBuf>,
}

/// Arguments of `binauthz policy lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Policy file (YAML or JSON, as `gcloud container binauthz policy export` prints it).
    #[arg(value_name = "FILE")]
    policy: PathBuf,
    /// Attestor file: one attestor or a list (repeat for more files).
    #[arg(long = "attestor", value_name = "FILE")]
    attestors: Vec<PathBuf>,
    /// Exit 1 when there is any warning (infos never fail).
    #[arg(long)]
    deny_warnings: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
}

/// Runs `binauthz policy ...`.
pub fn run(args: &PolicyArgs) -> Result<Exit, CliError> {
    match &args.command {
        PolicyCommand::Validate(a) => validate(a),
        PolicyCommand::Lint(a) => lint_policy(a),
    }
}

/// Reads the policy and attestor files and checks them with the core's API (every error of
/// every document, attestors defined twice, attestors the policy names but none defines),
/// printing every error to standard error. `None` when there was any.
fn check(policy_path: &Path, attestor_paths: &[PathBuf]) -> Option<Checked> {
    let mut errors: Vec<String> = Vec::new();
    let policy = Named::read(policy_path)
        .map_err(|e| errors.push(e.to_string()))
        .ok();
    let attestors: Vec<Named> = attestor_paths
        .iter()
        .filter_map(|p| Named::read(p).map_err(|e| errors.push(e.to_string())).ok())
        .collect();
    let documents: Vec<Document<'_>> = attestors.iter().map(Named::document).collect();
    let found = match (&policy, errors.is_empty()) {
        (Some(policy), true) => match api::check_documents(policy.document(), &documents) {
            Ok(checked) => return Some(checked),
            Err(report) => report.errors,
        },
        // A file did not open: check the others all the same.
        _ => api::errors_of_read_documents(policy.as_ref().map(Named::document), &documents),
    };
    errors.extend(
        found
            .iter()
            .map(|e| format!("{}: {}", e.document, e.message)),
    );
    for e in &errors {
        eprintln!("error: {}", escape(e));
    }
    let n = errors.len();
    eprintln!(
        "binauthz: error: {n} {} found",
        if n == 1 { "error" } else { "errors" }
    );
    None
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn validate(args: &ValidateArgs) -> Result<Exit, CliError> {
    let Some(checked) = check(&args.policy, &args.attestors) else {
        return Ok(Exit::BadInput);
    };
    let policy = &checked.policy;
    let mut summary = format!("default rule {}", policy.default_rule().evaluation_mode());
    let specific = policy.specific_rules();
    if let Some(kind) = specific.kind() {
        let what = match kind {
            RuleKind::Cluster => "cluster",
            RuleKind::Namespace => "namespace",
            RuleKind::ServiceAccount => "service-account",
            RuleKind::IstioIdentity => "Istio identity",
            RuleKind::Default => "default",
        };
        let n = specific.iter().count();
        let _ = write!(
            summary,
            ", {n} {what} {}",
            if n == 1 { "rule" } else { "rules" }
        );
    }
    let _ = write!(
        summary,
        ", {}",
        plural(
            policy.allowlist().len(),
            "allowlist pattern",
            "allowlist patterns"
        )
    );
    let required = policy.required_attestors().len();
    let _ = write!(
        summary,
        ", {} required",
        plural(required, "attestor", "attestors")
    );
    if !args.attestors.is_empty() {
        let _ = write!(summary, " ({} given)", checked.attestors.len());
    } else if required > 0 {
        summary.push_str(" (not checked: no --attestor files)");
    }
    outln!("{}: OK: {summary}", args.policy.display());
    Ok(Exit::Ok)
}

fn lint_policy(args: &LintArgs) -> Result<Exit, CliError> {
    let Some(checked) = check(&args.policy, &args.attestors) else {
        return Ok(Exit::BadInput);
    };
    let lints = lint::lint(&checked.policy, &checked.attestors());
    let policy_file = args.policy.display().to_string();
    let file_of = |l: &Lint| -> String {
        l.attestor
            .as_ref()
            .and_then(|name| checked.attestors.iter().find(|(_, a)| a.name() == name))
            .map_or_else(|| policy_file.clone(), |(file, _)| file.clone())
    };
    let warnings = lints
        .iter()
        .filter(|l| l.severity == Severity::Warning)
        .count();
    let infos = lints.len() - warnings;
    let failed = args.deny_warnings && warnings > 0;
    match args.output {
        OutputFormat::Json => {
            let items: Vec<Value> = lints
                .iter()
                .map(|l| {
                    let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
                    if let Value::Object(map) = &mut v {
                        map.insert("file".to_owned(), Value::String(file_of(l)));
                    }
                    v
                })
                .collect();
            let report = json!({
                "policy": policy_file,
                "passed": !failed,
                "warnings": warnings,
                "infos": infos,
                "lints": items,
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        OutputFormat::Text => {
            let mut out = String::new();
            for l in &lints {
                let label = paint(l.severity, &format!("{}[{}]", l.severity, l.code));
                let file = match &l.attestor {
                    Some(name) => format!("{} ({name})", file_of(l)),
                    None => file_of(l),
                };
                let line = format!("{file}: {}: {}", l.path, l.message);
                let _ = writeln!(out, "{label} {}", escape(&line));
                let _ = writeln!(out, "  fix: {}", escape(&l.fix));
            }
            if args.attestors.is_empty() {
                out.push_str(
                    "note: no --attestor files given, so the attestor checks (BZ020-BZ023, and BZ030 and BZ032 on attestors) were skipped\n",
                );
            }
            let counts = if lints.is_empty() {
                "no findings".to_owned()
            } else {
                format!(
                    "{}, {}",
                    plural(warnings, "warning", "warnings"),
                    plural(infos, "info", "infos")
                )
            };
            let verdict = if failed {
                " (failed: --deny-warnings)"
            } else {
                ""
            };
            let _ = writeln!(out, "{policy_file}: {counts}{verdict}");
            out!("{out}");
        }
    }
    Ok(if failed { Exit::Blocked } else { Exit::Ok })
}

/// Colours the severity label on a terminal, unless `NO_COLOR` is set (no-color.org).
fn paint(severity: Severity, text: &str) -> String {
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    if !colour {
        return text.to_owned();
    }
    let code = match severity {
        Severity::Warning => "1;33",
        Severity::Info => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
