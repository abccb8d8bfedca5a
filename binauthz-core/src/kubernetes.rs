//! Images and deployment context from Kubernetes objects and AdmissionReviews, so that a
//! manifest or an admission request can be evaluated like a list of images (spec/README.md §10).

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::decision::{Decision, Verdict};
use crate::document;
use crate::error::{InputError, InputResult};
use crate::limits::{MAX_IMAGES, MAX_REQUEST_BYTES};
use crate::request::Context;
use crate::untrusted::escape;

/// The label GKE's current docs use to request breakglass on a pod.
pub const BREAKGLASS_LABEL: &str = "image-policy.k8s.io/break-glass";
/// The legacy ImagePolicyWebhook annotation that also requests breakglass.
pub const BREAKGLASS_ANNOTATION: &str = "alpha.image-policy.k8s.io/break-glass";

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContainerType {
    /// `spec.containers`.
    Container,
    /// `spec.initContainers`.
    InitContainer,
    /// `spec.ephemeralContainers`.
    EphemeralContainer,
}

/// One container's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerImage {
    /// The container's name.
    pub name: String,
    /// The image reference as written.
    pub image: String,
    /// Which list it comes from.
    #[serde(rename = "type")]
    pub container_type: ContainerType,
}

/// What binauthz needs from a workload object: where it runs and which images it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// The object's kind (`Deployment`, `Pod`, …).
    pub kind: String,
    /// `metadata.name`, if set.
    pub name: Option<String>,
    /// `metadata.namespace` (or the AdmissionReview's namespace), if set.
    pub namespace: Option<String>,
    /// The service account the pod runs as, if the pod spec names one: `serviceAccountName`, or
    /// when that is empty the deprecated `serviceAccount`, as Kubernetes decides.
    pub service_account: Option<String>,
    /// Whether the pod (template) asks for breakglass.
    pub breakglass: bool,
    /// Every container, init container and ephemeral container, in that order.
    pub containers: Vec<ContainerImage>,
}

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
fn is_true(map: Option<&Value>, key: &str) -> bool {
    map.and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .is_some_and(|v| v == "true")
}

/// What a JSON value is, for error messages.
fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "missing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "a list",
        Some(Value::Object(_)) => "a mapping",
    }
}

/// The service account a pod spec runs as, exactly as Kubernetes' v1 conversion decides it
/// (`Convert_v1_PodSpec_To_core_PodSpec`): `serviceAccountName` when it is non-empty, else the
/// deprecated `serviceAccount`; `None` (the caller's `default`) when both are empty, null or
/// absent. A value of another type is an error: Kubernetes would not accept the object, and
/// guessing would evaluate a pod that never runs.
fn service_account(spec: &Map<String, Value>, spec_path: &str) -> InputResult<Option<String>> {
    let name = name_field(spec, spec_path, "serviceAccountName")?;
    let deprecated = name_field(spec, spec_path, "serviceAccount")?;
    let chosen = if name.is_empty() { deprecated } else { name };
    Ok((!chosen.is_empty()).then(|| chosen.to_owned()))
}

/// A pod spec's name field as Kubernetes decodes it: absent and null are empty.
fn name_field<'a>(
    spec: &'a Map<String, Value>,
    spec_path: &str,
    field: &str,
) -> InputResult<&'a str> {
    match spec.get(field) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(name)) => Ok(name),
        other => Err(InputError::invalid(
            format!("{spec_path}.{field}"),
            format!(
                "expected a string (a service account name), got {}",
                type_name(other)
            ),
        )),
    }
}

impl Workload {
    /// Reads one workload object (already parsed).
    pub fn from_value(object: &Value) -> InputResult<Workload> {
        let Some(obj) = object.as_object() else {
            return Err(InputError::invalid(
                "",
                "a Kubernetes object must be a mapping",
            ));
        };
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .ok_or_else(|| InputError::invalid("kind", "field is required"))?;
        let path = template_path(kind).ok_or_else(|| {
            InputError::invalid(
                "kind",
                format!(
                    "kind `{kind}` has no pod spec binauthz can read; expected one of {}",
                    SUPPORTED_KINDS.join(", ")
                ),
            )
        })?;
        let template = object
            .pointer(path)
            .filter(|t| t.is_object())
            .ok_or_else(|| {
                InputError::invalid(
                    path.trim_start_matches('/').replace('/', "."),
                    format!("{kind} has no pod template here"),
                )
            })?;
        let spec_path = if path.is_empty() {
            "spec".to_owned()
        } else {
            format!("{}.spec", path.trim_start_matches('/').replace('/', "."))
        };
        let spec = template
            .get("spec")
            .and_then(Value::as_object)
            .ok_or_else(|| InputError::invalid(&spec_path, format!("{kind} has no pod spec")))?;
        let mut containers = Vec::new();
        for (field, container_type) in [
            ("containers", ContainerType::Container),
            ("initContainers", ContainerType::InitContainer),
            ("ephemeralContainers", ContainerType::EphemeralContainer),
        ] {
            let list = match spec.get(field) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(list)) => list,
                Some(_) => {
                    return Err(InputError::invalid(
                        format!("{spec_path}.{field}"),
                        "expected a list of containers",
                    ));
                }
            };
            for (i, c) in list.iter().enumerate() {
                let at = format!("{spec_path}.{field}[{i}]");
                let image = c.get("image").and_then(Value::as_str).ok_or_else(|| {
                    InputError::invalid(format!("{at}.image"), "a container needs an image")
                })?;
                let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
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
        let metadata = template.get("metadata");
        let breakglass = is_true(metadata.and_then(|m| m.get("labels")), BREAKGLASS_LABEL)
            || is_true(
                metadata.and_then(|m| m.get("annotations")),
                BREAKGLASS_ANNOTATION,
            );
        let service_account = service_account(spec, &spec_path)?;
        Ok(Workload {
            kind: kind.to_owned(),
            name: str_at(object, "/metadata/name").map(str::to_owned),
            namespace: str_at(object, "/metadata/namespace")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            service_account,
            breakglass,
            containers,
        })
    }

