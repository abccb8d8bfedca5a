//! `binauthz platform-policy validate|evaluate`: check-based platform policies (gkePolicy) for
//! GKE, as `gcloud beta container binauthz policy evaluate` and Continuous Validation apply
//! them (spec/README.md §15).

use std::path::{Path, PathBuf};

use binauthz_core::Timestamp;
use binauthz_core::api::{self, ErrorReport, PlatformRequestParts};
use binauthz_core::limits::{MAX_CONFIG_BYTES, MAX_REQUEST_BYTES};
use binauthz_core::platform::{PlatformEvaluation, PlatformPolicy, Scope, Verdict};
use binauthz_core::untrusted::escape;
use clap::{Args, Subcommand, ValueEnum};

use crate::Exit;
use crate::evaluate::{OutputFormat, evaluation_time_or_now, parse_evaluation_time};
use crate::input::{CliError, read_text};

const HELP: &str = "\
Check-based platform policies (`gcloud beta container binauthz policy create ID --platform=gke
--policy-file=FILE`), evaluated offline: everything a check needs is given as files.

Examples (from the repository root):
  binauthz platform-policy validate spec/examples/platform-policy.yaml
  binauthz platform-policy evaluate spec/examples/platform-policy.yaml \\
      --object spec/examples/pods.json --attestations spec/examples/attestations.json \\
      --cosign-signatures spec/examples/cosign-signatures.jsonl \\
      --docker-images spec/examples/docker-images.json \\
      --vulnerabilities spec/examples/vulnerabilities.json --output cv-log";

const EVALUATE_HELP: &str = "\
The object is a Pod or other workload, an AdmissionReview, or a list of pods (`kubectl get pods
-A -o json`) for a whole-cluster continuous-validation pass.

--output json prints GCP's EvaluateGkePolicyResponse (as `gcloud beta container binauthz policy
evaluate` does); --output cv-log prints the Continuous Validation log's events, one JSON line per
pod that does not conform (a policy that cannot be read is one configErrorEvent line).

Exit status: 0 every pod conforms, 1 a pod does not conform or could not be evaluated (ERROR),
2 bad input or usage.";

/// Arguments of `binauthz platform-policy`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct PlatformArgs {
    #[command(subcommand)]
    command: PlatformCommand,
}

#[derive(Debug, Subcommand)]
enum PlatformCommand {
    /// Report every error of a platform policy file, with field paths.
    Validate(ValidateArgs),
    /// Warn about valid platform policies that check less than they seem to (spec/lint.md §2a).
    Lint(LintArgs),
    /// Evaluate pods against a platform policy.
    #[command(after_help = EVALUATE_HELP)]
    Evaluate(EvaluateArgs),
}

/// Arguments of `binauthz platform-policy validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Platform policy file (YAML or JSON, as gcloud imports and exports it).
    #[arg(value_name = "FILE")]
    policy: PathBuf,
}

/// Arguments of `binauthz platform-policy lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Platform policy file.
    #[arg(value_name = "FILE")]
    policy: PathBuf,
    /// Exit 1 when there is any warning (infos never fail).
    #[arg(long)]
    deny_warnings: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
}

/// How to print the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformOutput {
    /// One line per pod, image and check, for people.
    Text,
    /// GCP's EvaluateGkePolicyResponse.
    Json,
    /// Continuous Validation log lines (ContinuousValidationEvent), one per violating pod.
    CvLog,
}

/// Arguments of `binauthz platform-policy evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Platform policy file.
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// The pods: a workload, an AdmissionReview, a manifest, or `kubectl get pods -A -o json`
    /// output (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    object: PathBuf,
    /// Attestation occurrences, as gcloud or the Container Analysis API print them (repeatable).
    #[arg(long = "attestations", value_name = "FILE")]
    attestations: Vec<PathBuf>,
    /// `cosign download signature` output: one JSON line per signature (repeatable).
    #[arg(long = "cosign-signatures", value_name = "FILE")]
    cosign_signatures: Vec<PathBuf>,
    /// Artifact Registry image records with `uri` and `uploadTime` (repeatable).
    #[arg(long = "docker-images", value_name = "FILE")]
    docker_images: Vec<PathBuf>,
    /// Grafeas VULNERABILITY and DISCOVERY occurrences (repeatable).
    #[arg(long = "vulnerabilities", value_name = "FILE")]
    vulnerabilities: Vec<PathBuf>,
    /// The time image freshness is judged at, RFC 3339 in UTC. Default: now, from the system
    /// clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_evaluation_time)]
    evaluation_time: Option<Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlatformOutput::Text)]
    output: PlatformOutput,
}

