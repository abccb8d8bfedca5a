use serde_json::Value;

use super::json::*;
use super::{compile_config, features, signature_payload};
use crate::evaluation::Engine;

const POLICY: &str = include_str!("../../../spec/examples/policy.yaml");
const ATTESTORS: &str = include_str!("../../../spec/examples/attestors.yaml");
const ATTESTATIONS: &str = include_str!("../../../spec/examples/attestations.json");
const DEPLOYMENT: &str = include_str!("../../../spec/examples/deployment.yaml");
const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const WORKER: &str = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff";

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn config_errors_keep_the_core_code_stage_path_and_message() {
    let f = compile_config("policy: [").unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("syntax", "config"));
    assert!(
        f.message.starts_with("invalid config: invalid YAML"),
        "{}",
        f.message
    );

    let f = compile_config(r#"{"policy": {"defaultAdmissionRule": {"evaluationMode": "NOPE", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}"#).unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("invalid", "config"));
    assert_eq!(f.path, "policy.defaultAdmissionRule.evaluationMode");
    assert!(
        f.message
            .contains("`policy.defaultAdmissionRule.evaluationMode`")
    );
}

#[test]
fn documents_compile_like_the_cli_and_decide_like_the_examples_say() {
    let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API, WORKER]).unwrap();
    let decision = json(&evaluate_parts(&engine, &images, Some(ATTESTATIONS), None, None).unwrap());
    assert_eq!(decision["allowed"], false);
    assert_eq!(decision["images"][0]["verdict"], "ALLOWED");
    assert_eq!(decision["images"][1]["verdict"], "DENIED");

    let staging = r#"{"namespace": "staging"}"#;
    let decision =
        json(&evaluate_parts(&engine, &images, Some(ATTESTATIONS), Some(staging), None).unwrap());
    assert_eq!(decision["allowed"], true);
    assert_eq!(decision["images"][1]["rule"]["kind"], "namespace");
}

#[test]
fn documents_report_errors_relative_to_the_document_at_fault() {
    let f = compile_documents("defaultAdmissionRule: {}", None).unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("invalid", "config"));
    assert!(f.message.starts_with("invalid policy: "), "{}", f.message);
    assert!(f.path.starts_with("defaultAdmissionRule"), "{}", f.path);

    let f = compile_documents(POLICY, Some("- name: nope")).unwrap_err();
    assert_eq!((f.code.as_str(), f.path.as_str()), ("invalid", "[0].name"));
    assert!(
        f.message.starts_with("invalid attestors: "),
        "{}",
        f.message
    );

    let f = compile_documents(POLICY, None).unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("reference", "config"));
}

#[test]
fn the_attestations_document_may_be_a_yaml_stream_or_a_list_response() {
    let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API]).unwrap();
    let list: Value = json(ATTESTATIONS);
    let occurrences = list.as_array().unwrap();
    // One YAML document per occurrence, as gcloud's default output has them (here in YAML's
    // flow style: JSON).
    let stream: String = occurrences.iter().map(|o| format!("---\n{o}\n")).collect();
    let response = serde_json::json!({"occurrences": occurrences, "nextPageToken": ""}).to_string();
    for document in [stream, response] {
        let decision =
            json(&evaluate_parts(&engine, &images, Some(&document), None, None).unwrap());
        assert_eq!(decision["allowed"], true, "{document}");
    }
}