    /// The images of every container, in order.
    pub fn images(&self) -> Vec<String> {
        self.containers.iter().map(|c| c.image.clone()).collect()
    }

    /// The request context for this workload: its namespace (else `fallback.namespace`, else
    /// `default`), its service account (else `default`), breakglass from the object or
    /// `fallback`, and the cluster and Istio identity of `fallback`.
    pub fn context(&self, fallback: &Context) -> Context {
        Context {
            cluster: fallback.cluster.clone(),
            namespace: Some(
                self.namespace
                    .clone()
                    .or_else(|| fallback.namespace.clone())
                    .unwrap_or_else(|| "default".to_owned()),
            ),
            service_account: Some(
                self.service_account
                    .clone()
                    .unwrap_or_else(|| "default".to_owned()),
            ),
            istio_identity: fallback.istio_identity.clone(),
            breakglass: self.breakglass || fallback.breakglass,
        }
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

fn object_label(v: &Value) -> Option<String> {
    let kind = str_at(v, "/kind")?;
    Some(match str_at(v, "/metadata/name") {
        Some(name) => format!("{kind} {name}"),
        None => kind.to_owned(),
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
    if str_at(review, "/kind") != Some("AdmissionReview") {
        return Err(InputError::invalid("kind", "expected kind AdmissionReview"));
    }
    let api_version = str_at(review, "/apiVersion").unwrap_or("admission.k8s.io/v1");
    if !api_version.starts_with("admission.k8s.io/") {
        return Err(InputError::invalid(
            "apiVersion",
            format!("`{api_version}` is not an admission.k8s.io version"),
        ));
    }
    let uid = str_at(review, "/request/uid")
        .ok_or_else(|| InputError::invalid("request.uid", "field is required"))?;
    let object = review
        .pointer("/request/object")
        .filter(|o| o.is_object())
        .ok_or_else(|| InputError::invalid("request.object", "field is required"))?;
    let mut workload = Workload::from_value(object).map_err(|e| e.within("request.object"))?;
    if workload.namespace.is_none() {
        workload.namespace = str_at(review, "/request/namespace")
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
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

/// The AdmissionReview response for a decision: `uid` echoed, `allowed`, a 403 status with the
/// GCP-style denial text when blocked, and warnings for dry-run and breakglass violations.
pub fn admission_response(request: &AdmissionRequest, decision: &Decision) -> Value {
    let mut response = Map::new();
    response.insert("uid".into(), Value::String(request.uid.clone()));
    response.insert("allowed".into(), Value::Bool(decision.allowed));
    if !decision.allowed {
        response.insert(
            "status".into(),
            // kubectl prints the message: nothing in it may move the cursor or break a line
            // but the separators between image denials, which the engine puts there.
            json!({"code": 403, "reason": "VIOLATES_POLICY", "message": decision.message.lines().map(escape).collect::<Vec<_>>().join("\n")}),
        );
    }
    let warnings: Vec<String> = decision
        .images
        .iter()
        .filter_map(|i| match (i.verdict, &i.denial) {
            (Verdict::DryRunViolation, Some(d)) => Some(format!("dry run: {}", escape(d))),
            (Verdict::Breakglass, Some(d)) => Some(format!("breakglass: {}", escape(d))),
            _ => None,
        })
        .collect();
    if !warnings.is_empty() {
        response.insert("warnings".into(), json!(warnings));
    }
    json!({
        "apiVersion": request.api_version,
        "kind": "AdmissionReview",
        "response": Value::Object(response),
    })
}

#[cfg(test)]
#[path = "kubernetes_tests.rs"]
mod tests;
