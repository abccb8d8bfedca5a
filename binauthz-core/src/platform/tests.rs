//! Platform policies: the rules of spec §15 that the conformance vectors do not reach, and the
//! bounds on what a hostile request can cost.

use serde_json::{Value, json};

use super::*;
use crate::limits::{MAX_CHECKS_PER_PLATFORM_CHECK, MAX_PLATFORM_RESULTS};

const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

const P256: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHLuFeJ+v80Mh6uCeD7ZwJgAUP71w
4lATJKlr8kgbfFucj2mVsy4+LDrmAww9dBq0huzq/d8p+braBckvhWMf9A==
-----END PUBLIC KEY-----
";

fn policy(check_sets: Value) -> PlatformPolicy {
    let doc = json!({"gkePolicy": {"checkSets": check_sets}});
    PlatformPolicy::parse(&doc.to_string()).unwrap()
}

fn pod(name: &str, images: &[&str]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, im)| json!({"name": format!("c{i}"), "image": im}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "prod"},
           "spec": {"containers": containers}})
}

fn evaluate_json(policy: &PlatformPolicy, request: Value) -> PlatformEvaluation {
    let request = PlatformRequest::from_value(request).unwrap();
    evaluate(policy, &request).unwrap()
}

#[test]
fn every_error_of_a_policy_is_reported_with_its_path() {
    let doc = json!({"gkePolicy": {"checkSets": [
        {"checks": [{"alwaysDeny": true, "slsaCheck": {"rules": []}}, {"imageFreshnessCheck": {"maxUploadAgeDays": -1}}]},
        {"scope": {"kubernetesNamespace": "Prod"}, "checks": []}
    ]}});
    let errors = PlatformPolicy::validate(&doc.to_string()).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path()).collect();
    assert_eq!(
        paths,
        [
            "gkePolicy.checkSets[0].checks[0]",
            "gkePolicy.checkSets[0].checks[1].imageFreshnessCheck.maxUploadAgeDays",
            "gkePolicy.checkSets[1].scope.kubernetesNamespace",
        ]
    );
}

#[test]
fn a_cosign_signature_flood_stops_at_the_per_check_cap_as_an_error() {
    // Forged signatures for the image's digest: each is tried with the authority's key until
    // the per-check cap, then the check is ERROR (never an allow, never unbounded).
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"gcr.io/a/b"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
    );
    let forged = "MEUCIQDx0Y2D3GKqnlSWHgsHmNc3B2f7n3h1Uu4J3HcXvHk5wAIgX1f7W7k5G8w9JgX5J0Rk0c3b8m7aH4i0vS5oR2t9kX0=";
    let encoded = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(payload.as_bytes())
    };
    let signatures: Vec<Value> = (0..200)
        .map(|_| json!({"Base64Signature": forged, "Payload": encoded}))
        .collect();
    let policy = policy(
        json!([{"checks": [{"sigstoreSignatureCheck": {"sigstoreAuthorities": [
        {"publicKeySet": {"publicKeys": [{"publicKeyPem": P256}]}}]}}]}]),
    );
    let image = format!("gcr.io/a/b@{DIGEST}");
    let evaluation = evaluate_json(
        &policy,
        json!({"object": pod("p", &[&image]), "cosignSignatures": signatures}),
    );
    let check = &evaluation.response().results[0].image_results[0]
        .check_set_result
        .as_ref()
        .unwrap()
        .check_results
        .as_ref()
        .unwrap()
        .results[0];
    assert_eq!(check.verdict(), Verdict::Error);
    assert!(
        check.explanation.contains(&format!(
            "at most {MAX_CHECKS_PER_PLATFORM_CHECK} signature checks are run per check and image"
        )),
        "{}",
        check.explanation
    );
}

