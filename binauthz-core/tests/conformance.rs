//! Runs every case in spec/conformance/cases/ (spec/README.md §9) against the Rust API.
//! The C, Go and Node runners compare exactly the same fields.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::Path;

use binauthz_core::Engine;
use serde_json::{Value, json};

fn text_of(case: &Value, object: &str, text: &str) -> String {
    common::document_text(case, object, text)
        .unwrap_or_else(|| panic!("case needs exactly one of `{object}` and `{text}`"))
}

/// The fields of an image decision that a case may pin, in the case's shape.
fn observed_image(image: &Value, expected: &Value) -> Value {
    let mut kinds: Vec<String> = image["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut out = json!({
        "image": image["image"],
        "verdict": image["verdict"],
        "stage": image["stage"],
        "reasonKinds": kinds,
    });
    if expected.get("rule").is_some() {
        out["rule"] = match &image["rule"] {
            Value::Null => Value::Null,
            r => json!({"kind": r["kind"], "key": r["key"]}),
        };
    }
    if expected.get("matchedPattern").is_some() {
        out["matchedPattern"] = image["matchedPattern"].clone();
    }
    if expected.get("verifiedBy").is_some() {
        let mut verified: Vec<Value> = image["attestors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| !a["verifiedBy"].is_null())
            .map(|a| json!({"attestor": a["attestor"], "keyId": a["verifiedBy"]["keyId"]}))
            .collect();
        verified.sort_by_key(|v| v.to_string());
        out["verifiedBy"] = Value::Array(verified);
    }
    out
}

fn run_case(path: &Path) -> Result<(), String> {
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .map_err(|e| format!("case file is not JSON: {e}"))?;
    let config = text_of(&case, "config", "configText");
    let request = text_of(&case, "request", "requestText");
    let outcome = Engine::from_config_str(&config).and_then(|e| e.evaluate_str(&request));
    match (case.get("expect"), case.get("expectError"), outcome) {
        (Some(expect), None, Ok(decision)) => {
            let got = serde_json::to_value(&decision).unwrap();
            if got["allowed"] != expect["allowed"] {
                return Err(format!(
                    "allowed: expected {}, got {}\n{}",
                    expect["allowed"],
                    got["allowed"],
                    decision.to_json_pretty()
                ));
            }
            let want = expect["images"].as_array().unwrap();
            let have = got["images"].as_array().unwrap();
            if want.len() != have.len() {
                return Err(format!(
                    "expected {} images, got {}",
                    want.len(),
                    have.len()
                ));
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                let observed = observed_image(h, w);
                if &observed != w {
                    return Err(format!(
                        "image {i}: expected\n{w:#}\ngot\n{observed:#}\nfull decision:\n{}",
                        decision.to_json_pretty()
                    ));
                }
            }
            // Each text of `notesContain` is part of one of the decision's notes (spec §9).
            for text in expect["notesContain"].as_array().into_iter().flatten() {
                let text = text.as_str().unwrap();
                if !decision.notes.iter().any(|n| n.contains(text)) {
                    return Err(format!(
                        "no note contains {text:?}; notes: {:?}",
                        decision.notes
                    ));
                }
            }
            Ok(())
        }
        (None, Some(err), Err(e)) => {
            let stage = err["stage"].as_str().unwrap();
            let code = err["code"].as_str().unwrap();
            let contains = err["messageContains"].as_str().unwrap_or("");
            let message = e.to_string();
            if e.stage().as_str() != stage
                || e.code().as_str() != code
                || !message.contains(contains)
            {
                return Err(format!(
                    "expected {stage} error {code} containing {contains:?}, got {} error {}: {message}",
                    e.stage().as_str(),
                    e.code()
                ));
            }
            Ok(())
        }
        (Some(_), None, Err(e)) => Err(format!("expected a decision, got error: {e}")),
        (None, Some(_), Ok(d)) => Err(format!(
            "expected an error, got a decision:\n{}",
            d.to_json_pretty()
        )),
        _ => Err("case needs exactly one of `expect` and `expectError`".into()),
    }
}

#[test]
fn every_conformance_case_passes() {
    let paths = common::case_paths();
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            run_case(p)
                .err()
                .map(|e| format!("{}: {e}", p.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    println!(
        "{} passed, {} failed",
        paths.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases failed:\n\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
}
