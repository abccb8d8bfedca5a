#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use serde_json::Value;

use super::*;

const POLICY: &str = include_str!("../../spec/examples/policy.yaml");
const ATTESTORS: &str = include_str!("../../spec/examples/attestors.yaml");
const ATTESTATIONS: &str = include_str!("../../spec/examples/attestations.json");
const DEPLOYMENT: &str = include_str!("../../spec/examples/deployment.yaml");
const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const WORKER: &str = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff";

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn config_errors_keep_the_core_code_stage_path_and_message() {
    let f = engine_from_config("policy: [").unwrap_err();
    assert_eq!((f.code, f.stage), ("syntax", "config"));
    assert!(
        f.message.starts_with("invalid config: invalid YAML"),
        "{}",
        f.message
    );

    let f = engine_from_config(r#"{"policy": {"defaultAdmissionRule": {"evaluationMode": "NOPE", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}"#).unwrap_err();
    assert_eq!((f.code, f.stage), ("invalid", "config"));
    assert_eq!(f.path, "policy.defaultAdmissionRule.evaluationMode");
    assert!(
        f.message
            .contains("`policy.defaultAdmissionRule.evaluationMode`")
    );
}

#[test]
fn documents_compile_like_the_cli_and_decide_like_the_examples_say() {
    let engine = engine_from_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API, WORKER]).unwrap();
    let decision =
        json(&evaluate_images(&engine, &images, Some(ATTESTATIONS), None, None).unwrap());
    assert_eq!(decision["allowed"], false);
    assert_eq!(decision["images"][0]["verdict"], "ALLOWED");
    assert_eq!(decision["images"][1]["verdict"], "DENIED");

    let staging = r#"{"namespace": "staging"}"#;
    let decision =
        json(&evaluate_images(&engine, &images, Some(ATTESTATIONS), Some(staging), None).unwrap());
    assert_eq!(decision["allowed"], true);
    assert_eq!(decision["images"][1]["rule"]["kind"], "namespace");
}

#[test]
fn documents_report_errors_relative_to_the_document_at_fault() {
    let f = engine_from_documents("defaultAdmissionRule: {}", None).unwrap_err();
    assert_eq!((f.code, f.stage), ("invalid", "config"));
    assert!(f.message.starts_with("invalid policy: "), "{}", f.message);
    assert!(f.path.starts_with("defaultAdmissionRule"), "{}", f.path);

    let f = engine_from_documents(POLICY, Some("- name: nope")).unwrap_err();
    assert_eq!((f.code, f.path.as_str()), ("invalid", "[0].name"));
    assert!(
        f.message.starts_with("invalid attestors: "),
        "{}",
        f.message
    );

    let f = engine_from_documents(POLICY, None).unwrap_err();
    assert_eq!((f.code, f.stage), ("reference", "config"));
}

#[test]
fn the_attestations_document_may_be_a_yaml_stream_or_a_list_response() {
    let engine = engine_from_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API]).unwrap();
    let list: Value = json(ATTESTATIONS);
    let occurrences = list.as_array().unwrap();
    // One YAML document per occurrence, as gcloud's default output has them (here in YAML's
    // flow style: JSON).
    let stream: String = occurrences.iter().map(|o| format!("---\n{o}\n")).collect();
    let response = serde_json::json!({"occurrences": occurrences, "nextPageToken": ""}).to_string();
    for document in [stream, response] {
        let decision =
            json(&evaluate_images(&engine, &images, Some(&document), None, None).unwrap());
        assert_eq!(decision["allowed"], true, "{document}");
    }
}

