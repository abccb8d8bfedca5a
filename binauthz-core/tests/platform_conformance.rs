//! The platform-policy conformance vectors (spec/conformance/platform/cases, spec §15): each
//! case's hand-written `expect` (the verdicts the spec gives) and its recorded `response` and
//! `cvEvents`, which every binding's runner compares byte for byte. `BINAUTHZ_BLESS=1` records
//! the engine's output in the case files after checking `expect`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use std::fs;
use std::path::PathBuf;

use binauthz_core::api::json;
use serde_json::Value;

fn cases() -> Vec<(PathBuf, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/conformance/platform/cases");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 60, "expected the platform cases in {dir:?}");
    paths
        .into_iter()
        .map(|p| {
            let case = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
            (p, case)
        })
        .collect()
}

fn request_text(case: &Value) -> String {
    match case.get("requestText") {
        Some(Value::String(s)) => s.clone(),
        _ => serde_json::to_string(&case["request"]).unwrap(),
    }
}

/// A check's verdict as `expect` writes it: `ALLOWLISTED` for a check its allowlist skipped.
fn check_verdict(check: &Value) -> &str {
    if check.get("allowlistResult").is_some() {
        "ALLOWLISTED"
    } else {
        check["evaluationResult"]["verdict"].as_str().unwrap()
    }
}

fn check_image(name: &str, got: &Value, want: &Value) {
    assert_eq!(got["imageUri"], want["image"], "{name}: image");
    assert_eq!(
        got["verdict"], want["verdict"],
        "{name}: verdict of {}",
        want["image"]
    );
    let allowlist = got["allowlistResult"]["matchedPattern"].as_str();
    assert_eq!(
        allowlist,
        want["allowlist"].as_str(),
        "{name}: policy allowlist"
    );
    let set = &got["checkSetResult"];
    match want.get("checkSet") {
        Some(index) => assert_eq!(
            set["index"].as_str().unwrap(),
            index.to_string(),
            "{name}: check set"
        ),
        None => assert!(set.is_null(), "{name}: no check set expected, got {set}"),
    }
    if let Some(checks) = want.get("checks") {
        let got: Vec<&str> = set["checkResults"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(check_verdict)
            .collect();
        let want: Vec<&str> = checks
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(got, want, "{name}: check verdicts");
    }
    if let Some(fragments) = want.get("explanationContains") {
        let text = got.to_string();
        for f in fragments.as_array().unwrap() {
            let f = f.as_str().unwrap();
            // The explanation is JSON-escaped inside `text`; compare with the fragment escaped alike.
            let escaped = serde_json::to_string(f).unwrap();
            let escaped = &escaped[1..escaped.len() - 1];
            assert!(text.contains(escaped), "{name}: `{f}` not in {text}");
        }
    }
}

fn check_expect(name: &str, response: &Value, expect: &Value) {
    assert_eq!(response["verdict"], expect["verdict"], "{name}: verdict");
    let pods = response["results"].as_array().unwrap();
    let want = expect["pods"].as_array().unwrap();
    assert_eq!(pods.len(), want.len(), "{name}: pods");
    for (pod, want) in pods.iter().zip(want) {
        assert_eq!(pod["verdict"], want["verdict"], "{name}: pod verdict");
        assert_eq!(
            pod["kubernetesNamespace"], want["namespace"],
            "{name}: namespace"
        );
        assert_eq!(
            pod["kubernetesServiceAccount"], want["serviceAccount"],
            "{name}: service account"
        );
        let images = pod["imageResults"].as_array().unwrap();
        let want_images = want["images"].as_array().unwrap();
        assert_eq!(images.len(), want_images.len(), "{name}: images");
        for (got, want) in images.iter().zip(want_images) {
            check_image(name, got, want);
        }
    }
}

#[test]
fn every_platform_case_decides_as_the_spec_says_and_as_recorded() {
    let bless = std::env::var_os("BINAUTHZ_BLESS").is_some();
    let mut checked = 0;
    for (path, mut case) in cases() {
        let name = case["name"].as_str().unwrap().to_owned();
        let policy = case["policyText"].as_str().unwrap().to_owned();
        let request = request_text(&case);
        let result = json::evaluate_platform_policy(&policy, &request);
        if let Some(want) = case.get("expectError") {
            let e = result.expect_err(&name);
            assert_eq!(
                e.stage.as_str(),
                want["stage"],
                "{name}: stage ({})",
                e.message
            );
            assert_eq!(
                e.code.as_str(),
                want["code"],
                "{name}: code ({})",
                e.message
            );
            assert_eq!(
                e.path,
                want["path"].as_str().unwrap(),
                "{name}: path ({})",
                e.message
            );
            checked += 1;
            continue;
        }
        let text = result.unwrap_or_else(|e| panic!("{name}: {}", e.message));
        let response: Value = serde_json::from_str(&text).unwrap();
        check_expect(&name, &response, &case["expect"]);
        let events: Value =
            serde_json::from_str(&json::platform_cv_events(&policy, &request).unwrap()).unwrap();
        if let Some(n) = case["expect"].get("cvPodEvents") {
            let got = events
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e.get("podEvent").is_some())
                .count();
            assert_eq!(got, n.as_u64().unwrap() as usize, "{name}: CV pod events");
        }
        if bless {
            case["response"] = response;
            case["cvEvents"] = events;
            fs::write(&path, serde_json::to_string_pretty(&case).unwrap() + "\n").unwrap();
        } else {
            assert_eq!(
                response, case["response"],
                "{name}: response differs from the recorded one"
            );
            assert_eq!(
                events, case["cvEvents"],
                "{name}: CV events differ from the recorded ones"
            );
        }
        checked += 1;
    }
    assert!(checked >= 60);
}
