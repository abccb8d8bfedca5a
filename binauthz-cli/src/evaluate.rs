//! `binauthz evaluate`: images, a manifest or an AdmissionReview against a policy.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use binauthz_core::Occurrences;
use binauthz_core::api;
use binauthz_core::kubernetes::{self, Refusal, ReviewEcho, Workload};
use binauthz_core::limits::MAX_REQUEST_BYTES;
use binauthz_core::untrusted::escape;
use binauthz_core::{Context, Decision, Engine, ImageRef, Request, Timestamp};
use clap::{ArgGroup, Args, ValueEnum};
use serde_json::{Value, json};

use crate::input::{CliError, read_text};
use crate::{Exit, audit_log, load, output};

/// How to print the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line per image, for people.
    Text,
    /// The decision as JSON, with a top-level "allowed" boolean.
    Json,
}

const EXAMPLES: &str = "\
Examples (from the repository root):
  binauthz evaluate --policy spec/examples/policy.yaml --attestor spec/examples/attestors.yaml \\
      --attestations spec/examples/attestations.json \\
      --image us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6
  binauthz evaluate --policy spec/examples/policy.yaml --attestor spec/examples/attestors.yaml \\
      --attestations spec/examples/attestations.json --manifest spec/examples/deployment.yaml
  kubectl get deploy payments -o yaml | binauthz evaluate --policy policy.yaml ... --manifest -

Exit status: 0 the deploy proceeds (allowed, dry-run violation or breakglass), 1 blocked,
2 bad input or usage.";

/// Arguments of `binauthz evaluate`.
#[derive(Debug, Args)]
#[command(
    after_help = EXAMPLES,
    group(ArgGroup::new("what").required(true).args(["images", "manifest", "admission_review"]))
)]
pub struct EvaluateArgs {
    /// Policy file (YAML or JSON, as `gcloud container binauthz policy export` prints it).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Attestor file: one attestor or a list (repeat for more files).
    #[arg(long = "attestor", value_name = "FILE")]
    attestors: Vec<PathBuf>,
    /// Attestation occurrences file: one occurrence or a list, as
    /// `gcloud container binauthz attestations list` prints them (JSON, or YAML's one document per
    /// occurrence), or the Container Analysis API's list response (repeatable).
    #[arg(long = "attestations", value_name = "FILE")]
    attestations: Vec<PathBuf>,
    /// Image reference to evaluate (repeat for each image).
    #[arg(long = "image", value_name = "REF")]
    images: Vec<String>,
    /// Kubernetes manifest (multi-document YAML or JSON; `-` for standard input): every workload
    /// in it is evaluated as one admission request, with its own namespace and service account.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// An admission.k8s.io/v1 AdmissionReview (`-` for standard input); prints the
    /// AdmissionReview response, a refusal (allowed: false, status 400 or 500) when the review
    /// cannot be evaluated.
    #[arg(long, value_name = "FILE")]
    admission_review: Option<PathBuf>,
    /// Cluster the images deploy to, as LOCATION.CLUSTER_ID (selects cluster rules).
    #[arg(long, value_name = "LOCATION.CLUSTER_ID")]
    cluster: Option<String>,
    /// Kubernetes namespace (selects namespace and service-account rules; a manifest's own
    /// metadata.namespace wins).
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
    /// Kubernetes service account name within --namespace (rule key NS:NAME).
    #[arg(long, value_name = "NAME", requires = "namespace")]
    service_account: Option<String>,
    /// Istio / service mesh identity, with or without spiffe:// (selects identity rules).
    #[arg(long, value_name = "ID")]
    istio_identity: Option<String>,
    /// Request breakglass: admit everything, but report what the policy would have done.
    #[arg(long)]
    breakglass: bool,
    /// Cloud Run objects of --manifest only: evaluate them under the policy even when they do
    /// not enable Binary Authorization (Cloud Run would not check them) or name a Cloud Run
    /// platform policy binauthz does not compile.
    #[arg(long, requires = "manifest")]
    assume_enabled: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
    /// Append each decision's audit record, with the time, as a JSON line to FILE (the format
    /// `binauthz replay --log` reads).
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// The time at which PGP key and signature expiry is judged, RFC 3339 in UTC
    /// (2026-11-26T12:00:00Z). Default: now, from the system clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_evaluation_time)]
    evaluation_time: Option<Timestamp>,
    /// Verify a request's signatures on up to N threads (spec/README.md §7.3); the decision is
    /// the same as on one. Default 1; at most 64 are used.
    #[arg(long, value_name = "N", default_value_t = 1)]
    verify_threads: usize,
}

