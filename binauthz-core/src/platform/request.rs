//! What a platform-policy evaluation reads besides the policy (spec/README.md §15.5): the pods
//! (a workload object, an AdmissionReview, or a list of pods such as `kubectl get pods -A -o
//! json` prints), and everything a check needs, supplied by the host: attestation occurrences,
//! cosign signatures, the images' upload times, vulnerability scans, and the evaluation time.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::{ErrorCode, InputError, InputResult, join_path};
use crate::limits::{
    MAX_DOCKER_IMAGES, MAX_OCCURRENCES, MAX_PLATFORM_PODS, MAX_REQUEST_BYTES,
    MAX_VULNERABILITY_OCCURRENCES,
};
use crate::model::cosign::CosignSignature;
use crate::model::digest::Digest;
use crate::model::occurrence::Occurrences;
use crate::model::workload::{ContainerImage, Workload};
use crate::objects::kubernetes;
use crate::platform::severity::VulnSeverity;
use crate::text::document;
use crate::text::document::shape::kind_of;
use crate::time::Timestamp;

/// One pod to evaluate (or a workload's pod template).
#[derive(Debug, Clone)]
pub struct Pod {
    /// The object's kind (`Pod`, `Deployment`, …).
    pub kind: String,
    /// `metadata.name`.
    pub name: Option<String>,
    /// The namespace; `default` when the object names none, as kubectl applies it.
    pub namespace: String,
    /// The service account it runs as; `default` when the pod spec names none, as Kubernetes
    /// defaults it.
    pub service_account: String,
    /// Its containers, init containers and ephemeral containers.
    pub containers: Vec<ContainerImage>,
}

/// A cosign signature from the request.
#[derive(Debug, Clone)]
pub(crate) struct CosignEntry {
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
}

/// One vulnerability found by a scan.
#[derive(Debug, Clone)]
pub(crate) struct Vulnerability {
    pub(crate) project: Option<String>,
    pub(crate) cve: String,
    pub(crate) severity: Option<VulnSeverity>,
    pub(crate) fix_available: bool,
}

/// An image record of the registry: where it is and when it was uploaded.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) repository: String,
    pub(crate) time: Timestamp,
}

/// A platform-policy request, read and bounded.
#[derive(Debug, Clone, Default)]
pub struct PlatformRequest {
    pub(crate) pods: Vec<Pod>,
    pub(crate) attestations: Occurrences,
    /// Cosign signatures by the digest their payload signs.
    pub(crate) cosign: HashMap<Digest, Vec<CosignEntry>>,
    /// Cosign signatures whose payload could not be read, with why.
    pub(crate) unreadable_cosign: Vec<String>,
    pub(crate) uploads: HashMap<Digest, Vec<Upload>>,
    pub(crate) vulnerabilities: HashMap<Digest, Vec<Vulnerability>>,
    /// The projects (`projects/P`, or `""` when unnamed) whose scan of a digest finished.
    pub(crate) scans: HashMap<Digest, Vec<String>>,
    pub(crate) evaluation_time: Option<Timestamp>,
}

const FIELDS: &[&str] = &[
    "object",
    "attestations",
    "cosignSignatures",
    "dockerImages",
    "vulnerabilities",
    "evaluationTime",
];

impl PlatformRequest {
    /// Reads a request document (YAML or JSON).
    pub fn parse(text: &str) -> InputResult<Self> {
        Self::from_value(document::parse(text, MAX_REQUEST_BYTES)?)
    }

