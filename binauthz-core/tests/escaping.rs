//! Issue 13, finding 10: text from the input (occurrence names, key ids) reaches people through
//! the decision's messages and the AdmissionReview response kubectl prints. None of it may carry
//! a control character, a line break or a bidirectional override there (spec §7.2).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use binauthz_core::kubernetes::{admission_response, parse_admission_review};
use binauthz_core::{Decision, Engine};
use common::case;
use serde_json::{Value, json};

const FORGED: &str = "x\n\u{1b}[32mALLOWED\u{1b}[0m \u{202e}gnp.exe\u{7f}";

fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Every message of a decision a person may read.
fn messages(d: &Decision) -> Vec<String> {
    let mut out = vec![d.message.clone()];
    out.extend(d.notes.iter().cloned());
    for i in &d.images {
        out.extend(i.denial.iter().cloned());
        out.extend(i.reasons.iter().map(|r| r.message.clone()));
        for a in &i.attestors {
            out.extend(a.reasons.iter().map(|r| r.message.clone()));
        }
    }
    for i in &d.audit.images {
        out.extend(i.violations.iter().cloned());
    }
    out.extend(d.audit.labels.values().cloned());
    out
}

fn forged_request() -> (Engine, Value) {
    let c = case("alg-ecdsa-p256-sha256-valid");
    let engine = Engine::from_config_str(&c["config"].to_string()).unwrap();
    let mut request = c["request"].clone();
    let occ = &mut request["attestations"][0];
    occ["name"] = json!(FORGED);
    occ["attestation"]["signatures"] = json!([
        {"publicKeyId": FORGED, "signature": "AA=="},
        {"publicKeyId": occ["attestation"]["signatures"][0]["publicKeyId"], "signature": "AA=="}
    ]);
    (engine, request)
}

#[test]
fn decision_messages_escape_what_the_input_says() {
    let (engine, request) = forged_request();
    let d = engine.evaluate_str(&request.to_string()).unwrap();
    assert!(!d.allowed);
    for m in messages(&d) {
        assert!(!m.chars().any(unsafe_char), "{m:?}");
    }
    // The text is still there, escaped, and the raw value stays in the machine-readable fields.
    let reasons = &d.images[0].reasons;
    assert!(
        reasons
            .iter()
            .any(|r| r.message.contains("x\\u{a}\\u{1b}[32mALLOWED")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.occurrence.as_ref().is_some_and(|o| o.as_str() == FORGED))
    );
}

#[test]
fn the_admission_response_kubectl_prints_is_escaped() {
    let (engine, request) = forged_request();
    let image = request["images"][0].as_str().unwrap();
    let review = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "namespace": "payments", "object": {
            "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": image}]}}}
    });
    let parsed = parse_admission_review(&review.to_string()).unwrap();
    let decision = engine
        .evaluate_str(
            &json!({"object": review, "attestations": request["attestations"]}).to_string(),
        )
        .unwrap();
    let response = admission_response(&parsed, &decision);
    let message = response["response"]["status"]["message"].as_str().unwrap();
    assert!(!message.chars().any(unsafe_char), "{message:?}");
    assert!(message.contains("\\u{1b}"), "{message}");
}
