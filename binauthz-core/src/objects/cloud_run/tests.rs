use super::*;
use crate::model::allowlist::pattern_names_tag;
use crate::model::image::is_source_deploy_image;
use crate::objects::kubernetes::{parse_admission_review, parse_manifests};

const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";

/// A service as `gcloud run services describe --format export` prints it.
fn v1_service(annotations: &str) -> String {
    format!(
        "apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: payments
  namespace: '415104041262'
  labels:
    cloud.googleapis.com/location: us-central1
  annotations:
    run.googleapis.com/ingress: all
{annotations}spec:
  template:
    metadata:
      name: payments-00042-abc
      annotations:
        autoscaling.knative.dev/maxScale: '10'
    spec:
      containers:
      - name: api
        image: {API}
      - name: proxy
        image: us-docker.pkg.dev/acme/base-images/envoy:1.30
"
    )
}

fn one(text: &str) -> Workload {
    let mut all = parse_manifests(text).unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn error(text: &str) -> InputError {
    parse_manifests(text).unwrap_err()
}

#[test]
fn a_v1_service_runs_every_container_sidecars_included() {
    let w = one(&v1_service(
        "    run.googleapis.com/binary-authorization: default\n",
    ));
    assert_eq!(w.kind, "Service");
    assert_eq!(
        w.images(),
        [API, "us-docker.pkg.dev/acme/base-images/envoy:1.30"]
    );
    assert_eq!(
        w.namespace, None,
        "the project is not a Kubernetes namespace"
    );
    let run = w.cloud_run.unwrap();
    assert_eq!(run.kind, CloudRunKind::Service);
    assert_eq!(run.name.as_deref(), Some("payments"));
    assert_eq!(run.project.as_deref(), Some("415104041262"));
    assert_eq!(run.location.as_deref(), Some("us-central1"));
    assert_eq!(run.revision.as_deref(), Some("payments-00042-abc"));
    assert_eq!(run.setting(), Setting::Default);
    assert!(!w.breakglass);
}

#[test]
fn a_service_without_the_annotation_does_not_enable_binary_authorization() {
    let run = one(&v1_service("")).cloud_run.unwrap();
    assert_eq!(run.setting(), Setting::NotEnabled);
}

#[test]
fn the_breakglass_annotation_carries_its_justification() {
    let w = one(&v1_service(
        "    run.googleapis.com/binary-authorization: default\n    run.googleapis.com/binary-authorization-breakglass: 'INC-1234: hotfix'\n",
    ));
    assert!(w.breakglass);
    let context = w.context(&Context::default());
    assert!(context.breakglass);
    assert_eq!(
        context
            .cloud_run
            .unwrap()
            .breakglass_justification
            .as_deref(),
        Some("INC-1234: hotfix")
    );
}

#[test]
fn breakglass_without_binary_authorization_is_refused() {
    let e = error(&v1_service(
        "    run.googleapis.com/binary-authorization-breakglass: hotfix\n",
    ));
    assert!(e.message().contains("must be empty"), "{e}");
    assert_eq!(
        e.path(),
        format!("metadata.annotations.{BREAKGLASS_ANNOTATION}")
    );
}

#[test]
fn an_annotation_on_the_revision_template_is_refused() {
    let text = v1_service("").replace(
        "        autoscaling.knative.dev/maxScale: '10'",
        "        run.googleapis.com/binary-authorization: default",
    );
    let e = error(&text);
    assert_eq!(e.path(), "spec.template.metadata.annotations");
    assert!(
        e.message().contains("service's own metadata.annotations"),
        "{e}"
    );
}

#[test]
fn a_setting_that_is_neither_default_nor_a_platform_policy_is_refused() {
    for value in ["''", "Default", "projects/acme/policy"] {
        let e = error(&v1_service(&format!(
            "    run.googleapis.com/binary-authorization: {value}\n"
        )));
        assert_eq!(e.code(), ErrorCode::Invalid, "{value}");
    }
    let named = one(&v1_service(
        "    run.googleapis.com/binary-authorization: projects/acme/platforms/cloudRun/strict\n",
    ));
    assert_eq!(
        named.cloud_run.unwrap().setting(),
        Setting::Named("projects/acme/platforms/cloudRun/strict")
    );
}

#[test]
fn a_justification_is_bounded() {
    let long = "x".repeat(MAX_BREAKGLASS_JUSTIFICATION_BYTES + 1);
    let e = error(&v1_service(&format!(
        "    run.googleapis.com/binary-authorization: default\n    run.googleapis.com/binary-authorization-breakglass: {long}\n"
    )));
    assert_eq!(e.code(), ErrorCode::Limit);
}

#[test]
fn a_v1_job_keeps_its_containers_in_the_task_template() {
    let w = one(&format!(
        "apiVersion: run.googleapis.com/v1
kind: Job
metadata:
  name: nightly
  namespace: acme
  labels: {{cloud.googleapis.com/location: europe-west1}}
  annotations: {{run.googleapis.com/binary-authorization: default}}
spec:
  template:
    spec:
      taskCount: 1
      template:
        spec:
          containers:
          - image: {API}
"
    ));
    let run = w.cloud_run.clone().unwrap();
    assert_eq!(run.kind, CloudRunKind::Job);
    assert_eq!(run.revision, None);
    assert_eq!(w.images(), [API]);
}

#[test]
fn kubernetes_kinds_that_share_a_name_stay_kubernetes() {
    let job = one(&format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n  template:\n    spec:\n      containers: [{{image: {API}}}]\n"
    ));
    assert!(job.cloud_run.is_none());
    let e = error("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {}\n");
    assert!(e.message().contains("serving.knative.dev/v1"), "{e}");
    let e = error("apiVersion: serving.knative.dev/v1\nkind: Revision\nmetadata: {name: r}\n");
    assert!(e.message().contains("Revision"), "{e}");
}