    /// Reads a parsed request document.
    pub fn from_value(value: Value) -> InputResult<Self> {
        let Some(map) = value.as_object() else {
            return Err(InputError::invalid(
                "",
                format!(
                    "a platform-policy request must be a mapping with an `object`, found {}",
                    kind_of(&value)
                ),
            ));
        };
        if let Some(key) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(InputError::invalid(
                key.as_str(),
                format!(
                    "unknown field `{}`, expected one of {}",
                    crate::untrusted::escape(key),
                    FIELDS.join(", ")
                ),
            ));
        }
        let object = map.get("object").filter(|v| !v.is_null()).ok_or_else(|| {
            InputError::invalid(
                "object",
                "field is required: a Pod or other workload, an AdmissionReview, or a list of pods (`kubectl get pods -A -o json`)",
            )
        })?;
        let mut request = PlatformRequest {
            pods: pods(object).map_err(|e| e.within("object"))?,
            ..PlatformRequest::default()
        };
        let attestations = list(map, "attestations", MAX_OCCURRENCES)?;
        request.attestations = Occurrences::from_list(attestations.to_vec(), "attestations")?;
        request.read_cosign(map)?;
        request.read_uploads(map)?;
        request.read_vulnerabilities(map)?;
        if let Some(time) = map.get("evaluationTime").filter(|v| !v.is_null()) {
            let text = time.as_str().ok_or_else(|| {
                InputError::invalid(
                    "evaluationTime",
                    format!("expected an RFC 3339 time, found {}", kind_of(time)),
                )
            })?;
            request.evaluation_time = Some(
                Timestamp::parse_rfc3339(text)
                    .map_err(|m| InputError::invalid("evaluationTime", m))?,
            );
        }
        Ok(request)
    }

    /// The pods, in the order given.
    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    fn read_cosign(&mut self, map: &Map<String, Value>) -> InputResult<()> {
        let items = list(map, "cosignSignatures", crate::limits::MAX_OCCURRENCES)?;
        for (i, item) in items.iter().enumerate() {
            let at = format!("cosignSignatures[{i}]");
            let signature = CosignSignature::from_value(item).map_err(|e| e.within(&at))?;
            // A payload that is not cosign's is kept out of every check, and counted in the
            // explanation of the images it might have been meant for.
            match signature.parse_payload() {
                Ok(payload) => self
                    .cosign
                    .entry(payload.digest().clone())
                    .or_default()
                    .push(CosignEntry {
                        payload: signature.payload().to_vec(),
                        signature: signature.signature().to_vec(),
                    }),
                Err(why) => self.unreadable_cosign.push(format!("{at}: {why}")),
            }
        }
        Ok(())
    }

    fn read_uploads(&mut self, map: &Map<String, Value>) -> InputResult<()> {
        for (i, item) in list(map, "dockerImages", MAX_DOCKER_IMAGES)?
            .iter()
            .enumerate()
        {
            let at = format!("dockerImages[{i}]");
            let uri = str_field(item, "uri", &at)?.ok_or_else(|| {
                InputError::invalid(
                    join_path(&at, "uri"),
                    "field is required: the image's `registry/path@sha256:…`, as Artifact Registry reports it",
                )
            })?;
            let (repository, digest) = uri
                .rsplit_once('@')
                .and_then(|(repo, d)| Some((repo, Digest::parse(d)?)))
                .ok_or_else(|| {
                    InputError::invalid(
                        join_path(&at, "uri"),
                        format!(
                            "`{}` has no sha256 digest (`registry/path@sha256:…`)",
                            crate::untrusted::shown(uri)
                        ),
                    )
                })?;
            let time_at = join_path(&at, "uploadTime");
            let time = str_field(item, "uploadTime", &at)?
                .ok_or_else(|| InputError::invalid(&time_at, "field is required"))?;
            let time =
                Timestamp::parse_rfc3339(time).map_err(|m| InputError::invalid(&time_at, m))?;
            let repository = crate::model::image::strip_scheme(repository).to_owned();
            self.uploads
                .entry(digest)
                .or_default()
                .push(Upload { repository, time });
        }
        Ok(())
    }

    fn read_vulnerabilities(&mut self, map: &Map<String, Value>) -> InputResult<()> {
        for (i, item) in list(map, "vulnerabilities", MAX_VULNERABILITY_OCCURRENCES)?
            .iter()
            .enumerate()
        {
            let at = format!("vulnerabilities[{i}]");
            let uri = str_field(item, "resourceUri", &at)?.ok_or_else(|| {
                InputError::invalid(join_path(&at, "resourceUri"), "field is required")
            })?;
            let digest = uri
                .rsplit_once('@')
                .and_then(|(_, d)| Digest::parse(d))
                .ok_or_else(|| {
                    InputError::invalid(
                        join_path(&at, "resourceUri"),
                        format!("`{}` names no sha256 digest", crate::untrusted::shown(uri)),
                    )
                })?;
            let project = str_field(item, "name", &at)?.and_then(project_of);
            match str_field(item, "kind", &at)? {
                Some("DISCOVERY") => {
                    let status = item
                        .pointer("/discovery/analysisStatus")
                        .and_then(Value::as_str);
                    if status == Some("FINISHED_SUCCESS") {
                        self.scans
                            .entry(digest)
                            .or_default()
                            .push(project.unwrap_or_default());
                    }
                }
                Some("VULNERABILITY") => {
                    let v = vulnerability(item, &at, project)?;
                    self.vulnerabilities.entry(digest).or_default().push(v);
                }
                other => {
                    return Err(InputError::invalid(
                        join_path(&at, "kind"),
                        format!(
                            "expected VULNERABILITY or DISCOVERY, found {}",
                            other.map_or_else(
                                || "nothing".to_owned(),
                                |k| format!("`{}`", crate::untrusted::shown(k))
                            )
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `projects/P` of an occurrence's name `projects/P/occurrences/ID`.
pub(crate) fn project_of(name: &str) -> Option<String> {
    crate::model::names::project_of(name)
        .filter(|p| !p.is_empty())
        .map(|p| format!("projects/{p}"))
}

fn vulnerability(item: &Value, at: &str, project: Option<String>) -> InputResult<Vulnerability> {
    let v_at = join_path(at, "vulnerability");
    let details = item
        .get("vulnerability")
        .filter(|v| v.is_object())
        .ok_or_else(|| InputError::invalid(&v_at, "field is required: a mapping"))?;
    // The note names the CVE (`projects/goog-vulnz/notes/CVE-2021-20305`).
    let note = str_field(item, "noteName", at)?.unwrap_or_default();
    let cve = note
        .rsplit('/')
        .next()
        .filter(|c| !c.is_empty())
        .or_else(|| details.get("shortDescription").and_then(Value::as_str))
        .ok_or_else(|| {
            InputError::invalid(
                join_path(at, "noteName"),
                "field is required: the vulnerability's note (projects/goog-vulnz/notes/CVE-…)",
            )
        })?
        .to_owned();
    let severity_name = details
        .get("effectiveSeverity")
        .or_else(|| details.get("severity"))
        .and_then(Value::as_str)
        .unwrap_or("SEVERITY_UNSPECIFIED");
    let severity = VulnSeverity::read(severity_name).map_err(|()| {
        InputError::invalid(
            join_path(&v_at, "effectiveSeverity"),
            format!(
                "`{}` is not a Grafeas severity (MINIMAL, LOW, MEDIUM, HIGH, CRITICAL)",
                crate::untrusted::shown(severity_name)
            ),
        )
    })?;
    let fix_available = match details.get("fixAvailable") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(InputError::invalid(
                join_path(&v_at, "fixAvailable"),
                format!("expected true or false, found {}", kind_of(other)),
            ));
        }
    };
    Ok(Vulnerability {
        project,
        cve,
        severity,
        fix_available,
    })
}

fn list<'a>(map: &'a Map<String, Value>, key: &str, max: usize) -> InputResult<&'a [Value]> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) if items.len() > max => Err(InputError::new(
            ErrorCode::Limit,
            key,
            format!("{} entries, more than the limit of {max}", items.len()),
        )),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(InputError::invalid(
            key,
            format!("expected a list, found {}", kind_of(other)),
        )),
    }
}

