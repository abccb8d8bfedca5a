//! Spec §4: text that is not an image reference (issue 14, item 13: a real AdmissionReview
//! carried `gcr.io/{{ .Project }}/nginx@sha256:…`, which the API server accepts) is an image of
//! its own in the decision: never matched by a pattern, never attested, settled by the applicable
//! rule, and shown escaped. Only the length limit stays a request error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use binauthz_core::limits::{MAX_IMAGE_REF_BYTES, MAX_IMAGES, MAX_SHOWN_CHARS};
use binauthz_core::{Decision, Engine, ErrorCode, ReasonKind, Verdict};
use common::{case, engine};
use serde_json::{Value, json};

const TEMPLATE: &str = "gcr.io/{{ .Project }}/nginx@sha256:37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";

/// A config whose default rule has `mode`, and whatever else `policy` adds.
fn engine_with(mode: &str, policy: Value) -> Engine {
    let mut p = json!({"defaultAdmissionRule": {
        "evaluationMode": mode, "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}});
    p.as_object_mut()
        .unwrap()
        .extend(policy.as_object().unwrap().clone());
    Engine::from_config_str(&json!({ "policy": p }).to_string()).unwrap()
}

fn decide(engine: &Engine, request: &Value) -> Decision {
    engine.evaluate_str(&request.to_string()).unwrap()
}

fn kinds(d: &Decision, i: usize) -> Vec<ReasonKind> {
    d.images[i].reasons.iter().map(|r| r.kind).collect()
}

/// An attested image and an unrendered template in one request: each is judged on its own, and
/// the digest the template spells counts for nothing.
#[test]
fn each_image_is_decided_on_its_own() {
    let c = case("alg-ecdsa-p256-sha256-valid");
    let mut request = c["request"].clone();
    let attested = request["images"][0].as_str().unwrap().to_owned();
    let digest = attested.rsplit_once('@').unwrap().1;
    let template = format!("gcr.io/{{{{ .Project }}}}/nginx@{digest}");
    request["images"] = json!([attested, template]);
    let d = decide(&engine(&c), &request);
    assert!(!d.allowed);
    assert_eq!(d.images[0].verdict, Verdict::Allowed);
    let image = &d.images[1];
    assert_eq!(
        (image.image.as_str(), image.verdict, image.digest.as_deref()),
        (template.as_str(), Verdict::Denied, None)
    );
    assert_eq!(kinds(&d, 1), [ReasonKind::InvalidReference]);
    assert!(image.attestors.is_empty(), "no attestor is checked");
    let shown = format!("`{template}`");
    assert_eq!(
        image.reasons[0].message,
        format!(
            "{shown} is not a valid image reference: it contains a space (an unrendered \
             template?); the default admission rule requires attestations, which bind the digest \
             of an image a registry serves, so no attestation can cover it"
        )
    );
    let denial = format!(
        "Image {shown} denied by Binary Authorization default admission rule. Invalid image \
         reference: it contains a space (an unrendered template?)"
    );
    assert_eq!(image.denial.as_deref(), Some(denial.as_str()));
    assert_eq!(d.message, denial);
}

/// ALWAYS_ALLOW admits it, as GCP does; ALWAYS_DENY denies it; both as for any image.
#[test]
fn the_applicable_rule_settles_it() {
    let request = json!({"images": [TEMPLATE, ""], "context": {"namespace": "dev"}});
    let d = decide(&engine_with("ALWAYS_ALLOW", json!({})), &request);
    assert!(d.allowed);
    for i in 0..2 {
        assert_eq!(kinds(&d, i), [ReasonKind::AlwaysAllow]);
    }
    let d = decide(&engine_with("ALWAYS_DENY", json!({})), &request);
    assert_eq!(kinds(&d, 1), [ReasonKind::AlwaysDeny]);
    assert_eq!(
        d.images[1].denial.as_deref(),
        Some(
            "Image `` denied by Binary Authorization default admission rule. Denied by always_deny admission rule"
        )
    );
    // The namespace rule applies to it as to any image of the request.
    let d = decide(
        &engine_with(
            "ALWAYS_DENY",
            json!({"kubernetesNamespaceAdmissionRules": {"dev": {
                "evaluationMode": "ALWAYS_ALLOW", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}),
        ),
        &request,
    );
    assert!(d.allowed);
    assert_eq!(
        d.images[0].rule.as_ref().unwrap().key.as_deref(),
        Some("dev")
    );
}

/// Patterns hold only printable ASCII, so the only invalid references a pattern could spell are
/// those without a repository (`@…`); fail closed, no pattern or system path matches any.
#[test]
fn no_pattern_matches_it() {
    let allowlist = json!({"admissionWhitelistPatterns": [
        {"namePattern": "gcr.io/**"}, {"namePattern": "@*"}, {"namePattern": "k8s.gcr.io/**"}],
        "globalPolicyEvaluationMode": "ENABLE"});
    let engine = engine_with("ALWAYS_DENY", allowlist);
    let images = [
        TEMPLATE,
        "@sha256:00",
        "gke.gcr.io/{{ .Chart }}/agent:1",
        "k8s.gcr.io/pause\t",
    ];
    let d = decide(&engine, &json!({ "images": images }));
    for (i, image) in d.images.iter().enumerate() {
        assert_eq!(
            (image.verdict, image.matched_pattern.as_deref()),
            (Verdict::Denied, None),
            "{}",
            images[i]
        );
        assert_eq!(kinds(&d, i), [ReasonKind::AlwaysDeny]);
    }
    // The same patterns do match what they name.
    let d = decide(
        &engine,
        &json!({"images": ["gcr.io/p/a:1", "gke.gcr.io/agent:1"]}),
    );
    assert!(d.allowed, "{}", d.message);
}

/// Every message a person reads quotes the reference escaped, and at most 256 characters of it
/// (spec §7.2), under dry run and breakglass too, where the audit labels repeat the denial.
#[test]
fn it_is_shown_escaped_and_cut_short() {
    let forged = "x\n\u{1b}[32mALLOWED\u{1b}[0m gcr.io/p/app";
    let long = format!(
        "gcr.io/p/{}",
        "\u{200b}".repeat((MAX_IMAGE_REF_BYTES - 9) / 3)
    );
    let request =
        |breakglass: bool| json!({"images": [forged, long], "context": {"breakglass": breakglass}});
    let dry_run = Engine::from_config_str(
        &json!({"policy": {"defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY",
            "enforcementMode": "DRYRUN_AUDIT_LOG_ONLY"}}})
        .to_string(),
    )
    .unwrap();
    for (engine, breakglass) in [
        (engine_with("ALWAYS_DENY", json!({})), false),
        (engine_with("ALWAYS_DENY", json!({})), true),
        (dry_run, false),
    ] {
        let d = decide(&engine, &request(breakglass));
        let mut messages = vec![d.message.clone()];
        for i in &d.images {
            messages.extend(i.denial.iter().cloned());
            messages.extend(i.reasons.iter().map(|r| r.message.clone()));
        }
        messages.extend(d.audit.labels.values().cloned());
        assert!(messages.len() > 4, "{messages:?}");
        // Lines are the engine's own separators (between denials, audit label entries); each
        // quotes the reference at most twice, every character escaped into at most 8.
        for line in messages.iter().flat_map(|m| m.lines()) {
            assert!(!line.chars().any(char::is_control), "{line:?}");
            assert!(!line.contains('\u{200b}'), "{line:?}");
            assert!(
                line.len() < 2 * 8 * MAX_SHOWN_CHARS + 300,
                "{} bytes",
                line.len()
            );
        }
        assert!(
            d.images[0]
                .denial
                .as_ref()
                .unwrap()
                .starts_with("Image `x\\u{a}\\u{1b}[32mALLOWED\\u{1b}[0m gcr.io/p/app` denied")
        );
        assert!(
            d.images[1]
                .denial
                .as_ref()
                .unwrap()
                .contains(&format!("… ({} bytes in all)`", long.len())),
            "{:?}",
            d.images[1].denial
        );
        // The machine-readable fields keep the reference as given.
        assert_eq!(
            (d.images[0].image.as_str(), d.audit.images[0].image.as_str()),
            (forged, forged)
        );
    }
}

/// The limits that protect what a decision copies stay request errors: a reference longer than
/// 4,096 bytes, and more than 1,024 images.
#[test]
fn only_the_limits_are_request_errors() {
    let engine = engine_with("ALWAYS_ALLOW", json!({}));
    let longest = "a".repeat(MAX_IMAGE_REF_BYTES);
    let too_long = format!("{longest} ");
    let e = engine
        .evaluate_str(&json!({"images": [longest, too_long]}).to_string())
        .unwrap_err();
    assert_eq!(
        (e.code(), e.input().path()),
        (ErrorCode::Limit, "images[1]"),
        "{e}"
    );
    let d = decide(&engine, &json!({ "images": [longest, "a b"] }));
    assert!(d.allowed);
    let many = vec!["a b"; MAX_IMAGES + 1];
    let e = engine
        .evaluate_str(&json!({ "images": many }).to_string())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Limit, "{e}");
}

/// The same through a Kubernetes object: the AdmissionReview's template image is decided, not
/// refused (item 13's real shape).
#[test]
fn an_admission_review_carrying_it_is_decided() {
    let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "namespace": "web", "object": {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "nginx"},
            "spec": {"containers": [{"name": "nginx", "image": TEMPLATE}, {"name": "side"}]}}}});
    let request = json!({ "object": review });
    let d = decide(&engine_with("ALWAYS_ALLOW", json!({})), &request);
    assert!(d.allowed);
    let requires_attestation = engine(&case("alg-ecdsa-p256-sha256-valid"));
    let d = decide(&requires_attestation, &request);
    assert!(!d.allowed);
    let images: Vec<&str> = d.images.iter().map(|i| i.image.as_str()).collect();
    assert_eq!(images, [TEMPLATE, ""]);
    for i in 0..2 {
        assert_eq!(kinds(&d, i), [ReasonKind::InvalidReference]);
    }
    assert!(
        d.images[1].reasons[0]
            .message
            .starts_with("`` is not a valid image reference: it is empty;")
    );
}
