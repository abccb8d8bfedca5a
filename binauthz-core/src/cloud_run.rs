//! Cloud Run services and jobs: their images, whether Binary Authorization applies to them, and
//! their breakglass, read as Cloud Run reads them (spec/README.md §13).
//!
//! Four shapes are read: a service as `gcloud run services describe --format export` prints it
//! (`serving.knative.dev/v1` `Service`), a job as `gcloud run jobs describe --format export`
//! prints it (`run.googleapis.com/v1` `Job`), and the Cloud Run Admin API v2 bodies of both,
//! which have no `kind` and are recognised by their `name`
//! (`projects/P/locations/L/services/S` or `.../jobs/J`) and `template`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, InputError, InputResult, join_path};
use crate::kubernetes::fields::{mapping_field, string_field, string_map, type_name};
use crate::kubernetes::{ContainerImage, ContainerType, Workload};
use crate::limits::{MAX_BREAKGLASS_JUSTIFICATION_BYTES, MAX_IMAGES};
use crate::request::Context;
use crate::untrusted::shown;

/// The v1 annotation that enables Binary Authorization on a service or job: `default`, or a
/// Cloud Run platform policy's name.
pub const BINAUTHZ_ANNOTATION: &str = "run.googleapis.com/binary-authorization";
/// The v1 annotation `gcloud run deploy --breakglass=JUSTIFICATION` sets.
pub const BREAKGLASS_ANNOTATION: &str = "run.googleapis.com/binary-authorization-breakglass";
/// The label gcloud's export puts the region in.
pub const LOCATION_LABEL: &str = "cloud.googleapis.com/location";
/// The Artifact Registry repository `gcloud run deploy --source` builds into (in the region
/// deployed to), which Binary Authorization policies must exempt for source deploys.
pub const SOURCE_DEPLOY_REPOSITORY: &str = "cloud-run-source-deploy";

/// Where images are deployed: GKE (Kubernetes admission, and requests that name no platform) or
/// Cloud Run. Decisions show it only for Cloud Run, so GKE decisions are as they always were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Platform {
    /// Google Kubernetes Engine (and every request without a Cloud Run context).
    #[default]
    Gke,
    /// Cloud Run services and jobs.
    CloudRun,
}

impl Platform {
    /// Whether this is GKE (the platform decisions leave unsaid).
    pub fn is_gke(&self) -> bool {
        *self == Platform::Gke
    }
}

/// What Cloud Run deploys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CloudRunKind {
    /// A service: the policy is checked when a revision is deployed.
    Service,
    /// A job: the policy is checked each time it is executed.
    Job,
}

impl CloudRunKind {
    /// `service` or `job`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloudRunKind::Service => "service",
            CloudRunKind::Job => "job",
        }
    }
}

/// A request's Cloud Run context (`context.cloudRun`, spec §8.1): which service or job, and its
/// Binary Authorization settings. Read from a Cloud Run object, or given by a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudRunContext {
    /// A service or a job.
    pub kind: CloudRunKind,
    /// The service's or job's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The project (v1 `metadata.namespace`, a project number or id; v2 `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The region (the `cloud.googleapis.com/location` label, or v2 `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The revision template's name (v1 `spec.template.metadata.name`, v2 `template.revision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `default`, or the Cloud Run platform policy named; absent when Binary Authorization is
    /// not enabled on the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_authorization: Option<String>,
    /// The breakglass justification, when breakglass is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakglass_justification: Option<String>,
}

/// How an object's Binary Authorization setting reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting<'a> {
    /// Not enabled: Cloud Run checks nothing.
    NotEnabled,
    /// `default`: the project's policy, which is the engine's.
    Default,
    /// A named Cloud Run platform policy, which binauthz does not compile.
    Named(&'a str),
}

impl CloudRunContext {
    pub(crate) fn setting(&self) -> Setting<'_> {
        match self.binary_authorization.as_deref() {
            None => Setting::NotEnabled,
            Some("default") => Setting::Default,
            Some(name) => Setting::Named(name),
        }
    }

    /// `Cloud Run service `payments` (revision `payments-00042-abc`, us-central1)`, escaped and
    /// cut short: every part comes from the object.
    pub fn subject(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map_or_else(|| "(unnamed)".to_owned(), |n| format!("`{}`", shown(n)));
        let mut details = Vec::new();
        if let Some(r) = &self.revision {
            details.push(format!("revision `{}`", shown(r)));
        }
        if let Some(l) = &self.location {
            details.push(shown(l).into_owned());
        }
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.join(", "))
        };
        format!("Cloud Run {} {name}{details}", self.kind.as_str())
    }
}