/// Parses `--evaluation-time` (spec/README.md §8.1).
pub fn parse_evaluation_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text)
}

/// The evaluation time: the flag's value, or now from the system clock. The CLI is the only
/// place that reads the clock; the engine is given the time in the request.
pub fn evaluation_time_or_now(flag: Option<Timestamp>) -> Timestamp {
    flag.unwrap_or_else(|| {
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        Timestamp::from_unix_seconds(secs)
    })
}

impl EvaluateArgs {
    fn context(&self) -> Context {
        Context {
            cluster: self.cluster.clone(),
            namespace: self.namespace.clone(),
            service_account: self.service_account.clone(),
            istio_identity: self.istio_identity.clone(),
            breakglass: self.breakglass,
            assume_enabled: self.assume_enabled,
            cloud_run: None,
        }
    }
}

/// Runs the command.
pub fn run(args: &EvaluateArgs) -> Result<Exit, CliError> {
    let now = evaluation_time_or_now(args.evaluation_time);
    if let Some(path) = &args.admission_review {
        let allowed = admission_review(args, path, now)?;
        return Ok(if allowed { Exit::Ok } else { Exit::Blocked });
    }
    let engine =
        load::engine(&args.policy, &args.attestors)?.with_verify_threads(args.verify_threads);
    let occurrences = load::occurrences(&args.attestations)?;
    let context = args.context();
    let allowed = if let Some(path) = &args.manifest {
        manifest(args, &engine, occurrences, &context, path, now)?
    } else {
        let images = args
            .images
            .iter()
            .map(|i| ImageRef::parse(i).map_err(|e| CliError::new(format!("--image `{i}`"), e)))
            .collect::<Result<Vec<_>, _>>()?;
        let request = Request::new(images, occurrences, context)
            .map_err(|e| CliError::new("request", e))?
            .with_evaluation_time(Some(now));
        let decision = engine.evaluate(&request);
        log(args, &decision)?;
        match args.output {
            OutputFormat::Json => outln!("{}", decision.to_json_pretty()),
            OutputFormat::Text => out!("{}", output::text(&decision)),
        }
        decision.allowed
    };
    Ok(if allowed { Exit::Ok } else { Exit::Blocked })
}

fn log(args: &EvaluateArgs, decision: &Decision) -> Result<(), CliError> {
    match &args.audit_log {
        Some(path) => audit_log::append(path, decision),
        None => Ok(()),
    }
}

fn evaluate_workload(
    engine: &Engine,
    workload: &Workload,
    occurrences: Occurrences,
    fallback: &Context,
    source: &str,
    now: Timestamp,
) -> Result<Decision, CliError> {
    let request = Request::for_workload(workload, occurrences, fallback)
        .map_err(|e| CliError::new(source, e))?
        .with_evaluation_time(Some(now));
    Ok(engine.evaluate(&request))
}