#[test]
fn an_occurrence_that_cannot_be_read_is_explained_not_a_request_error() {
    let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API]).unwrap();
    let decision = json(
        &evaluate_parts(&engine, &images, Some(r#"[{"noteName": "x"}]"#), None, None).unwrap(),
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
    let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
    let f = evaluate_parts(&engine, "[]", None, None, None).unwrap_err();
    assert_eq!(
        (f.code.as_str(), f.stage.as_str(), f.path.as_str()),
        ("invalid", "request", "images")
    );
    // Text that is not an image reference is decided (spec §4); one over the length limit is not.
    let long = format!(r#"["{}"]"#, "a".repeat(4097));
    let f = evaluate_parts(&engine, &long, None, None, None).unwrap_err();
    assert_eq!((f.code.as_str(), f.path.as_str()), ("limit", "images[0]"));
    let f = evaluate_parts(&engine, r#"["a"]"#, None, Some(r#"{"nope": 1}"#), None).unwrap_err();
    assert!(f.path.starts_with("context"), "{f:?}");
    let f = evaluate_parts(
        &engine,
        r#"["a"]"#,
        Some(r#"["projects/acme/occurrences/1"]"#),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(f.path, "attestations[0]");
    let f = evaluate_parts(&engine, r#"["a"]"#, None, None, Some(r#""yesterday""#)).unwrap_err();
    assert_eq!(
        (f.code.as_str(), f.path.as_str()),
        ("invalid", "evaluationTime")
    );
    let f = evaluate(&engine, "images: [").unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("syntax", "request"));
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
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("invalid", "config"));
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
        (f.code.as_str(), f.stage.as_str(), f.path.as_str()),
        ("invalid", "request", "kind")
    );
}

#[test]
fn signature_payload_is_gcloud_s_and_errors_are_invalid() {
    let payload = signature_payload(API).unwrap();
    assert!(payload.starts_with("{\n  \"critical\": {"));
    assert!(payload.ends_with("}\n"));
    let f = signature_payload("gcr.io/a:1").unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("invalid", "request"));
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
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("invalid", "config"));
}

#[test]
fn features_follow_the_cargo_feature() {
    assert_eq!(features().contains(&"pgp"), cfg!(feature = "pgp"));
}

#[test]
fn cache_stats_count_checks_and_a_resized_cache_starts_empty() {
    let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
    let images = serde_json::to_string(&[API]).unwrap();
    let run = |engine: &Engine| {
        json(&evaluate_parts(engine, &images, Some(ATTESTATIONS), None, None).unwrap())
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
    let resized = engine.clone().with_cache_capacity(0);
    let stats = json(&cache_stats(&resized).unwrap());
    assert_eq!(
        (stats["capacity"].as_u64(), stats["hits"].as_u64()),
        (Some(0), Some(0))
    );
}

mod documents {
    use super::*;
    use crate::api::{Document, check_documents};

    fn first_attestor() -> String {
        // The first attestor of the example document, as a document of its own.
        let end = ATTESTORS
            .find("\n- name: projects/acme/attestors/security-scan")
            .unwrap();
        ATTESTORS[..end].to_owned()
    }

    #[test]
    fn a_policy_alone_is_checked_without_its_attestors() {
        let checked = check_documents(Document::new("policy.yaml", POLICY), &[]).unwrap();
        assert!(checked.attestors.is_empty());
    }

    #[test]
    fn with_attestor_documents_every_named_attestor_must_be_defined() {
        let one = first_attestor();
        let f = check_documents(
            Document::new("policy.yaml", POLICY),
            &[Document::new("ci.yaml", &one)],
        )
        .unwrap_err();
        assert_eq!(f.code.as_str(), "reference");
        // Paths are the policy document's own, not prefixed as in a config.
        assert!(f.path.starts_with("defaultAdmissionRule"), "{f:?}");
        assert!(
            f.errors.iter().all(|e| e.document == "policy.yaml"),
            "{f:?}"
        );
        assert!(
            f.message.starts_with("invalid policy.yaml: "),
            "{}",
            f.message
        );
    }

    #[test]
    fn an_attestor_defined_in_two_documents_is_an_error_naming_both() {
        let f = check_documents(
            Document::new("policy.yaml", POLICY),
            &[
                Document::new("a.yaml", ATTESTORS),
                Document::new("b.yaml", ATTESTORS),
            ],
        )
        .unwrap_err();
        assert_eq!(f.errors.len(), 2, "{f:?}");
        assert_eq!(f.errors[0].document, "b.yaml");
        assert!(f.errors[0].message.contains("also in a.yaml"), "{f:?}");
    }

    #[test]
    fn every_document_s_errors_are_reported_together() {
        let f = check_documents(
            Document::new("policy.yaml", "name: x"),
            &[Document::new("attestors.yaml", "- name: nope")],
        )
        .unwrap_err();
        let documents: Vec<&str> = f.errors.iter().map(|e| e.document.as_str()).collect();
        assert!(documents.contains(&"policy.yaml"), "{f:?}");
        assert!(documents.contains(&"attestors.yaml"), "{f:?}");
    }

    #[test]
    fn lint_with_attestors_makes_the_missing_attestor_check_too() {
        let one = first_attestor();
        let f = lint_policy(POLICY, Some(&one)).unwrap_err();
        assert_eq!(f.code.as_str(), "reference");
        assert!(check_policy(POLICY, Some(&one)).is_err());
        assert!(check_policy(POLICY, Some(ATTESTORS)).is_ok());
    }
}

mod review {
    use super::*;

    const REVIEW: &str = include_str!("../../../spec/kubernetes/admission-review.json");

    fn answer(review: &str, attestations: Option<&str>, context: Option<&str>) -> Value {
        let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
        json(&answer_review(&engine, review, attestations, context, None).unwrap())
    }

    #[test]
    fn a_review_is_answered_with_the_decision_and_its_uid() {
        let review: Value = json(REVIEW);
        let v = answer(REVIEW, Some(ATTESTATIONS), None);
        assert_eq!(v["response"]["response"]["uid"], review["request"]["uid"]);
        assert_eq!(
            v["response"]["response"]["allowed"],
            v["decision"]["allowed"]
        );
        assert!(v["error"].is_null());
    }

    #[test]
    fn the_audit_record_comes_before_the_decision_so_a_webhook_can_stop_reading_there() {
        let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
        let text = answer_review(&engine, REVIEW, Some(ATTESTATIONS), None, None).unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
        assert!(
            at("response") < at("error") && at("error") < at("audit"),
            "{text}"
        );
        let decision = text.rfind(",\"decision\":{").unwrap();
        assert!(at("audit") < decision);
        let v = json(&text);
        assert_eq!(v["audit"], v["decision"]["audit"]);
        // The decision is the last member: what follows its key is the decision, whole.
        let rest = &text[decision + ",\"decision\":".len()..text.len() - 1];
        assert_eq!(json(rest), v["decision"]);

        let refused = answer("{}", None, None);
        assert!(refused["audit"].is_null() && refused["decision"].is_null());
    }

    #[test]
    fn delete_and_connect_start_nothing_and_are_admitted_unevaluated() {
        for operation in ["DELETE", "CONNECT"] {
            let mut review: Value = json(REVIEW);
            review["request"]["operation"] = operation.into();
            review["request"]["object"] = Value::Null;
            let v = answer(&review.to_string(), None, None);
            assert_eq!(v["response"]["response"]["allowed"], true, "{operation}");
            assert!(v["decision"].is_null());
        }
    }

    #[test]
    fn a_review_that_cannot_be_read_is_refused_as_a_bad_request() {
        let v = answer(
            r#"{"kind": "AdmissionReview", "request": {"uid": "u1"}}"#,
            None,
            None,
        );
        let status = &v["response"]["response"]["status"];
        assert_eq!(v["response"]["response"]["uid"], "u1");
        assert_eq!(v["response"]["response"]["allowed"], false);
        assert_eq!(status["code"], 400);
        assert_eq!(v["error"]["stage"], "request");
    }

    #[test]
    fn host_inputs_that_cannot_be_read_are_an_internal_error() {
        let v = answer(REVIEW, None, Some(r#"{"nope": 1}"#));
        assert_eq!(v["response"]["response"]["status"]["code"], 500);
        assert_eq!(v["response"]["response"]["allowed"], false);
        assert!(v["error"]["path"].as_str().unwrap().starts_with("context"));
    }

    #[test]
    fn breakglass_is_recorded_in_audit_annotations() {
        let mut review: Value = json(REVIEW);
        review["request"]["object"]["metadata"]["annotations"] =
            serde_json::json!({"alpha.image-policy.k8s.io/break-glass": "true"});
        let v = answer(&review.to_string(), None, None);
        assert_eq!(v["response"]["response"]["allowed"], true, "{v}");
        assert_eq!(
            v["response"]["response"]["auditAnnotations"]["break-glass"], "true",
            "{v}"
        );
    }
}

/// The digest of an image reference `…@sha256:<hex>`.
fn digest_of(image: &str) -> &str {
    image.rsplit_once('@').unwrap().1
}

#[test]
fn an_attestations_document_splits_into_occurrences_filed_by_digest() {
    let split = json(&read_attestations(ATTESTATIONS).unwrap());
    let all = json(ATTESTATIONS);
    let entries = split["entries"].as_array().unwrap();
    assert_eq!(entries.len(), all.as_array().unwrap().len());
    assert_eq!(split["notes"], serde_json::json!([]));
    for (entry, original) in entries.iter().zip(all.as_array().unwrap()) {
        let uri = original["resourceUri"].as_str().unwrap();
        assert_eq!(entry["digest"], digest_of(uri));
        assert_eq!(&entry["occurrence"], original);
    }

    // A host that keeps only an image's own entries decides as with the whole document.
    let engine = compile_documents(POLICY, Some(ATTESTORS)).unwrap();
    for image in [API, WORKER] {
        let own: Vec<&Value> = entries
            .iter()
            .filter(|e| e["digest"] == digest_of(image))
            .map(|e| &e["occurrence"])
            .collect();
        let own = serde_json::to_string(&own).unwrap();
        let images = serde_json::to_string(&[image]).unwrap();
        let with_own = json(&evaluate_parts(&engine, &images, Some(&own), None, None).unwrap());
        let with_all =
            json(&evaluate_parts(&engine, &images, Some(ATTESTATIONS), None, None).unwrap());
        assert_eq!(with_own["images"], with_all["images"], "{image}");
    }
}

#[test]
fn an_unreadable_occurrence_is_still_filed_under_its_image_and_others_kinds_are_noted() {
    let hex = digest_of(API).strip_prefix("sha256:").unwrap();
    let stream = format!(
        "kind: ATTESTATION\nnoteName: projects/acme/notes/built-by-ci\nresourceUri: https://x.io/a@sha256:{}\nattestation: {{serializedPayload: '!!'}}\n---\nkind: VULNERABILITY\nresourceUri: https://x.io/a@sha256:{hex}\n---\nkind: ATTESTATION\nresource_uri: no-digest-here\n",
        hex.to_ascii_uppercase()
    );
    let split = json(&read_attestations(&stream).unwrap());
    let entries = split["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{split}");
    assert_eq!(entries[0]["digest"], digest_of(API));
    assert_eq!(entries[0]["occurrence"]["kind"], "ATTESTATION");
    // Field names as the API writes them, so the engine reads the entry as it read the file.
    assert_eq!(entries[1]["digest"], Value::Null);
    assert_eq!(entries[1]["occurrence"]["resourceUri"], "no-digest-here");
    let notes = split["notes"].to_string();
    assert!(
        notes.contains("2 attestation occurrences could not be read"),
        "{notes}"
    );
    assert!(notes.contains("VULNERABILITY"), "{notes}");
}

#[test]
fn an_attestations_document_is_read_within_the_request_limits() {
    let f = read_attestations("[1]").unwrap_err();
    assert_eq!((f.code.as_str(), f.stage.as_str()), ("invalid", "request"));
    assert_eq!(f.path, "[0]");
    let deep = "[".repeat(100_000);
    let f = read_attestations(&deep).unwrap_err();
    assert_eq!(f.code.as_str(), "limit", "{}", f.message);
    let many = format!("[{}]", vec!["{}"; 4_097].join(","));
    let f = read_attestations(&many).unwrap_err();
    assert_eq!(f.code.as_str(), "limit", "{}", f.message);
    let huge = format!("[\"{}\"]", "a".repeat(8 << 20));
    let f = read_attestations(&huge).unwrap_err();
    assert_eq!(f.code.as_str(), "limit", "{}", f.message);
    // A key given twice is refused, not read as either value.
    let twice =
        r#"[{"kind": "ATTESTATION", "resourceUri": "https://a@sha256:0", "resourceUri": "x"}]"#;
    let f = read_attestations(twice).unwrap_err();
    assert_eq!(f.code.as_str(), "syntax");
    assert!(
        f.message.contains("duplicate key `resourceUri`"),
        "{}",
        f.message
    );
}