#[test]
fn an_occurrence_that_cannot_be_read_is_explained_not_a_request_error() {
    let engine = engine_from_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API]).unwrap();
    let decision = json(
        &evaluate_images(&engine, &images, Some(r#"[{"noteName": "x"}]"#), None, None).unwrap(),
    );
    assert_eq!(decision["allowed"], false);
    let notes = decision["notes"].to_string();
    assert!(
        notes.contains("`resourceUri`: field is required"),
        "{notes}"
    );
}

#[test]
fn request_errors_name_the_request_paths() {
    let engine = engine_from_documents(POLICY, Some(ATTESTORS)).unwrap();
    let f = evaluate_images(&engine, "[]", None, None, None).unwrap_err();
    assert_eq!(
        (f.code, f.stage, f.path.as_str()),
        ("invalid", "request", "images")
    );
    // Text that is not an image reference is decided (spec §4); one over the length limit is not.
    let long = format!(r#"["{}"]"#, "a".repeat(4097));
    let f = evaluate_images(&engine, &long, None, None, None).unwrap_err();
    assert_eq!((f.code, f.path.as_str()), ("limit", "images[0]"));
    let f = evaluate_images(&engine, r#"["a"]"#, None, Some(r#"{"nope": 1}"#), None).unwrap_err();
    assert!(f.path.starts_with("context"), "{f:?}");
    let f = evaluate_images(
        &engine,
        r#"["a"]"#,
        Some(r#"["projects/acme/occurrences/1"]"#),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(f.path, "attestations[0]");
    let f = evaluate_images(&engine, r#"["a"]"#, None, None, Some(r#""yesterday""#)).unwrap_err();
    assert_eq!((f.code, f.path.as_str()), ("invalid", "evaluationTime"));
    let f = evaluate(&engine, "images: [").unwrap_err();
    assert_eq!((f.code, f.stage), ("syntax", "request"));
}

#[test]
fn validate_policy_summarises_what_the_engine_understood() {
    let summary = json(&validate_policy(POLICY).unwrap());
    assert_eq!(summary["name"], "projects/acme/policy");
    assert_eq!(summary["globalPolicyEvaluationMode"], "ENABLE");
    assert_eq!(summary["specificRules"]["kind"], "namespace");
    assert_eq!(summary["specificRules"]["rules"][0]["key"], "staging");
    assert_eq!(
        summary["specificRules"]["rules"][0]["enforcementMode"],
        "DRYRUN_AUDIT_LOG_ONLY"
    );
    assert_eq!(summary["requiredAttestors"].as_array().unwrap().len(), 2);
    let f = validate_policy("name: x").unwrap_err();
    assert_eq!((f.code, f.stage), ("invalid", "config"));
    let f = validate_policy(
        "defaultAdmissionRule: {evaluationMode: NOPE, enforcementMode: NOPE}\nsurprise: 1",
    )
    .unwrap_err();
    assert!(f.errors.len() >= 2, "{f:?}");
    assert_eq!(f.path, f.errors[0].path);
    assert!(f.message.contains("more error"), "{}", f.message);
}

#[test]
fn validate_attestors_fills_in_default_key_ids() {
    let summary = json(&validate_attestors(ATTESTORS).unwrap());
    assert_eq!(
        summary[1]["publicKeys"][0]["id"],
        "ni:///sha-256;NUvkVLjvbQ_HbWbZy16K2HnJWV0Stc1v1MeDFfBItgA"
    );
    assert_eq!(
        summary[0]["publicKeys"][0]["signatureAlgorithm"],
        "ECDSA_P256_SHA256"
    );
}

#[test]
fn extract_images_reads_the_example_deployment() {
    let extracted = json(&extract_images(DEPLOYMENT).unwrap());
    assert_eq!(extracted["kind"], "Deployment");
    assert_eq!(extracted["images"].as_array().unwrap().len(), 3);
    assert_eq!(extracted["context"]["namespace"], "payments");
    assert_eq!(extracted["containers"][2]["type"], "INIT_CONTAINER");
    let f = extract_images("kind: Service").unwrap_err();
    assert_eq!(
        (f.code, f.stage, f.path.as_str()),
        ("invalid", "request", "kind")
    );
}

#[test]
fn signature_payload_is_gcloud_s_and_errors_are_invalid() {
    let payload = signature_payload(API).unwrap();
    assert!(payload.starts_with("{\n  \"critical\": {"));
    assert!(payload.ends_with("}\n"));
    let f = signature_payload("gcr.io/a:1").unwrap_err();
    assert_eq!((f.code, f.stage), ("invalid", "request"));
}

#[test]
fn lint_policy_reports_the_core_s_findings() {
    let found = json(&lint_policy(POLICY, Some(ATTESTORS)).unwrap());
    assert!(found.is_array());
    let loose = "defaultAdmissionRule: {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}";
    let found = json(&lint_policy(loose, None).unwrap());
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"BZ001"), "{codes:?}");
    assert_eq!(found[0]["severity"], "warning");
    let f = lint_policy("name: x", None).unwrap_err();
    assert_eq!((f.code, f.stage), ("invalid", "config"));
}

#[test]
fn features_follow_the_cargo_feature() {
    assert_eq!(features().contains(&"pgp"), cfg!(feature = "pgp"));
}

#[test]
fn cache_sizes_are_whole_numbers_within_bounds() {
    assert_eq!(cache_entries(0.0).unwrap(), 0);
    assert_eq!(cache_entries(10_000.0).unwrap(), 10_000);
    assert_eq!(cache_entries(1_000_000.0).unwrap(), 1_000_000);
    for bad in [-1.0, 0.5, 1_000_001.0, f64::NAN, f64::INFINITY] {
        let f = cache_entries(bad).unwrap_err();
        assert_eq!((f.code, f.stage), ("invalid", "config"), "{bad}");
        assert!(
            f.message
                .starts_with("invalid cacheEntries: expected a whole number from 0 to 1000000"),
            "{}",
            f.message
        );
    }
}

#[test]
fn cache_stats_count_checks_and_a_resized_cache_starts_empty() {
    let engine = engine_from_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API]).unwrap();
    let run = |engine: &Engine| {
        json(&evaluate_images(engine, &images, Some(ATTESTATIONS), None, None).unwrap())
    };
    let first = run(&engine);
    let checks = first["diagnostics"]["cacheMisses"].as_u64().unwrap();
    assert!(checks >= 1, "{first}");
    let second = run(&engine);
    assert_eq!(second["diagnostics"]["cacheHits"].as_u64(), Some(checks));
    let stats = json(&cache_stats(&engine).unwrap());
    assert_eq!(stats["capacity"], 10_000);
    assert_eq!(stats["hits"].as_u64(), Some(checks));
    assert_eq!(stats["misses"].as_u64(), Some(checks));
    let resized = engine
        .clone()
        .with_cache_capacity(cache_entries(0.0).unwrap());
    let stats = json(&cache_stats(&resized).unwrap());
    assert_eq!(
        (stats["capacity"].as_u64(), stats["hits"].as_u64()),
        (Some(0), Some(0))
    );
}