fn str_field<'a>(item: &'a Value, key: &str, at: &str) -> InputResult<Option<&'a str>> {
    if !item.is_object() {
        return Err(InputError::invalid(
            at,
            format!("expected a mapping, found {}", kind_of(item)),
        ));
    }
    match item.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(InputError::invalid(
            join_path(at, key),
            format!("expected a string, found {}", kind_of(other)),
        )),
    }
}

/// The pods of the request's object: one workload or AdmissionReview, or a list (`kind: List`,
/// `PodList`, or a JSON array) of them.
fn pods(object: &Value) -> InputResult<Vec<Pod>> {
    let items: Vec<(String, &Value)> = match object {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        Value::Object(map)
            if matches!(
                map.get("kind").and_then(Value::as_str),
                Some("List" | "PodList")
            ) =>
        {
            let Some(Value::Array(items)) = map.get("items") else {
                return Err(InputError::invalid(
                    "items",
                    format!(
                        "expected a list of objects, found {}",
                        kind_of(map.get("items").unwrap_or(&Value::Null))
                    ),
                ));
            };
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("items[{i}]"), v))
                .collect()
        }
        other => vec![(String::new(), other)],
    };
    if items.len() > MAX_PLATFORM_PODS {
        return Err(InputError::new(
            ErrorCode::Limit,
            "",
            format!(
                "{} objects, more than the limit of {MAX_PLATFORM_PODS}",
                items.len()
            ),
        ));
    }
    items
        .into_iter()
        .map(|(at, v)| {
            let workload = kubernetes::workload_from_value(v).map_err(|e| e.within(&at))?;
            if workload.cloud_run.is_some() {
                return Err(InputError::new(
                    ErrorCode::Unsupported,
                    at,
                    "a Cloud Run object runs under a `cloudRun` platform policy, not a GKE one; evaluate it with the project policy (`binauthz evaluate`)",
                ));
            }
            Ok(pod(workload))
        })
        .collect()
}

fn pod(workload: Workload) -> Pod {
    Pod {
        kind: workload.kind,
        name: workload.name,
        namespace: workload
            .namespace
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
        service_account: workload
            .service_account
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
        containers: workload.containers,
    }
}
