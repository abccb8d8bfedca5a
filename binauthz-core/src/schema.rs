//! JSON Schemas of the shapes every binding shares (spec/README.md §8), generated from the Rust
//! types with `schemars` (feature `schema`). The files under spec/schema/ are [`all`]'s output;
//! tests/schema.rs fails when they differ and checks every conformance case against them, and the
//! Go and TypeScript types are checked against those files.
//!
//! Outputs (decisions, audit records, error reports, cache statistics, extractions) are described
//! as the engine serializes them: a field left out when empty is not required, a field written as
//! `null` is required and nullable, and every object is closed (the engine writes no field its
//! type does not name). Inputs (config, request) are described as the engine reads them: what may
//! be left out, what may be null, and no unknown top-level fields. The GCP documents inside them
//! (the policy, attestors, occurrences, Kubernetes and Cloud Run objects) are only named as
//! objects: their grammar is GCP's and spec §2, §5, §10 and §13 say how binauthz reads it.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use crate::api::{AttestationEntries, ErrorReport};
use crate::decision::{AuditRecord, Decision};
use crate::evaluation::cache::CacheStats;
use crate::kubernetes::Extracted;
use crate::model::config::RawConfig;
use crate::platform::{ContinuousValidationEvent, EvaluateGkePolicyResponse};
use crate::request::RawRequest;
use crate::testing::{Suite, TestReport};

/// Every schema file of spec/schema/: its file name and its content.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        (
            "config.schema.json",
            input::<RawConfig>("Config", "The config an engine is compiled from (spec §2)."),
        ),
        (
            "request.schema.json",
            input::<RawRequest>("Request", "A request to evaluate (spec §8.1)."),
        ),
        ("decision.schema.json", output::<Decision>("Decision")),
        (
            "audit-record.schema.json",
            output::<AuditRecord>("AuditRecord"),
        ),
        (
            "error-report.schema.json",
            output::<ErrorReport>("ErrorReport"),
        ),
        (
            "cache-stats.schema.json",
            output::<CacheStats>("CacheStats"),
        ),
        ("extracted.schema.json", output::<Extracted>("Extracted")),
        (
            "attestation-entries.schema.json",
            output::<AttestationEntries>("AttestationEntries"),
        ),
        (
            "test-suite.schema.json",
            input::<Suite>("TestSuite", "A policy test file (spec §14)."),
        ),
        (
            "test-report.schema.json",
            output::<TestReport>("TestReport"),
        ),
        (
            "platform-response.schema.json",
            output::<EvaluateGkePolicyResponse>("EvaluateGkePolicyResponse"),
        ),
        (
            "cv-event.schema.json",
            output::<ContinuousValidationEvent>("ContinuousValidationEvent"),
        ),
    ]
}

/// The schema of an input shape, as the engine deserializes it.
fn input<T: JsonSchema>(title: &str, description: &str) -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .for_deserialize()
        .with_transform(TidyDescriptions)
        .into_generator()
        .into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema.insert("description".into(), description.into());
    schema.to_value()
}

/// The schema of an output shape, as the engine serializes it: every object closed.
fn output<T: JsonSchema>(title: &str) -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(CloseObjects)
        .with_transform(OmittedIsNeverNull)
        .with_transform(TidyDescriptions)
        .into_generator()
        .into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema.to_value()
}

/// Marks every object schema with named properties `additionalProperties: false`: the engine
/// serializes plain structs (no flattened maps), so a field the schema lacks is drift, and a
/// consumer may rely on knowing every field.
#[derive(Debug, Clone, Copy)]
struct CloseObjects;

impl Transform for CloseObjects {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        if let Some(object) = schema.as_object_mut()
            && object.contains_key("properties")
        {
            object
                .entry("additionalProperties")
                .or_insert(Value::Bool(false));
        }
    }
}

/// Makes the properties an output may leave out non-nullable. schemars describes an `Option`
/// as nullable, but every optional field of an output is skipped when it is `None` (or zero, or
/// false): none is ever written as `null`. The schema says so, so that bindings can type such a
/// field as absent-or-value; tests/schema.rs validates real outputs, which would find a `null`.
#[derive(Debug, Clone, Copy)]
struct OmittedIsNeverNull;

impl Transform for OmittedIsNeverNull {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        let required: Vec<Value> = match object.get("required") {
            Some(Value::Array(names)) => names.clone(),
            _ => Vec::new(),
        };
        let Some(Value::Object(properties)) = object.get_mut("properties") else {
            return;
        };
        for (name, property) in properties.iter_mut() {
            if !required.contains(&Value::String(name.clone())) {
                drop_null(property);
            }
        }
    }
}