/// Whether `value` names a Cloud Run platform policy (`projects/P/platforms/cloudRun/NAME`, or
/// the platform policy resource `projects/P/platforms/cloudRun/policies/NAME`).
fn is_platform_policy_name(value: &str) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    let well_formed = parts
        .iter()
        .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    well_formed
        && matches!(
            parts.as_slice(),
            ["projects", _, "platforms", "cloudRun", _]
                | ["projects", _, "platforms", "cloudRun", "policies", _]
        )
}

/// Checks a request's Cloud Run context and assumeEnabled (paths under `at`, the request's
/// `context`): the setting is `default` or a platform policy's name, a justification fits its
/// limit and needs Binary Authorization enabled (v2: "If useDefault is False, then it must be
/// empty"), a named policy is evaluated only under `assumeEnabled`. A justification requests
/// breakglass.
pub(crate) fn check_context(context: &mut Context, at: &str) -> InputResult<()> {
    let Some(run) = &context.cloud_run else {
        if context.assume_enabled {
            return Err(InputError::invalid(
                join_path(at, "assumeEnabled"),
                "`assumeEnabled` applies to Cloud Run objects only (GKE has no per-object switch binauthz could assume)",
            ));
        }
        return Ok(());
    };
    let at = join_path(at, "cloudRun");
    if let Some(value) = &run.binary_authorization
        && value != "default"
        && !is_platform_policy_name(value)
    {
        return Err(InputError::invalid(
            join_path(&at, "binaryAuthorization"),
            format!(
                "`{}` is neither `default` nor a Cloud Run platform policy (projects/PROJECT/platforms/cloudRun/NAME)",
                shown(value)
            ),
        ));
    }
    if run.breakglass_justification.as_deref() == Some("") {
        // Proto3 reads an empty string as unset: no breakglass.
        if let Some(run) = context.cloud_run.as_mut() {
            run.breakglass_justification = None;
        }
    }
    let Some(run) = &context.cloud_run else {
        return Ok(());
    };
    if let Some(why) = &run.breakglass_justification {
        check_justification(why, &join_path(&at, "breakglassJustification"))?;
        if run.binary_authorization.is_none() {
            return Err(justification_without_binauthz(&join_path(
                &at,
                "breakglassJustification",
            )));
        }
        context.breakglass = true;
    }
    check_named(
        run,
        context.assume_enabled,
        &join_path(&at, "binaryAuthorization"),
    )
}

fn check_justification(why: &str, at: &str) -> InputResult<()> {
    if why.len() > MAX_BREAKGLASS_JUSTIFICATION_BYTES {
        return Err(InputError::new(
            ErrorCode::Limit,
            at,
            format!(
                "the breakglass justification is {} bytes, more than {MAX_BREAKGLASS_JUSTIFICATION_BYTES}",
                why.len()
            ),
        ));
    }
    Ok(())
}

fn justification_without_binauthz(at: &str) -> InputError {
    InputError::invalid(
        at,
        "a breakglass justification is given but Binary Authorization is not enabled on the object; Cloud Run requires it to be empty then (v2 BinaryAuthorization: \"If useDefault is False, then it must be empty\")",
    )
}

