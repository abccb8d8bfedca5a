//! Images and deployment context from Kubernetes objects and AdmissionReviews, so that a
//! manifest or an admission request can be evaluated like a list of images (spec/README.md §10).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{InputError, InputResult, join_path};
use crate::limits::{MAX_IMAGES, MAX_REQUEST_BYTES};
use crate::model::context::Context;
use crate::model::workload::fields::{mapping_field, string_field, string_map, type_name};
pub use crate::model::workload::{ContainerImage, ContainerType, Workload};
use crate::objects::cloud_run;
use crate::text::document;
use crate::untrusted::shown;

/// The label GKE's current docs use to request breakglass on a pod.
pub const BREAKGLASS_LABEL: &str = "image-policy.k8s.io/break-glass";
/// The legacy ImagePolicyWebhook annotation that also requests breakglass.
pub const BREAKGLASS_ANNOTATION: &str = "alpha.image-policy.k8s.io/break-glass";

/// Where each kind keeps its pod template, as a JSON pointer from the object's root.
fn template_path(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "",
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => "/spec/template",
        "CronJob" => "/spec/jobTemplate/spec/template",
        "PodTemplate" => "/template",
        _ => return None,
    })
}

/// Kinds binauthz can read pod specs from.
pub const SUPPORTED_KINDS: [&str; 9] = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
];

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Whether `map[key]` is exactly `"true"`, the value spec §10 (and GKE's docs) give: a label or
/// annotation that only resembles it (`"TRUE"`, `"True"`) does not request breakglass.
fn is_true(map: Option<&Map<String, Value>>, key: &str) -> bool {
    map.and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .is_some_and(|v| v == "true")
}

/// The service account a pod spec runs as, exactly as Kubernetes' v1 conversion decides it
/// (`Convert_v1_PodSpec_To_core_PodSpec`): `serviceAccountName` when it is non-empty, else the
/// deprecated `serviceAccount`; `None` (the caller's `default`) when both are empty, null or
/// absent. A value of another type is an error: Kubernetes would not accept the object, and
/// guessing would evaluate a pod that never runs.
fn service_account(spec: &Map<String, Value>, spec_path: &str) -> InputResult<Option<String>> {
    let name = string_field(spec, "serviceAccountName", spec_path)?.unwrap_or_default();
    let deprecated = string_field(spec, "serviceAccount", spec_path)?.unwrap_or_default();
    let chosen = if name.is_empty() { deprecated } else { name };
    Ok((!chosen.is_empty()).then(|| chosen.to_owned()))
}

/// The pod template of a `kind` object, found by walking `pointer` (a JSON pointer such as
/// `/spec/template`; empty for a Pod, which is its own template), and its dotted path. Each step
/// must be a mapping; a missing step or one of another type is an error saying which.
fn pod_template<'a>(
    object: &'a Map<String, Value>,
    kind: &str,
    pointer: &str,
) -> InputResult<(&'a Map<String, Value>, String)> {
    let dotted = pointer.trim_start_matches('/').replace('/', ".");
    let mut template = object;
    let mut at = String::new();
    for segment in pointer.split('/').skip(1) {
        let what = format!("on the way to the pod template at {dotted}");
        let what = if join_path(&at, segment) == dotted {
            "the pod template"
        } else {
            &what
        };
        template = mapping_field(template, segment, &at, what)?.ok_or_else(|| {
            InputError::invalid(
                join_path(&at, segment),
                format!(
                    "{kind} has no pod template here: `{segment}` is missing (a {kind} keeps it at {dotted})"
                ),
            )
        })?;
        at = join_path(&at, segment);
    }
    Ok((template, dotted))
}

impl Workload {
    /// Reads one workload object (already parsed). Every field binauthz reads must have the
    /// type Kubernetes decodes it as; an error says which field holds what instead.
    pub fn from_value(object: &Value) -> InputResult<Workload> {
        match object.as_object() {
            Some(obj) => Self::from_map(obj),
            None => Err(InputError::invalid(
                "",
                format!(
                    "a Kubernetes object must be a mapping, not {}",
                    type_name(Some(object))
                ),
            )),
        }
    }