/// Removes `null` from a property's schema: from `"type": [T, "null"]`, or the `{"type":
/// "null"}` arm of an `anyOf`, keeping the property's own description.
fn drop_null(property: &mut Value) {
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(arms)) = object.get("anyOf") {
        let null = serde_json::json!({"type": "null"});
        let rest: Vec<&Value> = arms.iter().filter(|arm| **arm != null).collect();
        if let [Value::Object(arm)] = rest.as_slice() {
            let arm = arm.clone();
            object.remove("anyOf");
            for (key, value) in arm {
                object.entry(key).or_insert(value);
            }
        }
    }
}

/// Turns doc comments into plain descriptions: wrapped lines joined (paragraphs kept) and
/// rustdoc links (``[`X`](crate::path)``, ``[`X`]``) reduced to their text, which means
/// nothing outside the Rust crate.
#[derive(Debug, Clone, Copy)]
struct TidyDescriptions;

impl Transform for TidyDescriptions {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        if let Some(Value::String(text)) = schema.get_mut("description") {
            *text = tidy(text);
        }
    }
}

fn tidy(text: &str) -> String {
    let joined = text
        .split("\n\n")
        .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(start) = rest.find("[`") {
        let (before, link) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = link.find("`]") else {
            out.push_str(link);
            rest = "";
            break;
        };
        let (label, after) = link.split_at(end + 2);
        // label is "[`X`]": keep "`X`"; drop a following "(target)".
        out.push_str(label.trim_start_matches('[').trim_end_matches(']'));
        rest = after
            .strip_prefix('(')
            .and_then(|target| target.split_once(')'))
            .map_or(after, |(_, tail)| tail);
    }
    out.push_str(rest);
    out
}

/// `platform` of decisions and audit records: written only for Cloud Run (it is skipped on GKE,
/// so `gke` never appears).
pub(crate) fn cloud_run_platform(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "`cloudRun` for a Cloud Run service or job (spec §13); absent on GKE.",
        "type": "string",
        "const": "cloudRun"
    })
}

/// `labels` of audit records: GKE's audit-log labels, each only when it applies (spec §8.3).
pub(crate) fn audit_labels(_: &mut SchemaGenerator) -> Schema {
    use crate::decision::{LABEL_BREAKGLASS, LABEL_DRY_RUN, LABEL_OVERRIDDEN};
    let mut properties = serde_json::Map::new();
    properties.insert(
        LABEL_BREAKGLASS.into(),
        serde_json::json!({"description": "Breakglass was requested.", "type": "string", "const": "true"}),
    );
    properties.insert(
        LABEL_DRY_RUN.into(),
        serde_json::json!({"description": "An image was admitted only because its rule is dry-run.", "type": "string", "const": "true"}),
    );
    properties.insert(
        LABEL_OVERRIDDEN.into(),
        serde_json::json!({"description": "`'IMG' : DENIAL` lines of the images admitted despite a violation (dry-run or breakglass).", "type": "string"}),
    );
    json_schema!({
        "description": "GKE's `imagepolicywebhook.image-policy.k8s.io/*` audit-log labels, each only when it applies.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false
    })
}

/// Declares a JSON document whose grammar is GCP's (or Kubernetes'): the schema says only that
/// it is an object, and where binauthz documents how it reads it.
macro_rules! foreign_document {
    ($(#[$doc:meta])* $name:ident, $description:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "description": $description, "type": "object" })
            }
        }
    };
}

foreign_document!(
    /// `policy` of a config.
    PolicyDocument,
    "A Binary Authorization policy as `gcloud container binauthz policy export` prints it, read as spec §2.1 says (its grammar is GCP's)."
);
foreign_document!(
    /// An entry of `attestors` of a config.
    AttestorDocument,
    "An attestor as `gcloud container binauthz attestors describe --format=json` prints it, read as spec §2.2 says (its grammar is GCP's)."
);
foreign_document!(
    /// `object` of a request.
    WorkloadObject,
    "A Kubernetes workload object or `admission.k8s.io/v1` AdmissionReview (spec §10), or a Cloud Run service or job (spec §13)."
);
foreign_document!(
    /// An entry of `attestations` of a request.
    OccurrenceDocument,
    "An attestation occurrence as `gcloud container binauthz attestations list --format=json` prints it, read as spec §5 says (its grammar is Grafeas')."
);
