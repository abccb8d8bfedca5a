//! `binauthz lint-manifest`: the images of a Kubernetes manifest that are not pinned by digest,
//! which no attestation can cover (spec/lint.md §3).

use std::fmt::Write as _;
use std::path::PathBuf;

use binauthz_core::kubernetes::{ContainerType, Workload, parse_manifests};
use binauthz_core::limits::{MAX_CONFIG_BYTES, MAX_REQUEST_BYTES};
use binauthz_core::lint::source_deploy_finding;
use binauthz_core::untrusted::escape;
use binauthz_core::{ImageRef, Policy};
use clap::Args;

use crate::Exit;
use crate::input::{CliError, read_text};

const EXAMPLES: &str = "\
Attestations bind digests: a REQUIRE_ATTESTATION rule denies an image referenced by tag whatever
is attested, so pin every image (`IMAGE@sha256:...`, optionally `IMAGE:TAG@sha256:...`) before
`kubectl apply`. Reads Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob and PodTemplate objects (multi-document YAML, JSON, or a
`kind: List`), and their containers, init containers and ephemeral containers, and Cloud Run
services and jobs (gcloud's export, or v2 bodies). Cloud Run resolves a tag to a digest when it
deploys, but binauthz cannot: pin the digest to preview its decision. With --policy, a Cloud Run
object's source-deployed image (REGION-docker.pkg.dev/PROJECT/cloud-run-source-deploy/...) that
the policy would not admit is also listed (BZ040).

Example:
  binauthz lint-manifest spec/lint/tagged-manifest.yaml
  binauthz lint-manifest --policy spec/examples/policy.yaml spec/lint/cloud-run-source-deploy.yaml
  kubectl get deployments -n payments -o yaml | binauthz lint-manifest -

Exit status: 0 every image is pinned by digest, 1 at least one is not, 2 bad input or usage.";

/// Arguments of `binauthz lint-manifest`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct LintManifestArgs {
    /// Kubernetes manifest (YAML or JSON; `-` for standard input).
    #[arg(value_name = "FILE")]
    manifest: PathBuf,
    /// The project policy (YAML or JSON): also list Cloud Run source-deployed images it would
    /// not admit (BZ040).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

/// One container image that is not pinned.
struct Unpinned {
    object: String,
    container: String,
    image: String,
    why: String,
}

/// Runs the command.
pub fn run(args: &LintManifestArgs) -> Result<Exit, CliError> {
    let name = if args.manifest.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        args.manifest.display().to_string()
    };
    let text = read_text(&args.manifest, MAX_REQUEST_BYTES)?;
    let workloads = parse_manifests(&text).map_err(|e| CliError::input(&name, &e))?;
    let policy = match &args.policy {
        Some(path) => {
            let file = path.display().to_string();
            let text = read_text(path, MAX_CONFIG_BYTES)?;
            Some(Policy::parse(&text).map_err(|e| CliError::input(&file, &e))?)
        }
        None => None,
    };
    let mut total = 0usize;
    let mut unpinned = Vec::new();
    let mut source_deploys = Vec::new();
    for workload in &workloads {
        for c in &workload.containers {
            total += 1;
            let image = ImageRef::parse(&c.image).map_err(|e| {
                CliError::new(
                    &name,
                    format!("{}, {}: {}", object(workload), container(c), e.message()),
                )
            })?;
            if let (Some(policy), Some(_)) = (&policy, &workload.cloud_run)
                && let Some(finding) = source_deploy_finding(policy, &c.image)
            {
                source_deploys.push(Unpinned {
                    object: object(workload),
                    container: container(c),
                    image: c.image.clone(),
                    why: finding,
                });
            }
            if image.digest().is_some() {
                continue;
            }
            let why = match (image.malformed_digest(), image.tag()) {
                (Some(d), _) => format!(
                    "malformed digest `@{d}` (expected sha256: and 64 lower-case hex digits)"
                ),
                (None, Some(tag)) => format!("tag `{tag}`, no digest"),
                (None, None) => "no tag or digest (pulls `:latest`)".to_owned(),
            };
            let why = if workload.cloud_run.is_some() {
                format!("{why}; Cloud Run resolves it when it deploys, binauthz cannot")
            } else {
                why
            };
            unpinned.push(Unpinned {
                object: object(workload),
                container: container(c),
                image: c.image.clone(),
                why,
            });
        }
    }
    let mut out = String::new();
    for u in unpinned.iter().chain(&source_deploys) {
        let line = format!("{}  {}  {}  {}", u.object, u.container, u.image, u.why);
        // Object and container names come from the manifest: escaped.
        let _ = writeln!(out, "{}", escape(&line));
    }
    let n = unpinned.len();
    let _ = match (n, total) {
        (0, 1) => writeln!(out, "{name}: its 1 image is pinned by digest"),
        (0, _) => writeln!(out, "{name}: all {total} images are pinned by digest"),
        (1, 1) => writeln!(
            out,
            "{name}: its 1 image is not pinned by digest, so no attestation can admit it"
        ),
        (1, _) => writeln!(
            out,
            "{name}: 1 of {total} images is not pinned by digest, so no attestation can admit it"
        ),
        _ => writeln!(
            out,
            "{name}: {n} of {total} images are not pinned by digest, so no attestation can admit them"
        ),
    };
    if !source_deploys.is_empty() {
        let _ = writeln!(
            out,
            "{name}: {} source-deployed Cloud Run image{} the policy would not admit (BZ040)",
            source_deploys.len(),
            if source_deploys.len() == 1 { "" } else { "s" }
        );
    }
    out!("{out}");
    Ok(if unpinned.is_empty() && source_deploys.is_empty() {
        Exit::Ok
    } else {
        Exit::Blocked
    })
}

/// `Deployment/payments` (with its namespace when the manifest gives one).
fn object(w: &Workload) -> String {
    let name = w.name.as_deref().unwrap_or("(unnamed)");
    if let Some(run) = &w.cloud_run {
        return match &run.project {
            Some(project) => format!("Cloud Run {} {name} (project {project})", run.kind.as_str()),
            None => format!("Cloud Run {} {name}", run.kind.as_str()),
        };
    }
    match &w.namespace {
        Some(ns) => format!("{}/{name} (namespace {ns})", w.kind),
        None => format!("{}/{name}", w.kind),
    }
}

/// `container api`, `init container migrate`, `ephemeral container debug`.
fn container(c: &binauthz_core::kubernetes::ContainerImage) -> String {
    let list = match c.container_type {
        ContainerType::Container => "container",
        ContainerType::InitContainer => "init container",
        ContainerType::EphemeralContainer => "ephemeral container",
    };
    if c.name.is_empty() {
        format!("{list} (unnamed)")
    } else {
        format!("{list} {}", c.name)
    }
}