    fn from_map(obj: &Map<String, Value>) -> InputResult<Workload> {
        // A Cloud Run Job shares its kind with Kubernetes' batch/v1 Job, and a Knative Service
        // with the core Service: the apiVersion tells them apart (spec §13).
        if cloud_run::is_cloud_run(obj) {
            return cloud_run::workload(obj);
        }
        let kind = string_field(obj, "kind", "")?.ok_or_else(|| {
            InputError::invalid(
                "kind",
                "`kind` is missing; expected the object's kind (Pod, Deployment, ...), or a Cloud Run v2 body's `name` (projects/P/locations/L/services/S or .../jobs/J) and `template`",
            )
        })?;
        let pointer = template_path(kind).ok_or_else(|| {
            let hint = if kind == "Service" {
                " (a Cloud Run service has apiVersion serving.knative.dev/v1)"
            } else {
                ""
            };
            InputError::invalid(
                "kind",
                format!(
                    "kind `{}` has no pod spec binauthz can read; expected one of {}, or a Cloud Run Service or Job{hint}",
                    shown(kind),
                    SUPPORTED_KINDS.join(", ")
                ),
            )
        })?;
        let metadata = mapping_field(obj, "metadata", "", "the object's metadata")?;
        let name = metadata
            .map(|m| string_field(m, "name", "metadata"))
            .transpose()?
            .flatten();
        let namespace = metadata
            .map(|m| string_field(m, "namespace", "metadata"))
            .transpose()?
            .flatten()
            .filter(|s| !s.is_empty());
        let (template, template_at) = pod_template(obj, kind, pointer)?;
        let spec_path = join_path(&template_at, "spec");
        let spec =
            mapping_field(template, "spec", &template_at, "the pod spec")?.ok_or_else(|| {
                InputError::invalid(
                    &spec_path,
                    format!("{kind} has no pod spec: `spec` is missing"),
                )
            })?;
        let mut containers = Vec::new();
        for (field, container_type) in [
            ("containers", ContainerType::Container),
            ("initContainers", ContainerType::InitContainer),
            ("ephemeralContainers", ContainerType::EphemeralContainer),
        ] {
            let list = match spec.get(field) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(list)) => list,
                Some(other) => {
                    return Err(InputError::invalid(
                        join_path(&spec_path, field),
                        format!(
                            "`{field}` is {}, expected a list of containers",
                            type_name(Some(other))
                        ),
                    ));
                }
            };
            for (i, c) in list.iter().enumerate() {
                let at = format!("{spec_path}.{field}[{i}]");
                let Some(c) = c.as_object() else {
                    return Err(InputError::invalid(
                        &at,
                        format!(
                            "`{field}[{i}]` is {}, expected a mapping (a container)",
                            type_name(Some(c))
                        ),
                    ));
                };
                // Kubernetes decodes an absent or null image as "": evaluated as that empty
                // reference, which no pattern matches and no attestation covers (spec §4).
                let image = string_field(c, "image", &at)?.unwrap_or_default();
                let name = string_field(c, "name", &at)?.unwrap_or_default();
                containers.push(ContainerImage {
                    name: name.to_owned(),
                    image: image.to_owned(),
                    container_type,
                });
            }
        }
        if containers.is_empty() {
            return Err(InputError::invalid(
                format!("{spec_path}.containers"),
                format!("{kind} has no containers"),
            ));
        }
        if containers.len() > MAX_IMAGES {
            return Err(InputError::new(
                crate::ErrorCode::Limit,
                format!("{spec_path}.containers"),
                format!("more than {MAX_IMAGES} containers"),
            ));
        }
        let meta_at = join_path(&template_at, "metadata");
        let template_metadata =
            mapping_field(template, "metadata", &template_at, "the pod's metadata")?;
        let labels = string_map(template_metadata, "labels", &meta_at)?;
        let annotations = string_map(template_metadata, "annotations", &meta_at)?;
        let breakglass =
            is_true(labels, BREAKGLASS_LABEL) || is_true(annotations, BREAKGLASS_ANNOTATION);
        let service_account = service_account(spec, &spec_path)?;
        Ok(Workload {
            kind: kind.to_owned(),
            name: name.map(str::to_owned),
            namespace: namespace.map(str::to_owned),
            service_account,
            breakglass,
            containers,
            cloud_run: None,
            setting_at: None,
        })
    }
}

/// Reads every object of a manifest: multi-document YAML, a JSON object, a JSON array, or a
/// `kind: List` (its `items`). Each object must be a supported workload.
pub fn parse_manifests(text: &str) -> InputResult<Vec<Workload>> {
    let documents = document::parse_all(text, MAX_REQUEST_BYTES)?;
    let mut objects: Vec<(String, Value)> = Vec::new();
    for (d, doc) in documents.into_iter().enumerate() {
        let prefix = format!("document {}", d + 1);
        match doc {
            Value::Null => {}
            Value::Array(items) => {
                objects.extend(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (format!("{prefix} [{i}]"), v)),
                );
            }
            Value::Object(ref map) if map.get("kind").and_then(Value::as_str) == Some("List") => {
                // A List whose `items` is not a list must not vanish while the rest of the
                // manifest is admitted: whatever it was meant to hold would go unevaluated.
                let Some(Value::Array(items)) = map.get("items") else {
                    let what = object_label(&doc).unwrap_or_else(|| "List".to_owned());
                    return Err(InputError::invalid(
                        "items",
                        format!(
                            "{prefix} ({what}): `items` is {}; expected a list of objects",
                            type_name(map.get("items"))
                        ),
                    ));
                };
                objects.extend(
                    items
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(i, v)| (format!("{prefix} items[{i}]"), v)),
                );
            }
            other => objects.push((prefix, other)),
        }
    }
    if objects.is_empty() {
        return Err(InputError::invalid("", "the manifest contains no objects"));
    }
    objects
        .iter()
        .map(|(label, v)| {
            Workload::from_value(v).map_err(|e| {
                let what =
                    object_label(v).map_or_else(|| label.clone(), |o| format!("{label} ({o})"));
                InputError::new(e.code(), e.path(), format!("{what}: {}", e.message()))
            })
        })
        .collect()
}

