//! Reading a Cloud Run object: the v1 exports of services and jobs, and the v2 bodies
//! (spec/README.md §13.1).

use super::*;

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