fn manifest(
    args: &EvaluateArgs,
    engine: &Engine,
    occurrences: Occurrences,
    context: &Context,
    path: &Path,
    now: Timestamp,
) -> Result<bool, CliError> {
    let name = path.display().to_string();
    let text = read_text(path, MAX_REQUEST_BYTES)?;
    let workloads = kubernetes::parse_manifests(&text).map_err(|e| CliError::input(&name, &e))?;
    if args.assume_enabled && workloads.iter().all(|w| w.cloud_run.is_none()) {
        return Err(CliError::new(
            "--assume-enabled",
            format!("{name} has no Cloud Run service or job; the flag applies to those only"),
        ));
    }
    let mut results = Vec::new();
    for w in &workloads {
        let decision = evaluate_workload(engine, w, occurrences.clone(), context, &name, now)?;
        log(args, &decision)?;
        results.push((w, decision));
    }
    let allowed = results.iter().all(|(_, d)| d.allowed);
    match args.output {
        OutputFormat::Json => {
            let objects: Vec<_> = results
                .iter()
                .map(|(w, d)| match &w.cloud_run {
                    Some(run) => json!({
                        "kind": w.kind, "name": w.name, "platform": "cloudRun",
                        "project": run.project, "location": run.location,
                        "decision": d,
                    }),
                    None => json!({
                        "kind": w.kind, "name": w.name,
                        "namespace": d.audit.context.namespace,
                        "serviceAccount": d.audit.context.service_account,
                        "decision": d,
                    }),
                })
                .collect();
            let doc = json!({"allowed": allowed, "objects": objects});
            outln!(
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string())
            );
        }
        OutputFormat::Text => {
            for (w, d) in &results {
                let line = match &w.cloud_run {
                    Some(run) => format!("{}:", run.subject()),
                    None => kubernetes_line(w, d),
                };
                // Names come from the manifest: escaped, so that they cannot forge lines.
                outln!("{}", escape(&line));
                out!("{}", output::text(d));
            }
        }
    }
    Ok(allowed)
}

/// `Deployment payments (namespace payments, service account payments):`.
fn kubernetes_line(w: &Workload, d: &Decision) -> String {
    format!(
        "{} {} (namespace {}, service account {}):",
        w.kind,
        w.name.as_deref().unwrap_or("(unnamed)"),
        d.audit.context.namespace.as_deref().unwrap_or("default"),
        d.audit
            .context
            .service_account
            .as_deref()
            .unwrap_or("default"),
    )
}

/// `--admission-review`: prints the AdmissionReview response. A webhook must always answer, so
/// when the review cannot be evaluated this prints a refusal (spec §10) for the review's uid,
/// as far as it could be read, and still returns the error (exit status 2): 400 `BadRequest`
/// when the review is at fault (the core's answer), 500 `InternalError` when binauthz's own
/// files are.
fn admission_review(args: &EvaluateArgs, path: &Path, now: Timestamp) -> Result<bool, CliError> {
    let name = path.display().to_string();
    let text = match read_text(path, MAX_REQUEST_BYTES) {
        Ok(text) => text,
        Err(e) => return refuse("", Refusal::BadRequest, e),
    };
    let own_inputs = load::engine(&args.policy, &args.attestors)
        .map(|engine| engine.with_verify_threads(args.verify_threads))
        .and_then(|engine| Ok((engine, load::occurrences(&args.attestations)?)));
    let (engine, occurrences) = match own_inputs {
        Ok(inputs) => inputs,
        Err(e) => return refuse(&text, Refusal::InternalError, e),
    };
    let answer = api::answer_review(
        &engine,
        &text,
        &name,
        occurrences,
        &args.context(),
        Some(now),
    );
    if let Some(decision) = &answer.decision {
        log(args, decision)?;
    }
    print_response(&answer.response);
    match &answer.error {
        None => Ok(answer.allowed()),
        Some(report) => Err(load::first_error(report)),
    }
}

/// Prints a refusal of the review for an error of binauthz's own, and returns the error.
fn refuse(review: &str, refusal: Refusal, e: CliError) -> Result<bool, CliError> {
    let echo = ReviewEcho::read(review);
    print_response(&kubernetes::refusal_response(
        &echo,
        refusal,
        &format!("binauthz: {e}"),
    ));
    Err(e)
}

fn print_response(response: &Value) {
    outln!(
        "{}",
        serde_json::to_string_pretty(response).unwrap_or_else(|_| response.to_string())
    );
}
