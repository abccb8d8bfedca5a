//! `binauthz evaluate`.

use std::path::PathBuf;

use binauthz_core::limits::{MAX_CONFIG_BYTES, MAX_REQUEST_BYTES};
use binauthz_core::{Attestor, Context, Engine, ImageRef, Occurrence, Policy, Request};
use clap::{Args, ValueEnum};

use crate::Exit;
use crate::input::{CliError, read_text};
use crate::output;

/// How to print the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line per image, for people.
    Text,
    /// The decision as JSON, with a top-level "allowed" boolean.
    Json,
}

/// Arguments of `binauthz evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Policy file (YAML or JSON, as `gcloud container binauthz policy export` prints it).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Attestor file: one attestor or a list (repeat for more files).
    #[arg(long = "attestor", value_name = "FILE")]
    attestors: Vec<PathBuf>,
    /// Attestation occurrences file: one occurrence or a list, as
    /// `gcloud container binauthz attestations list --format=json` prints them (repeatable).
    #[arg(long = "attestations", value_name = "FILE")]
    attestations: Vec<PathBuf>,
    /// Image reference to evaluate (repeat for each image).
    #[arg(long = "image", value_name = "REF", required = true)]
    images: Vec<String>,
    /// Cluster the images deploy to, as LOCATION.CLUSTER_ID (selects cluster rules).
    #[arg(long, value_name = "LOCATION.CLUSTER_ID")]
    cluster: Option<String>,
    /// Kubernetes namespace (selects namespace and service-account rules).
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
}

/// Runs the command.
pub fn run(args: &EvaluateArgs) -> Result<Exit, CliError> {
    let policy_name = args.policy.display().to_string();
    let policy_text = read_text(&args.policy, MAX_CONFIG_BYTES)?;
    let policy = Policy::parse(&policy_text).map_err(|e| CliError::input(&policy_name, &e))?;

    let mut attestors = Vec::new();
    for path in &args.attestors {
        let name = path.display().to_string();
        let text = read_text(path, MAX_CONFIG_BYTES)?;
        attestors.extend(Attestor::parse_many(&text).map_err(|e| CliError::input(&name, &e))?);
    }
    let engine = Engine::new(policy, attestors).map_err(|e| {
        CliError::new(
            format!("{policy_name} with the --attestor files"),
            e.input(),
        )
    })?;

    let mut occurrences = Vec::new();
    for path in &args.attestations {
        let name = path.display().to_string();
        let text = read_text(path, MAX_REQUEST_BYTES)?;
        occurrences.extend(Occurrence::parse_many(&text).map_err(|e| CliError::input(&name, &e))?);
    }
    let images = args
        .images
        .iter()
        .map(|i| ImageRef::parse(i).map_err(|e| CliError::new(format!("--image `{i}`"), e)))
        .collect::<Result<Vec<_>, _>>()?;
    let context = Context {
        cluster: args.cluster.clone(),
        namespace: args.namespace.clone(),
        service_account: args.service_account.clone(),
        istio_identity: args.istio_identity.clone(),
        breakglass: args.breakglass,
    };
    let request =
        Request::new(images, occurrences, context).map_err(|e| CliError::new("request", e))?;
    let decision = engine.evaluate(&request);
    match args.output {
        OutputFormat::Json => println!("{}", decision.to_json_pretty()),
        OutputFormat::Text => print!("{}", output::text(&decision)),
    }
    Ok(if decision.allowed {
        Exit::Ok
    } else {
        Exit::Blocked
    })
}
