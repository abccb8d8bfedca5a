//! Validated documents written back in gcloud's JSON shapes, so that anything binauthz read can
//! be printed, stored or sent on, and reads back as the same value (tests/roundtrip.rs).

use ::base64::Engine as _;
use ::base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::model::attestor::{Attestor, AttestorKey, PublicKey};
use crate::model::occurrence::{Occurrence, Signature, is_pgp_armor};
use crate::model::policy::{AdmissionRule, GlobalPolicyEvaluationMode, Policy};
use crate::request::Request;

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), json!(v));
    }
}

impl AdmissionRule {
    /// The rule as gcloud prints it.
    pub fn to_value(&self) -> Value {
        let mut rule = Map::new();
        rule.insert(
            "evaluationMode".into(),
            json!(self.evaluation_mode().as_str()),
        );
        if !self.required_attestors().is_empty() {
            let names: Vec<&str> = self
                .required_attestors()
                .iter()
                .map(|a| a.as_str())
                .collect();
            rule.insert("requireAttestationsBy".into(), json!(names));
        }
        rule.insert(
            "enforcementMode".into(),
            json!(self.enforcement_mode().as_str()),
        );
        Value::Object(rule)
    }
}

impl Policy {
    /// The policy as `gcloud container binauthz policy export --format=json` prints it
    /// (specific-rule keys normalised, as they were validated).
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        insert_opt(&mut out, "name", self.name());
        insert_opt(&mut out, "description", self.description());
        if self.global_mode_is_set() {
            let mode = match self.global_mode() {
                GlobalPolicyEvaluationMode::Enable => "ENABLE",
                GlobalPolicyEvaluationMode::Disable => "DISABLE",
            };
            out.insert("globalPolicyEvaluationMode".into(), json!(mode));
        }
        if !self.allowlist().is_empty() {
            let patterns: Vec<Value> = self
                .allowlist()
                .iter()
                .map(|p| json!({"namePattern": p.as_str()}))
                .collect();
            out.insert("admissionWhitelistPatterns".into(), Value::Array(patterns));
        }
        out.insert(
            "defaultAdmissionRule".into(),
            self.default_rule().to_value(),
        );
        if let Some(kind) = self.specific_rules().kind() {
            let rules: Map<String, Value> = self
                .specific_rules()
                .iter()
                .map(|(key, rule)| (key.to_owned(), rule.to_value()))
                .collect();
            out.insert(kind.field().into(), Value::Object(rules));
        }
        insert_opt(&mut out, "etag", self.etag());
        insert_opt(&mut out, "updateTime", self.update_time());
        Value::Object(out)
    }
}

fn key_value(key: &AttestorKey) -> Value {
    let mut out = Map::new();
    insert_opt(&mut out, "comment", key.comment());
    out.insert("id".into(), json!(key.id().as_str()));
    match key.key() {
        PublicKey::Pkix(k) => {
            out.insert(
                "pkixPublicKey".into(),
                json!({"publicKeyPem": pem(k.spki_der()), "signatureAlgorithm": k.algorithm().name()}),
            );
        }
        #[cfg(feature = "pgp")]
        PublicKey::Pgp(k) => {
            out.insert("asciiArmoredPgpPublicKey".into(), json!(k.armored()));
        }
    }
    Value::Object(out)
}

/// A `PUBLIC KEY` PEM block with 64-character lines, as OpenSSL and gcloud write it.
fn pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

impl Attestor {
    /// The attestor as `gcloud container binauthz attestors describe --format=json` prints it
    /// (every key with its effective id).
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.name().as_str()));
        insert_opt(&mut out, "description", self.description());
        let keys: Vec<Value> = self.keys().iter().map(key_value).collect();
        let mut note = Map::new();
        note.insert("noteReference".into(), json!(self.note().as_str()));
        if !keys.is_empty() {
            note.insert("publicKeys".into(), Value::Array(keys));
        }
        out.insert("userOwnedGrafeasNote".into(), Value::Object(note));
        Value::Object(out)
    }
}

/// A signature's `signature` string: armored OpenPGP text as it was, anything else base64.
fn signature_text(sig: &Signature) -> String {
    match std::str::from_utf8(sig.bytes()) {
        Ok(text) if is_pgp_armor(text) => text.to_owned(),
        _ => STANDARD.encode(sig.bytes()),
    }
}

impl Occurrence {
    /// The occurrence in the v1 shape gcloud prints (`attestation.serializedPayload` and
    /// `attestation.signatures`), or, for a legacy `pgpSignedAttestation` without a separate
    /// payload, in that shape.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        insert_opt(&mut out, "name", self.name());
        out.insert("resourceUri".into(), json!(self.resource_uri()));
        out.insert("noteName".into(), json!(self.note().as_str()));
        out.insert("kind".into(), json!("ATTESTATION"));
        let attestation = match self.payload() {
            Some(payload) => {
                let signatures: Vec<Value> = self
                    .signatures()
                    .iter()
                    .map(|s| json!({"publicKeyId": s.public_key_id(), "signature": signature_text(s)}))
                    .collect();
                json!({"serializedPayload": STANDARD.encode(payload), "signatures": signatures})
            }
            None => {
                let signed: Vec<Value> = self
                    .signatures()
                    .iter()
                    .map(|s| {
                        json!({"pgpSignedAttestation": {"signature": signature_text(s),
                            "contentType": "SIMPLE_SIGNING_JSON", "pgpKeyId": s.public_key_id()}})
                    })
                    .collect();
                match <[Value; 1]>::try_from(signed) {
                    Ok([one]) => one,
                    Err(many) => json!({"signatures": many}),
                }
            }
        };
        out.insert("attestation".into(), attestation);
        Value::Object(out)
    }
}

impl Request {
    /// The request document (spec/README.md §8) with its images, attestations and context.
    pub fn to_value(&self) -> Value {
        let images: Vec<&str> = self.images().iter().map(|i| i.as_str()).collect();
        let attestations: Vec<Value> = self
            .attestations()
            .iter()
            .map(Occurrence::to_value)
            .collect();
        let mut out = Map::new();
        out.insert("images".into(), json!(images));
        out.insert("attestations".into(), Value::Array(attestations));
        out.insert(
            "context".into(),
            serde_json::to_value(self.context()).unwrap_or(Value::Null),
        );
        if let Some(t) = self.evaluation_time() {
            out.insert("evaluationTime".into(), json!(t.to_string()));
        }
        Value::Object(out)
    }
}