#[test]
fn pods_that_share_an_image_share_its_result_and_the_results_are_bounded() {
    let policy = policy(json!([{"checks": [{"alwaysDeny": true}]}]));
    let items: Vec<Value> = (0..50)
        .map(|i| pod(&format!("p{i}"), &["gcr.io/a/b:1"]))
        .collect();
    let evaluation = evaluate_json(&policy, json!({"object": {"kind": "List", "items": items}}));
    assert_eq!(evaluation.response().results.len(), 50);
    assert_eq!(evaluation.cv_events().len(), 50);
    // 5,000 pods of 20 images each with one check make 200,000 results: refused as a limit.
    let images: Vec<String> = (0..20).map(|i| format!("gcr.io/a/b{i}:1")).collect();
    let images: Vec<&str> = images.iter().map(String::as_str).collect();
    let items: Vec<Value> = (0..5000).map(|i| pod(&format!("p{i}"), &images)).collect();
    let request =
        PlatformRequest::from_value(json!({"object": {"kind": "List", "items": items}})).unwrap();
    let e = evaluate(&policy, &request).unwrap_err();
    assert_eq!(e.code(), crate::error::ErrorCode::Limit);
    assert!(e.message().contains(&MAX_PLATFORM_RESULTS.to_string()));
}

#[test]
fn an_unscoped_pod_runs_in_default_as_default() {
    let policy = policy(json!([
        {"scope": {"kubernetesServiceAccount": "default:default"}, "checks": [{"alwaysDeny": true}]},
        {"checks": []}
    ]));
    let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
                        "spec": {"containers": [{"name": "c", "image": "gcr.io/a/b:1"}]}});
    let evaluation = evaluate_json(&policy, json!({"object": object}));
    let pod = &evaluation.response().results[0];
    assert_eq!(
        (
            pod.kubernetes_namespace.as_str(),
            pod.kubernetes_service_account.as_str()
        ),
        ("default", "default")
    );
    assert_eq!(pod.verdict, Verdict::NonConformant);
}

#[test]
fn verdicts_combine_with_non_conformance_over_errors_over_conformance() {
    use Verdict::{Conformant, Error, NonConformant};
    assert_eq!(Conformant.combine(Error), Error);
    assert_eq!(Error.combine(NonConformant), NonConformant);
    assert_eq!(NonConformant.combine(Conformant), NonConformant);
    assert_eq!(Conformant.combine(Conformant), Conformant);
}

#[test]
fn compared_items_share_one_allowance_per_request() {
    // 40,000 vulnerabilities on one digest, reached through 80 distinct image references:
    // comparing them all would be 3,200,000 items, more than the request's allowance, so the
    // checks after it are ERROR, never an allow and never unbounded.
    let policy = policy(json!([{"checks": [{"vulnerabilityCheck": {
        "maximumFixableSeverity": "CRITICAL", "maximumUnfixableSeverity": "CRITICAL"}}]}]));
    let uri = format!("https://gcr.io/a/b@{DIGEST}");
    let mut vulnerabilities = vec![json!({"kind": "DISCOVERY", "resourceUri": uri,
        "discovery": {"analysisStatus": "FINISHED_SUCCESS"}})];
    vulnerabilities.extend((0..40_000).map(|i| {
        json!({"kind": "VULNERABILITY", "resourceUri": uri, "noteName": format!("projects/goog-vulnz/notes/CVE-{i}"),
               "vulnerability": {"effectiveSeverity": "LOW"}})
    }));
    let images: Vec<String> = (0..80).map(|i| format!("gcr.io/a/b{i}@{DIGEST}")).collect();
    let images: Vec<&str> = images.iter().map(String::as_str).collect();
    let evaluation = evaluate_json(
        &policy,
        json!({"object": pod("p", &images), "vulnerabilities": vulnerabilities}),
    );
    let verdicts: Vec<Verdict> = evaluation.response().results[0]
        .image_results
        .iter()
        .map(|i| i.verdict)
        .collect();
    let conformant = verdicts
        .iter()
        .filter(|v| **v == Verdict::Conformant)
        .count();
    // 50 × 40,000 is exactly the allowance.
    assert_eq!(conformant, 50, "{verdicts:?}");
    assert!(verdicts[50..].iter().all(|v| *v == Verdict::Error));
    assert_eq!(evaluation.verdict(), Verdict::Error);
}