/// Runs `binauthz platform-policy ...`.
pub fn run(args: &PlatformArgs) -> Result<Exit, CliError> {
    match &args.command {
        PlatformCommand::Validate(a) => validate(a),
        PlatformCommand::Lint(a) => lint(a),
        PlatformCommand::Evaluate(a) => evaluate(a),
    }
}

fn report_errors(file: &Path, report: &ErrorReport) {
    for e in &report.errors {
        eprintln!("error: {}: {}", file.display(), escape(&e.message));
    }
    let n = report.errors.len();
    eprintln!(
        "binauthz: error: {n} {} found",
        if n == 1 { "error" } else { "errors" }
    );
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::Everything => "every pod".to_owned(),
        Scope::Namespace(ns) => format!("namespace {ns}"),
        Scope::ServiceAccount { namespace, name } => format!("service account {namespace}:{name}"),
    }
}

fn validate(args: &ValidateArgs) -> Result<Exit, CliError> {
    let text = read_text(&args.policy, MAX_CONFIG_BYTES)?;
    let policy: PlatformPolicy = match api::validate_platform_policy(&text) {
        Ok(p) => p,
        Err(report) => {
            report_errors(&args.policy, &report);
            return Ok(Exit::BadInput);
        }
    };
    let sets: Vec<String> = policy
        .check_sets()
        .iter()
        .map(|s| {
            format!(
                "{} ({}, {} {})",
                escape(s.display_name().unwrap_or("unnamed")),
                scope_text(s.scope()),
                s.checks().len(),
                if s.checks().len() == 1 {
                    "check"
                } else {
                    "checks"
                }
            )
        })
        .collect();
    outln!(
        "{}: OK: {} allowlist patterns, {} check sets{}{}",
        args.policy.display(),
        policy.allowlist().len(),
        policy.check_sets().len(),
        if sets.is_empty() { "" } else { ": " },
        sets.join("; ")
    );
    Ok(Exit::Ok)
}

fn lint(args: &LintArgs) -> Result<Exit, CliError> {
    let text = read_text(&args.policy, MAX_CONFIG_BYTES)?;
    let findings = match api::lint_platform_policy(&text) {
        Ok(f) => f,
        Err(report) => {
            report_errors(&args.policy, &report);
            return Ok(Exit::BadInput);
        }
    };
    let warnings = findings
        .iter()
        .filter(|l| l.severity == binauthz_core::lint::Severity::Warning)
        .count();
    match args.output {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&findings).map_err(|e| CliError::new("output", e))?
        ),
        OutputFormat::Text => {
            for l in &findings {
                outln!(
                    "{}: {} {} `{}`: {}\n    fix: {}",
                    args.policy.display(),
                    l.severity,
                    l.code,
                    l.path,
                    escape(&l.message),
                    escape(&l.fix)
                );
            }
            outln!(
                "{}: {} findings ({warnings} warnings)",
                args.policy.display(),
                findings.len()
            );
        }
    }
    Ok(if args.deny_warnings && warnings > 0 {
        Exit::Blocked
    } else {
        Exit::Ok
    })
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<String>, CliError> {
    paths
        .iter()
        .map(|p| read_text(p, MAX_REQUEST_BYTES))
        .collect()
}

fn evaluate(args: &EvaluateArgs) -> Result<Exit, CliError> {
    let policy_text = read_text(&args.policy, MAX_CONFIG_BYTES)?;
    let policy = match api::validate_platform_policy(&policy_text) {
        Ok(p) => p,
        Err(report) => {
            if args.output == PlatformOutput::CvLog {
                let event = binauthz_core::platform::config_error_event(report.message.clone());
                outln!("{}", serde_json::to_string(&event).unwrap_or_default());
            }
            report_errors(&args.policy, &report);
            return Ok(Exit::BadInput);
        }
    };
    let object = read_text(&args.object, MAX_REQUEST_BYTES)?;
    let attestations = read_all(&args.attestations)?;
    let cosign = read_all(&args.cosign_signatures)?;
    let images = read_all(&args.docker_images)?;
    let vulnerabilities = read_all(&args.vulnerabilities)?;
    let now = evaluation_time_or_now(args.evaluation_time).to_string();
    let parts = PlatformRequestParts {
        object: &object,
        attestations: attestations.iter().map(String::as_str).collect(),
        cosign_signatures: cosign.iter().map(String::as_str).collect(),
        docker_images: images.iter().map(String::as_str).collect(),
        vulnerabilities: vulnerabilities.iter().map(String::as_str).collect(),
        evaluation_time: Some(&now),
    };
    let request = api::platform_request_from_parts(&parts)
        .map_err(|report| file_at_fault(args, &parts, &report))?;
    let evaluation = binauthz_core::platform::evaluate(&policy, &request)
        .map_err(|e| CliError::new(args.object.display().to_string(), e))?;
    match args.output {
        PlatformOutput::Json => outln!(
            "{}",
            serde_json::to_string_pretty(evaluation.response())
                .map_err(|e| CliError::new("output", e))?
        ),
        PlatformOutput::CvLog => {
            for event in evaluation.cv_events() {
                outln!(
                    "{}",
                    serde_json::to_string(&event).map_err(|e| CliError::new("output", e))?
                );
            }
        }
        PlatformOutput::Text => out!("{}", text(&evaluation)),
    }
    Ok(if evaluation.verdict() == Verdict::Conformant {
        Exit::Ok
    } else {
        Exit::Blocked
    })
}

