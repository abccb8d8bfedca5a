//! The parts of a decision the conformance vectors do not pin: GCP-style denial text, the
//! summary message, notes and the audit record (spec/README.md §8.2–8.4).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use binauthz_core::Verdict;
use common::decide;

#[test]
fn missing_attestation_reads_like_gke() {
    let d = decide("two-attestors-one-missing");
    let image = &d.images[0];
    let denial = image.denial.as_deref().unwrap();
    let prefix = format!(
        "Image {0} denied by Binary Authorization default admission rule. Image {0} denied by attestor ",
        image.image
    );
    assert!(denial.starts_with(&prefix), "{denial}");
    assert!(denial.contains(
        ": No attestations found that were valid and signed by a key trusted by the attestor ("
    ));
    assert_eq!(d.message, denial);
}

#[test]
fn always_deny_reads_like_gke() {
    let d = decide("cluster-rule-denies");
    let image = &d.images[0];
    let key = image.rule.as_ref().unwrap().key.clone().unwrap();
    assert_eq!(
        image.denial.as_deref().unwrap(),
        format!(
            "Image {} denied by Binary Authorization cluster admission rule for {key}. Denied by always_deny admission rule",
            image.image
        )
    );
}

#[test]
fn tag_reference_reads_like_gke() {
    let d = decide("tag-only-require-attestation");
    assert!(
        d.images[0]
            .denial
            .as_deref()
            .unwrap()
            .ends_with(". Expected digest with sha256 scheme, but got tag or malformed digest")
    );
}

#[test]
fn every_reason_of_a_failed_signature_names_attestor_key_and_occurrence() {
    let d = decide("sig-tampered-payload");
    let reason = &d.images[0].attestors[0].reasons[0];
    assert!(reason.attestor.is_some());
    assert!(reason.key_id.is_some());
    assert!(reason.occurrence.is_some());
    assert!(reason.message.contains("is invalid"), "{}", reason.message);
}

#[test]
fn dry_run_violation_is_admitted_and_labelled() {
    let d = decide("dry-run-require-attestation-missing");
    assert!(d.allowed);
    assert_eq!(d.images[0].verdict, Verdict::DryRunViolation);
    assert!(d.images[0].denial.is_some());
    assert!(d.audit.dry_run);
    assert_eq!(
        d.audit.labels["imagepolicywebhook.image-policy.k8s.io/dry-run"],
        "true"
    );
    let overridden =
        &d.audit.labels["imagepolicywebhook.image-policy.k8s.io/overridden-verification-result"];
    assert!(overridden.starts_with(&format!("'{}' : Image ", d.images[0].image)));
    assert!(!d.audit.images[0].violations.is_empty());
    assert!(d.message.contains("dry-run"), "{}", d.message);
}

#[test]
fn breakglass_is_labelled_and_says_what_it_overrode() {
    let d = decide("breakglass-always-deny");
    assert!(d.allowed && d.breakglass && d.audit.breakglass);
    assert_eq!(
        d.audit.labels["imagepolicywebhook.image-policy.k8s.io/break-glass"],
        "true"
    );
    assert_eq!(d.images[0].verdict, Verdict::Breakglass);
    assert!(d.images[0].denial.is_some());
    assert!(d.message.contains("breakglass"), "{}", d.message);
}

#[test]
fn conformant_images_leave_a_clean_audit_record() {
    let d = decide("alg-ecdsa-p256-sha256-valid");
    assert!(d.allowed);
    assert!(d.images[0].denial.is_none());
    assert!(d.audit.labels.is_empty());
    assert_eq!(d.audit.images[0].rule, "default");
    let v = &d.audit.images[0].verified_by[0];
    assert_eq!(
        v.key_id,
        d.images[0].attestors[0]
            .verified_by
            .as_ref()
            .unwrap()
            .key_id
    );
    assert!(d.audit.images[0].violations.is_empty());
}

#[test]
fn missing_context_is_noted() {
    let d = decide("cluster-rules-no-context");
    assert_eq!(d.notes.len(), 1);
    assert!(
        d.notes[0].contains("clusterAdmissionRules"),
        "{}",
        d.notes[0]
    );
}

#[test]
fn decision_json_has_the_shared_shape() {
    let d = decide("two-images-one-denied");
    let v = serde_json::to_value(&d).unwrap();
    for key in [
        "allowed",
        "breakglass",
        "policy",
        "message",
        "notes",
        "images",
        "audit",
    ] {
        assert!(v.get(key).is_some(), "decision lacks `{key}`");
    }
    let image = &v["images"][0];
    for key in [
        "image",
        "digest",
        "allowed",
        "verdict",
        "stage",
        "matchedPattern",
        "rule",
        "attestors",
        "reasons",
        "denial",
    ] {
        assert!(image.get(key).is_some(), "image decision lacks `{key}`");
    }
}

#[test]
fn a_cloud_run_decision_names_its_platform_and_object() {
    let d = decide("cloud-run-service-sidecar-denied");
    assert_eq!(d.platform, binauthz_core::Platform::CloudRun);
    assert_eq!(d.audit.platform, d.platform);
    assert!(
        d.message.starts_with(
            "Cloud Run service `payments-api` (revision `payments-api-00042-abc`, us-central1): Image "
        ),
        "{}",
        d.message
    );
    let run = d.audit.context.cloud_run.as_ref().unwrap();
    assert_eq!(run.location.as_deref(), Some("us-central1"));
    assert_eq!(run.project.as_deref(), Some("acme"));
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["platform"], "cloudRun");
}

#[test]
fn a_gke_decision_is_as_it_was() {
    let json = serde_json::to_value(decide("two-attestors-one-missing")).unwrap();
    assert!(json.get("platform").is_none());
    assert!(json["audit"].get("platform").is_none());
    assert!(json["audit"]["context"].get("cloudRun").is_none());
    assert!(json["audit"]["context"].get("assumeEnabled").is_none());
}

#[test]
fn a_cloud_run_breakglass_carries_its_justification() {
    let d = decide("cloud-run-breakglass-annotation");
    assert!(d.breakglass && d.audit.breakglass);
    let run = d.audit.context.cloud_run.as_ref().unwrap();
    assert_eq!(
        run.breakglass_justification.as_deref(),
        Some("INC-4711: payments outage")
    );
    assert_eq!(
        d.images[0].reasons[0].message,
        "breakglass was requested with the justification `INC-4711: payments outage`: the image is admitted whatever the policy says, and the event is logged"
    );
}

#[test]
fn a_cloud_run_object_without_binary_authorization_is_admitted_unchecked() {
    let d = decide("cloud-run-not-enabled");
    assert_eq!(d.audit.images[0].rule, "notEnabled");
    assert!(d.images[0].rule.is_none() && d.images[0].denial.is_none());
    assert!(
        d.message
            .ends_with(": 1 image admitted unchecked: Binary Authorization is not enabled"),
        "{}",
        d.message
    );
}
