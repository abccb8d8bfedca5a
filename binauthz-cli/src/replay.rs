//! `binauthz replay`: re-evaluates logged admission requests under a new policy and reports
//! what changes — the "run dry-run for a deployment cycle, then enforce" step, made instant.

use std::path::PathBuf;

use binauthz_core::limits::MAX_REQUEST_BYTES;
use binauthz_core::untrusted::escape;
use binauthz_core::{Context, Engine, ImageRef, Occurrence, Request, Timestamp};
use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};

use crate::evaluate::{OutputFormat, evaluation_time_or_now, parse_evaluation_time};
use crate::input::{CliError, read_text};
use crate::{Exit, load};

const EXAMPLES: &str = "\
The log is JSON Lines: each line is a request in the shape of spec/README.md §8.1
({\"images\": [...], \"attestations\": [...], \"context\": {...}}) or an audit record as
`binauthz evaluate --audit-log` writes it. Without --baseline, an audit record's recorded
outcome is the baseline.

Example:
  binauthz evaluate --policy old.yaml ... --image IMG --audit-log admissions.jsonl
  binauthz replay --policy new.yaml --attestor attestors.yaml --attestations att.json \\
      --log admissions.jsonl

Exit status: 0 nothing newly blocked, 1 the new policy blocks a request the baseline allowed,
2 bad input or usage.";

/// Arguments of `binauthz replay`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ReplayArgs {
    /// The policy to try.
    #[arg(long, value_name = "NEW.yaml")]
    policy: PathBuf,
    /// The policy in force (default: the outcome recorded in each audit-log line).
    #[arg(long, value_name = "OLD.yaml")]
    baseline: Option<PathBuf>,
    /// Attestor file (repeatable); used for both policies.
    #[arg(long = "attestor", value_name = "FILE")]
    attestors: Vec<PathBuf>,
    /// Attestation occurrences available to every logged request (repeatable).
    #[arg(long = "attestations", value_name = "FILE")]
    attestations: Vec<PathBuf>,
    /// JSON Lines of past requests or audit records (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    log: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
    /// The time at which PGP key and signature expiry is judged, RFC 3339 in UTC, for every
    /// line. Default: a line's own evaluationTime, else now, from the system clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_evaluation_time)]
    evaluation_time: Option<Timestamp>,
}

/// How one request's outcome changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum Change {
    NewlyBlocked,
    NewlyAllowed,
    StillAllowed,
    StillBlocked,
}