/// The error of a request built from several files, naming the file at fault: the files of the
/// part the error's path names are read again one at a time (only when the request failed), so
/// the path is the one within that file.
fn file_at_fault(
    args: &EvaluateArgs,
    parts: &PlatformRequestParts<'_>,
    report: &ErrorReport,
) -> CliError {
    let field = report.path.split(['.', '[']).next().unwrap_or_default();
    let (paths, texts): (&[PathBuf], &[&str]) = match field {
        "attestations" => (&args.attestations, &parts.attestations),
        "cosignSignatures" => (&args.cosign_signatures, &parts.cosign_signatures),
        "dockerImages" => (&args.docker_images, &parts.docker_images),
        "vulnerabilities" => (&args.vulnerabilities, &parts.vulnerabilities),
        _ => return CliError::new(args.object.display().to_string(), &report.message),
    };
    for (path, text) in paths.iter().zip(texts) {
        let alone = PlatformRequestParts {
            object: parts.object,
            attestations: Vec::new(),
            cosign_signatures: Vec::new(),
            docker_images: Vec::new(),
            vulnerabilities: Vec::new(),
            evaluation_time: parts.evaluation_time,
        };
        let alone = match field {
            "attestations" => PlatformRequestParts {
                attestations: vec![text],
                ..alone
            },
            "cosignSignatures" => PlatformRequestParts {
                cosign_signatures: vec![text],
                ..alone
            },
            "dockerImages" => PlatformRequestParts {
                docker_images: vec![text],
                ..alone
            },
            _ => PlatformRequestParts {
                vulnerabilities: vec![text],
                ..alone
            },
        };
        if let Err(own) = api::platform_request_from_parts(&alone) {
            return CliError::new(path.display().to_string(), own.message);
        }
    }
    CliError::new("request", &report.message)
}

/// One line per pod, image and check; everything from the input is escaped.
fn text(evaluation: &PlatformEvaluation) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let response = evaluation.response();
    for pod in &response.results {
        let _ = writeln!(
            out,
            "{:<15} pod {}/{} (service account {})",
            pod.verdict.as_str(),
            escape(&pod.kubernetes_namespace),
            escape(pod.pod_name.as_deref().unwrap_or("")),
            escape(&pod.kubernetes_service_account)
        );
        for image in &pod.image_results {
            let _ = writeln!(
                out,
                "  {:<15} {}",
                image.verdict.as_str(),
                escape(&image.image_uri)
            );
            if let Some(why) = &image.explanation {
                let _ = writeln!(out, "      {}", escape(why));
            }
            let Some(set) = &image.check_set_result else {
                continue;
            };
            let set_name = set.display_name.as_deref().unwrap_or("");
            if let Some(why) = &set.explanation {
                let _ = writeln!(
                    out,
                    "      check set {} {}: {}",
                    set.index,
                    escape(set_name),
                    escape(why)
                );
            }
            for check in set.check_results.iter().flat_map(|c| &c.results) {
                let _ = writeln!(
                    out,
                    "      check set {} {} / check {} {} ({}): {}: {}",
                    set.index,
                    escape(set_name),
                    check.index,
                    escape(check.display_name.as_deref().unwrap_or("")),
                    check.check_type,
                    if check.allowlist_result.is_some() {
                        "ALLOWLISTED"
                    } else {
                        check.verdict().as_str()
                    },
                    escape(&check.explanation)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "{}: {} pods",
        response.verdict.as_str(),
        response.results.len()
    );
    out
}