/// A named platform policy is refused unless the request assumes the engine's policy applies.
pub(crate) fn check_named(run: &CloudRunContext, assume: bool, at: &str) -> InputResult<()> {
    match run.setting() {
        Setting::Named(name) if !assume => Err(InputError::new(
            ErrorCode::Unsupported,
            at,
            format!(
                "the {} names the Cloud Run platform policy `{}`, a check-based policy binauthz does not compile; evaluate with assumeEnabled (CLI: --assume-enabled) to apply the project policy binauthz was given instead",
                run.subject(),
                shown(name)
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether an allowlist pattern names a tag (`app:1.2`, `app:*`, `app:1@sha256:…`): Cloud Run
/// refuses such patterns, so on Cloud Run binauthz never matches them (fail closed).
pub fn pattern_names_tag(pattern: &str) -> bool {
    let last = pattern.rsplit('/').next().unwrap_or(pattern);
    let name = last.split('@').next().unwrap_or(last);
    name.contains(':')
}

/// Whether an image was built by `gcloud run deploy --source` (or for a Cloud Run function): it
/// lives in Artifact Registry's `REGION-docker.pkg.dev/PROJECT/cloud-run-source-deploy/`.
pub fn is_source_deploy_image(image: &str) -> bool {
    let text = crate::image::strip_scheme(image);
    let mut parts = text.split('/');
    let (Some(host), Some(project), Some(repository)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    host.ends_with("-docker.pkg.dev")
        && !project.is_empty()
        && repository == SOURCE_DEPLOY_REPOSITORY
        && parts.next().is_some()
}

/// Whether an object is a Cloud Run object by its `apiVersion`, or a v2 body by its `name`.
pub(crate) fn is_cloud_run(object: &Map<String, Value>) -> bool {
    match object.get("apiVersion").and_then(Value::as_str) {
        Some(v) => v.starts_with("serving.knative.dev/") || v.starts_with("run.googleapis.com/"),
        None => !object.contains_key("kind") && v2_name(object).is_some(),
    }
}

/// `(project, location, kind, name)` from a v2 `name`.
fn v2_name(object: &Map<String, Value>) -> Option<(&str, &str, CloudRunKind, &str)> {
    let name = object.get("name")?.as_str()?;
    let parts: Vec<&str> = name.split('/').collect();
    let ["projects", project, "locations", location, collection, id] = parts.as_slice() else {
        return None;
    };
    let kind = match *collection {
        "services" => CloudRunKind::Service,
        "jobs" => CloudRunKind::Job,
        _ => return None,
    };
    [project, location, id]
        .iter()
        .all(|p| !p.is_empty())
        .then_some((*project, *location, kind, *id))
}

/// Reads a Cloud Run object ([`is_cloud_run`] said it is one).
pub(crate) fn workload(object: &Map<String, Value>) -> InputResult<Workload> {
    let api_version = string_field(object, "apiVersion", "")?;
    let kind = string_field(object, "kind", "")?;
    match (api_version, kind) {
        (Some(v), Some("Service")) if v.starts_with("serving.knative.dev/") => {
            v1(object, CloudRunKind::Service, "Service", "/spec/template")
        }
        (Some(v), Some("Job")) if v.starts_with("run.googleapis.com/") => v1(
            object,
            CloudRunKind::Job,
            "Job",
            "/spec/template/spec/template",
        ),
        (None, None) => v2(object),
        (v, k) => Err(InputError::invalid(
            "kind",
            format!(
                "kind `{}` of apiVersion `{}` is not read; binauthz reads Cloud Run's serving.knative.dev/v1 Service and run.googleapis.com/v1 Job (and their v2 bodies)",
                shown(k.unwrap_or("")),
                shown(v.unwrap_or(""))
            ),
        )),
    }
}

/// Walks `pointer` from `object`: each step a mapping, the last one the revision (or task)
/// template. Returns it and its dotted path.
fn template<'a>(
    object: &'a Map<String, Value>,
    kind: &str,
    pointer: &str,
) -> InputResult<(&'a Map<String, Value>, String)> {
    let dotted = pointer.trim_start_matches('/').replace('/', ".");
    let mut at = String::new();
    let mut map = object;
    for segment in pointer.split('/').skip(1) {
        map = mapping_field(map, segment, &at, "on the way to the containers")?.ok_or_else(|| {
            InputError::invalid(
                join_path(&at, segment),
                format!("the {kind} has no `{segment}` here: Cloud Run keeps its containers under {dotted}"),
            )
        })?;
        at = join_path(&at, segment);
    }
    Ok((map, dotted))
}

/// The containers of a revision or task template's container list at `at` (sidecars included:
/// Cloud Run runs every one). Cloud Run has no init or ephemeral containers.
fn containers(spec: &Map<String, Value>, at: &str, kind: &str) -> InputResult<Vec<ContainerImage>> {
    for other in ["initContainers", "ephemeralContainers"] {
        if !matches!(spec.get(other), None | Some(Value::Null)) {
            return Err(InputError::invalid(
                join_path(at, other),
                format!(
                    "a Cloud Run {kind} has no `{other}`; binauthz does not guess what would run"
                ),
            ));
        }
    }
    let list_at = join_path(at, "containers");
    let list = match spec.get("containers") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        None | Some(Value::Null) | Some(Value::Array(_)) => {
            return Err(InputError::invalid(
                &list_at,
                format!("the Cloud Run {kind} has no containers"),
            ));
        }
        Some(other) => {
            return Err(InputError::invalid(
                &list_at,
                format!(
                    "`containers` is {}, expected a list of containers",
                    type_name(Some(other))
                ),
            ));
        }
    };
    if list.len() > MAX_IMAGES {
        return Err(InputError::new(
            ErrorCode::Limit,
            list_at,
            format!("more than {MAX_IMAGES} containers"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let at = format!("{list_at}[{i}]");
            let c = c.as_object().ok_or_else(|| {
                InputError::invalid(
                    &at,
                    format!(
                        "`containers[{i}]` is {}, expected a mapping (a container)",
                        type_name(Some(c))
                    ),
                )
            })?;
            Ok(ContainerImage {
                name: string_field(c, "name", &at)?.unwrap_or_default().to_owned(),
                // An absent image is evaluated as the empty reference, which no rule but
                // ALWAYS_ALLOW admits (spec §4), as for Kubernetes.
                image: string_field(c, "image", &at)?
                    .unwrap_or_default()
                    .to_owned(),
                container_type: ContainerType::Container,
            })
        })
        .collect()
}

fn owned(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

fn annotation<'a>(map: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a str> {
    map.and_then(|m| m.get(key)).and_then(Value::as_str)
}

/// A v1 object, as gcloud's export prints it. Binary Authorization and breakglass are read from
/// the object's own annotations, where Cloud Run reads them (its v1 ObjectMeta reference lists
/// both for Service and Job); on the template they would be ignored, so they are refused there.
fn v1(
    object: &Map<String, Value>,
    kind: CloudRunKind,
    kind_name: &str,
    pointer: &str,
) -> InputResult<Workload> {
    let metadata = mapping_field(object, "metadata", "", "the object's metadata")?;
    let field = |name: &str| -> InputResult<Option<&str>> {
        Ok(match metadata {
            Some(m) => string_field(m, name, "metadata")?,
            None => None,
        })
    };
    let name = field("name")?;
    let project = field("namespace")?;
    let labels = string_map(metadata, "labels", "metadata")?;
    let annotations = string_map(metadata, "annotations", "metadata")?;
    let (template, template_at) = template(object, kind_name, pointer)?;
    let template_meta = mapping_field(
        template,
        "metadata",
        &template_at,
        "the template's metadata",
    )?;
    let meta_at = join_path(&template_at, "metadata");
    let template_annotations = string_map(template_meta, "annotations", &meta_at)?;
    for key in [BINAUTHZ_ANNOTATION, BREAKGLASS_ANNOTATION] {
        if annotation(template_annotations, key).is_some() {
            return Err(InputError::invalid(
                join_path(&meta_at, "annotations"),
                format!(
                    "annotation `{key}` is on the revision template; Cloud Run reads it from the {}'s own metadata.annotations",
                    kind.as_str()
                ),
            ));
        }
    }
    let revision = match template_meta {
        Some(m) if kind == CloudRunKind::Service => string_field(m, "name", &meta_at)?,
        _ => None,
    };
    let spec_at = join_path(&template_at, "spec");
    let spec =
        mapping_field(template, "spec", &template_at, "the template's spec")?.ok_or_else(|| {
            InputError::invalid(&spec_at, format!("the {kind_name} has no template spec"))
        })?;
    let containers = containers(spec, &spec_at, kind.as_str())?;
    let justification = owned(annotation(annotations, BREAKGLASS_ANNOTATION));
    let setting = annotation(annotations, BINAUTHZ_ANNOTATION);
    let setting_at = format!("metadata.annotations.{BINAUTHZ_ANNOTATION}");
    let context = CloudRunContext {
        kind,
        name: owned(name),
        project: owned(project),
        location: owned(annotation(labels, LOCATION_LABEL)),
        revision: owned(revision),
        binary_authorization: setting.map(str::to_owned),
        breakglass_justification: justification,
    };
    finish(
        context,
        containers,
        kind_name,
        setting_at,
        &format!("metadata.annotations.{BREAKGLASS_ANNOTATION}"),
    )
}

/// A v2 body (Cloud Run Admin API v2, Terraform's `google_cloud_run_v2_*`), read in proto3 JSON
/// names: `binaryAuthorization {useDefault | policy, breakglassJustification}`.
fn v2(object: &Map<String, Value>) -> InputResult<Workload> {
    let Some((project, location, kind, id)) = v2_name(object) else {
        return Err(InputError::invalid(
            "name",
            "a Cloud Run v2 body needs its `name`: projects/PROJECT/locations/LOCATION/services/NAME or .../jobs/NAME",
        ));
    };
    if object.contains_key("binary_authorization") {
        return Err(InputError::invalid(
            "binary_authorization",
            "write `binaryAuthorization` (the REST API's JSON name); binauthz reads v2 bodies in proto3 JSON names",
        ));
    }
    if let Some(Value::Object(a)) = object.get("annotations")
        && a.keys()
            .any(|k| k == BINAUTHZ_ANNOTATION || k == BREAKGLASS_ANNOTATION)
    {
        return Err(InputError::invalid(
            "annotations",
            "Cloud Run API v2 rejects run.googleapis.com annotations; set `binaryAuthorization` instead",
        ));
    }
    let pointer = match kind {
        CloudRunKind::Service => "/template",
        CloudRunKind::Job => "/template/template",
    };
    let (template_map, template_at) = template(object, kind.as_str(), pointer)?;
    let containers = containers(template_map, &template_at, kind.as_str())?;
    let revision = match kind {
        CloudRunKind::Service => string_field(template_map, "revision", &template_at)?,
        CloudRunKind::Job => None,
    };
    let binauthz = mapping_field(
        object,
        "binaryAuthorization",
        "",
        "useDefault, policy and breakglassJustification",
    )?;
    let (setting, justification) = match binauthz {
        None => (None, None),
        Some(b) => read_v2_binauthz(b)?,
    };
    let context = CloudRunContext {
        kind,
        name: Some(id.to_owned()),
        project: Some(project.to_owned()),
        location: Some(location.to_owned()),
        revision: owned(revision),
        binary_authorization: setting,
        breakglass_justification: justification,
    };
    let kind_name = match kind {
        CloudRunKind::Service => "Service",
        CloudRunKind::Job => "Job",
    };
    finish(
        context,
        containers,
        kind_name,
        "binaryAuthorization".to_owned(),
        "binaryAuthorization.breakglassJustification",
    )
}

fn read_v2_binauthz(b: &Map<String, Value>) -> InputResult<(Option<String>, Option<String>)> {
    const AT: &str = "binaryAuthorization";
    if let Some(unknown) = b.keys().find(|k| {
        !matches!(
            k.as_str(),
            "useDefault" | "policy" | "breakglassJustification"
        )
    }) {
        return Err(InputError::invalid(
            join_path(AT, unknown),
            format!(
                "unknown field `{}`, expected useDefault, policy or breakglassJustification",
                shown(unknown)
            ),
        ));
    }
    let use_default = match b.get("useDefault") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(v)) => *v,
        Some(other) => {
            return Err(InputError::invalid(
                join_path(AT, "useDefault"),
                format!(
                    "`useDefault` is {}, expected a boolean",
                    type_name(Some(other))
                ),
            ));
        }
    };
    let policy = owned(string_field(b, "policy", AT)?);
    if use_default && policy.is_some() {
        return Err(InputError::invalid(
            AT,
            "`useDefault` and `policy` are one field (a oneof): give one of them",
        ));
    }
    let setting = if use_default {
        Some("default".to_owned())
    } else {
        policy
    };
    Ok((
        setting,
        owned(string_field(b, "breakglassJustification", AT)?),
    ))
}

/// Checks what the object says (its paths) and builds the workload.
fn finish(
    context: CloudRunContext,
    containers: Vec<ContainerImage>,
    kind_name: &str,
    setting_at: String,
    justification_at: &str,
) -> InputResult<Workload> {
    if let Some(value) = &context.binary_authorization
        && value != "default"
        && !is_platform_policy_name(value)
    {
        return Err(InputError::invalid(
            &setting_at,
            format!(
                "`{}` is neither `default` nor a Cloud Run platform policy (projects/PROJECT/platforms/cloudRun/NAME)",
                shown(value)
            ),
        ));
    }
    if let Some(why) = &context.breakglass_justification {
        check_justification(why, justification_at)?;
        if context.binary_authorization.is_none() {
            return Err(justification_without_binauthz(justification_at));
        }
    }
    Ok(Workload {
        kind: kind_name.to_owned(),
        name: context.name.clone(),
        namespace: None,
        service_account: None,
        breakglass: context.breakglass_justification.is_some(),
        containers,
        cloud_run: Some(context),
        setting_at: Some(setting_at),
    })
}

#[cfg(test)]
#[path = "cloud_run_tests.rs"]
mod tests;