/// `Kind name` of an object, for error messages: both come from the manifest, so they are
/// escaped and cut short (a bindings' host may show the message as it is).
fn object_label(v: &Value) -> Option<String> {
    let kind = shown(str_at(v, "/kind")?);
    Some(match str_at(v, "/metadata/name") {
        Some(name) => format!("{kind} {}", shown(name)),
        None => kind.into_owned(),
    })
}

/// An `admission.k8s.io/v1` AdmissionReview request, reduced to what evaluation needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// `request.uid`, echoed in the response.
    pub uid: String,
    /// `apiVersion` of the review, echoed in the response.
    pub api_version: String,
    /// The workload of `request.object`; its namespace falls back to `request.namespace`.
    pub workload: Workload,
}

/// Reads an AdmissionReview document (YAML or JSON text).
pub fn parse_admission_review(text: &str) -> InputResult<AdmissionRequest> {
    admission_review_from_value(&document::parse(text, MAX_REQUEST_BYTES)?)
}

/// Reads a parsed AdmissionReview.
pub fn admission_review_from_value(review: &Value) -> InputResult<AdmissionRequest> {
    let Some(obj) = review.as_object() else {
        return Err(InputError::invalid(
            "",
            format!(
                "an AdmissionReview must be a mapping, not {}",
                type_name(Some(review))
            ),
        ));
    };
    match string_field(obj, "kind", "")? {
        Some("AdmissionReview") => {}
        Some(other) => {
            return Err(InputError::invalid(
                "kind",
                format!("kind is `{}`, expected AdmissionReview", shown(other)),
            ));
        }
        None => {
            return Err(InputError::invalid(
                "kind",
                "`kind` is missing, expected AdmissionReview",
            ));
        }
    }
    let api_version = string_field(obj, "apiVersion", "")?.unwrap_or("admission.k8s.io/v1");
    if !api_version.starts_with("admission.k8s.io/") {
        return Err(InputError::invalid(
            "apiVersion",
            format!(
                "`{}` is not an admission.k8s.io version",
                shown(api_version)
            ),
        ));
    }
    let request = mapping_field(obj, "request", "", "the admission request")?
        .ok_or_else(|| InputError::invalid("request", "`request` is missing"))?;
    let uid = string_field(request, "uid", "request")?.ok_or_else(|| {
        InputError::invalid("request.uid", "`uid` is missing; the response must echo it")
    })?;
    let object = mapping_field(request, "object", "request", "the object being admitted")?
        .ok_or_else(|| InputError::invalid("request.object", "`object` is missing"))?;
    let namespace = string_field(request, "namespace", "request")?;
    let mut workload = Workload::from_map(object).map_err(|e| e.within("request.object"))?;
    if workload.cloud_run.is_some() {
        return Err(InputError::invalid(
            "request.object",
            "a Cloud Run object in an AdmissionReview: Kubernetes does not admit Cloud Run services or jobs (evaluate the object itself)",
        ));
    }
    if workload.namespace.is_none() {
        workload.namespace = namespace.filter(|s| !s.is_empty()).map(str::to_owned);
    }
    Ok(AdmissionRequest {
        uid: uid.to_owned(),
        api_version: api_version.to_owned(),
        workload,
    })
}

/// Reads a workload object or an AdmissionReview (whichever `value` is).
pub fn workload_from_value(value: &Value) -> InputResult<Workload> {
    if str_at(value, "/kind") == Some("AdmissionReview") {
        admission_review_from_value(value).map(|r| r.workload)
    } else {
        Workload::from_value(value)
    }
}

/// What a host needs to fetch attestations before evaluating: the images and the context of a
/// workload object or AdmissionReview given as text. The JSON form is
/// `{"kind", "name", "namespace", "images", "containers", "context"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Extracted {
    /// The object's kind.
    pub kind: String,
    /// The object's name.
    pub name: Option<String>,
    /// The images, in container order (a request's `images`).
    pub images: Vec<String>,
    /// The containers with their names and types.
    pub containers: Vec<ContainerImage>,
    /// The context to evaluate with (a request's `context`).
    pub context: Context,
}

/// Extracts images and context from a workload object or AdmissionReview (YAML or JSON text).
pub fn extract_str(text: &str) -> InputResult<Extracted> {
    let workload = workload_from_value(&document::parse(text, MAX_REQUEST_BYTES)?)?;
    Ok(Extracted {
        images: workload.images(),
        context: workload.context(&Context::default()),
        kind: workload.kind,
        name: workload.name,
        containers: workload.containers,
    })
}

mod response;
pub use response::{Refusal, ReviewEcho, admission_response, admitted_response, refusal_response};

#[cfg(test)]
mod tests;