#[test]
fn v2_bodies_are_recognised_by_name_and_template() {
    let service = one(&format!(
        r#"{{"name": "projects/acme/locations/us-central1/services/payments",
            "template": {{"revision": "payments-v7", "containers": [{{"image": "{API}"}}, {{"image": "{API}"}}]}},
            "binaryAuthorization": {{"useDefault": true, "breakglassJustification": "INC-9"}}}}"#
    ));
    let run = service.cloud_run.clone().unwrap();
    assert_eq!(
        (run.kind, run.project.as_deref(), run.location.as_deref()),
        (CloudRunKind::Service, Some("acme"), Some("us-central1"))
    );
    assert_eq!(run.revision.as_deref(), Some("payments-v7"));
    assert_eq!(run.breakglass_justification.as_deref(), Some("INC-9"));
    assert_eq!(service.images().len(), 2);
    let job = one(&format!(
        r#"{{"name": "projects/acme/locations/us-central1/jobs/nightly",
            "template": {{"template": {{"containers": [{{"image": "{API}"}}]}}}},
            "binaryAuthorization": {{"policy": "projects/acme/platforms/cloudRun/strict"}}}}"#
    ));
    assert_eq!(job.cloud_run.unwrap().kind, CloudRunKind::Job);
}

#[test]
fn v2_binary_authorization_is_read_strictly() {
    let body = |b: &str| {
        format!(
            r#"{{"name": "projects/acme/locations/us-central1/services/s", "template": {{"containers": [{{"image": "{API}"}}]}}, {b}}}"#
        )
    };
    for (b, path) in [
        (
            r#""binaryAuthorization": {"useDefault": true, "policy": "projects/acme/platforms/cloudRun/p"}"#,
            "binaryAuthorization",
        ),
        (
            r#""binaryAuthorization": {"useDefault": "yes"}"#,
            "binaryAuthorization.useDefault",
        ),
        (
            r#""binaryAuthorization": {"use_default": true}"#,
            "binaryAuthorization.use_default",
        ),
        (
            r#""binaryAuthorization": {"useDefault": false, "breakglassJustification": "x"}"#,
            "binaryAuthorization.breakglassJustification",
        ),
        (
            r#""binary_authorization": {"use_default": true}"#,
            "binary_authorization",
        ),
    ] {
        let e = error(&body(b));
        assert_eq!(e.path(), path, "{b}: {e}");
    }
    let off = one(&body(r#""binaryAuthorization": {"useDefault": false}"#));
    assert_eq!(off.cloud_run.unwrap().setting(), Setting::NotEnabled);
}

#[test]
fn a_body_without_kind_or_a_cloud_run_name_is_not_guessed() {
    let e = error(&format!(
        r#"{{"name": "payments", "template": {{"containers": [{{"image": "{API}"}}]}}}}"#
    ));
    assert_eq!(e.path(), "kind");
}

#[test]
fn cloud_run_has_no_init_containers() {
    let text = v1_service("").replace(
        "      containers:",
        "      initContainers: [{image: x}]\n      containers:",
    );
    assert_eq!(error(&text).path(), "spec.template.spec.initContainers");
}

#[test]
fn an_admission_review_never_carries_a_cloud_run_object() {
    let review = format!(
        r#"{{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {{"uid": "1", "object": {{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {{"name": "s"}}, "spec": {{"template": {{"spec": {{"containers": [{{"image": "{API}"}}]}}}}}}}}}}}}"#
    );
    let e = parse_admission_review(&review).unwrap_err();
    assert!(e.message().contains("Cloud Run"), "{e}");
}

#[test]
fn patterns_that_name_a_tag() {
    for tagged in [
        "gcr.io/acme/app:1.2",
        "gcr.io/acme/app:*",
        "gcr.io/acme/app:v1.*",
        "gcr.io/acme/app:1@sha256:*",
        "local-image:*",
        "localhost:5000/app:latest",
    ] {
        assert!(pattern_names_tag(tagged), "{tagged}");
    }
    for untagged in [
        "gcr.io/acme/app@*",
        "gcr.io/acme/**",
        "gcr.io/acme/app*",
        "localhost:5000/app@*",
        "gcr.io/acme/app",
    ] {
        assert!(!pattern_names_tag(untagged), "{untagged}");
    }
}

#[test]
fn source_deploy_images_live_in_cloud_run_source_deploy() {
    assert!(is_source_deploy_image(
        "us-central1-docker.pkg.dev/acme/cloud-run-source-deploy/payments@sha256:00"
    ));
    assert!(!is_source_deploy_image(
        "us-central1-docker.pkg.dev/acme/payments/cloud-run-source-deploy"
    ));
    assert!(!is_source_deploy_image(
        "gcr.io/acme/cloud-run-source-deploy/x"
    ));
}

#[test]
fn a_host_context_is_checked_like_an_object() {
    let mut context = Context {
        cloud_run: Some(CloudRunContext {
            kind: CloudRunKind::Service,
            name: Some("s".into()),
            project: None,
            location: None,
            revision: None,
            binary_authorization: Some("default".into()),
            breakglass_justification: Some("INC-7".into()),
        }),
        ..Context::default()
    };
    check_context(&mut context, "context").unwrap();
    assert!(context.breakglass, "a justification requests breakglass");
    let mut assume_alone = Context {
        assume_enabled: true,
        ..Context::default()
    };
    let e = check_context(&mut assume_alone, "context").unwrap_err();
    assert_eq!(e.path(), "context.assumeEnabled");
}