impl Change {
    fn label(self) -> &'static str {
        match self {
            Change::NewlyBlocked => "NEWLY BLOCKED",
            Change::NewlyAllowed => "NEWLY ALLOWED",
            Change::StillAllowed => "unchanged (allowed)",
            Change::StillBlocked => "unchanged (blocked)",
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Replayed {
    line: usize,
    images: Vec<String>,
    context: Context,
    baseline_allowed: bool,
    allowed: bool,
    change: Change,
    message: String,
}

/// One log line as a request, and the outcome it records (audit records only).
fn read_line(
    value: Value,
    shared: &[Occurrence],
    source: &str,
    time: Option<Timestamp>,
) -> Result<(Request, Option<bool>), CliError> {
    // `--evaluation-time`, else the line's own evaluationTime, else now.
    let recorded_time = value
        .get("evaluationTime")
        .and_then(Value::as_str)
        .map(Timestamp::parse_rfc3339)
        .transpose()
        .map_err(|m| CliError::new(source, format!("`evaluationTime`: {m}")))?;
    let now = evaluation_time_or_now(time.or(recorded_time));
    let is_audit = value
        .get("images")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .is_some_and(Value::is_object);
    if !is_audit {
        let request = Request::from_value(value).map_err(|e| CliError::input(source, &e))?;
        let mut attestations = request.attestations().to_vec();
        attestations.extend_from_slice(shared);
        let request = Request::new(
            request.images().to_vec(),
            attestations,
            request.context().clone(),
        )
        .map_err(|e| CliError::input(source, &e))?
        .with_evaluation_time(Some(now));
        return Ok((request, None));
    }
    let recorded = value.get("allowed").and_then(Value::as_bool);
    let context: Context = match value.get("context") {
        Some(c) => serde_json::from_value(c.clone())
            .map_err(|e| CliError::new(source, format!("`context`: {e}")))?,
        None => Context::default(),
    };
    let images = value
        .get("images")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|i| {
                    let text = i.get("image").and_then(Value::as_str).unwrap_or_default();
                    ImageRef::from_request(text).map_err(|e| CliError::new(source, e))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let request = Request::new(images, shared.to_vec(), context)
        .map_err(|e| CliError::input(source, &e))?
        .with_evaluation_time(Some(now));
    Ok((request, recorded))
}

/// Runs the command.
pub fn run(args: &ReplayArgs) -> Result<Exit, CliError> {
    let engine = load::engine(&args.policy, &args.attestors)?;
    let baseline: Option<Engine> = match &args.baseline {
        Some(path) => Some(load::engine(path, &args.attestors)?),
        None => None,
    };
    let shared = load::occurrences(&args.attestations)?;
    let log_name = args.log.display().to_string();
    let text = read_text(&args.log, MAX_REQUEST_BYTES.saturating_mul(8))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let source = format!("{log_name} line {}", i + 1);
        let value: Value = serde_json::from_str(line)
            .map_err(|e| CliError::new(&source, format!("not a JSON line: {e}")))?;
        let (request, recorded) = read_line(value, &shared, &source, args.evaluation_time)?;
        let baseline_allowed = match (&baseline, recorded) {
            (Some(engine), _) => engine.evaluate(&request).allowed,
            (None, Some(recorded)) => recorded,
            (None, None) => {
                return Err(CliError::new(
                    &source,
                    "this line is a request with no recorded outcome; pass --baseline OLD.yaml",
                ));
            }
        };
        let decision = engine.evaluate(&request);
        let change = match (baseline_allowed, decision.allowed) {
            (true, false) => Change::NewlyBlocked,
            (false, true) => Change::NewlyAllowed,
            (true, true) => Change::StillAllowed,
            (false, false) => Change::StillBlocked,
        };
        rows.push(Replayed {
            line: i + 1,
            images: request
                .images()
                .iter()
                .map(|i| i.as_str().to_owned())
                .collect(),
            context: request.context().clone(),
            baseline_allowed,
            allowed: decision.allowed,
            change,
            message: decision.message,
        });
    }
    if rows.is_empty() {
        return Err(CliError::new(&log_name, "the log has no requests"));
    }
    let count = |c: Change| rows.iter().filter(|r| r.change == c).count();
    let newly_blocked = count(Change::NewlyBlocked);
    match args.output {
        OutputFormat::Json => {
            let doc = json!({
                "summary": {
                    "requests": rows.len(),
                    "newlyBlocked": newly_blocked,
                    "newlyAllowed": count(Change::NewlyAllowed),
                    "stillAllowed": count(Change::StillAllowed),
                    "stillBlocked": count(Change::StillBlocked),
                },
                "requests": rows,
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string())
            );
        }
        OutputFormat::Text => {
            for r in &rows {
                let ns = r.context.namespace.as_deref().unwrap_or("-");
                let line = format!(
                    "line {:<4} {:<20} namespace {ns:<12} {}",
                    r.line,
                    r.change.label(),
                    r.images.join(", ")
                );
                // The log is input: its names and messages are escaped.
                outln!("{}", escape(&line));
                if r.change == Change::NewlyBlocked {
                    for m in r.message.lines() {
                        outln!("           {}", escape(m));
                    }
                }
            }
            outln!();
            outln!("{:<22} {:>8}", "change", "requests");
            for c in [
                Change::NewlyBlocked,
                Change::NewlyAllowed,
                Change::StillAllowed,
                Change::StillBlocked,
            ] {
                outln!("{:<22} {:>8}", c.label(), count(c));
            }
            outln!("{:<22} {:>8}", "total", rows.len());
        }
    }
    Ok(if newly_blocked > 0 {
        Exit::Blocked
    } else {
        Exit::Ok
    })
}
