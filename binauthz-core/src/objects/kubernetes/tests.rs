use super::*;
use crate::ErrorCode;

const DEPLOYMENT: &str = include_str!("../../../../spec/examples/deployment.yaml");

fn pod_spec_doc(kind: &str, wrap: &str) -> String {
    let pod = "metadata:\n  labels:\n    app: x\nspec:\n  serviceAccountName: sa\n  containers:\n  - name: c\n    image: gcr.io/p/c:1\n  initContainers:\n  - name: i\n    image: gcr.io/p/i:1\n  ephemeralContainers:\n  - name: e\n    image: gcr.io/p/e:1\n";
    let indent = |s: &str, n: usize| {
        s.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect::<String>()
    };
    let body = match wrap {
        "" => {
            let spec = pod.split_once("spec:").map(|(_, s)| s).unwrap_or_default();
            return format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\n  labels:\n    app: x\nspec:{spec}"
            );
        }
        "template" => format!("template:\n{}", indent(pod, 2)),
        "spec.template" => format!("spec:\n  template:\n{}", indent(pod, 4)),
        _ => format!(
            "spec:\n  jobTemplate:\n    spec:\n      template:\n{}",
            indent(pod, 8)
        ),
    };
    format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: w\n{body}")
}

#[test]
fn every_supported_kind_yields_all_three_container_lists() {
    for (kind, wrap) in [
        ("Pod", ""),
        ("Deployment", "spec.template"),
        ("StatefulSet", "spec.template"),
        ("DaemonSet", "spec.template"),
        ("ReplicaSet", "spec.template"),
        ("ReplicationController", "spec.template"),
        ("Job", "spec.template"),
        ("CronJob", "cron"),
        ("PodTemplate", "template"),
    ] {
        let w = &parse_manifests(&pod_spec_doc(kind, wrap)).unwrap()[0];
        assert_eq!(w.kind, kind);
        assert_eq!(
            w.images(),
            ["gcr.io/p/c:1", "gcr.io/p/i:1", "gcr.io/p/e:1"],
            "{kind}"
        );
        assert_eq!(w.containers[1].container_type, ContainerType::InitContainer);
        assert_eq!(w.service_account.as_deref(), Some("sa"));
    }
}

#[test]
fn example_deployment_gives_namespace_service_account_and_images() {
    let w = &parse_manifests(DEPLOYMENT).unwrap()[0];
    assert_eq!(w.namespace.as_deref(), Some("payments"));
    let ctx = w.context(&Context::default());
    assert_eq!(ctx.namespace.as_deref(), Some("payments"));
    assert_eq!(ctx.service_account.as_deref(), Some("payments"));
    assert!(!ctx.breakglass);
    assert_eq!(w.images().len(), 3);
}

#[test]
fn namespace_falls_back_to_the_flag_then_default() {
    let w = &parse_manifests(&pod_spec_doc("Pod", "")).unwrap()[0];
    let flag = Context {
        namespace: Some("team".into()),
        ..Context::default()
    };
    assert_eq!(w.context(&flag).namespace.as_deref(), Some("team"));
    assert_eq!(
        w.context(&Context::default()).namespace.as_deref(),
        Some("default")
    );
}

#[test]
fn breakglass_from_label_or_legacy_annotation() {
    let label = DEPLOYMENT.replace(
        "      labels:\n        app: payments\n    spec:",
        "      labels:\n        app: payments\n        image-policy.k8s.io/break-glass: \"true\"\n    spec:",
    );
    assert!(parse_manifests(&label).unwrap()[0].breakglass);
    let annotation = DEPLOYMENT.replace(
        "      labels:\n        app: payments\n    spec:",
        "      labels:\n        app: payments\n      annotations:\n        alpha.image-policy.k8s.io/break-glass: \"true\"\n    spec:",
    );
    assert!(parse_manifests(&annotation).unwrap()[0].breakglass);
    let other = DEPLOYMENT.replace(
        "      labels:\n        app: payments\n    spec:",
        "      labels:\n        app: payments\n        image-policy.k8s.io/break-glass: \"false\"\n    spec:",
    );
    assert!(!parse_manifests(&other).unwrap()[0].breakglass);
}

/// Spec §10: the value is exactly `"true"`; one that only resembles it requests nothing.
#[test]
fn breakglass_needs_exactly_true() {
    for value in ["TRUE", "True", " true", "yes"] {
        let label = DEPLOYMENT.replace(
            "      labels:\n        app: payments\n    spec:",
            &format!(
                "      labels:\n        app: payments\n        image-policy.k8s.io/break-glass: \"{value}\"\n      annotations:\n        alpha.image-policy.k8s.io/break-glass: \"{value}\"\n    spec:"
            ),
        );
        let w = &parse_manifests(&label).unwrap()[0];
        assert!(!w.breakglass, "{value:?}");
        assert!(!w.context(&Context::default()).breakglass, "{value:?}");
    }
}

/// A Pod whose spec holds `fields` (YAML lines indented by two) and one container.
fn pod_with(fields: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\n  namespace: prod\nspec:\n{fields}  containers:\n  - name: c\n    image: gcr.io/p/c:1\n"
    )
}

/// The service account of the pod Kubernetes runs: its v1 conversion
/// (`Convert_v1_PodSpec_To_core_PodSpec`) takes the deprecated `serviceAccount` whenever
/// `serviceAccountName` is empty, and the pod runs as `default` when both are.
#[test]
fn service_account_is_the_one_kubernetes_runs_the_pod_as() {
    let runs_as = |fields: &str| {
        parse_manifests(&pod_with(fields))
            .map(|w| w[0].context(&Context::default()).service_account.unwrap())
    };
    for (fields, expected) in [
        (
            "  serviceAccountName: \"\"\n  serviceAccount: deployer\n",
            "deployer",
        ),
        (
            "  serviceAccountName: null\n  serviceAccount: deployer\n",
            "deployer",
        ),
        ("  serviceAccount: deployer\n", "deployer"),
        (
            "  serviceAccountName: api\n  serviceAccount: deployer\n",
            "api",
        ),
        ("  serviceAccountName: api\n  serviceAccount: \"\"\n", "api"),
        (
            "  serviceAccountName: \"\"\n  serviceAccount: null\n",
            "default",
        ),
        ("", "default"),
    ] {
        assert_eq!(runs_as(fields).unwrap(), expected, "{fields}");
    }
}

/// Kubernetes rejects a pod spec whose service-account fields are not strings, so binauthz does
/// not guess which account such a pod would run as.
#[test]
fn a_service_account_field_that_is_not_a_string_is_an_error_naming_it() {
    for (fields, path) in [
        (
            "  serviceAccountName: 7\n  serviceAccount: deployer\n",
            "spec.serviceAccountName",
        ),
        (
            "  serviceAccountName: api\n  serviceAccount: [deployer]\n",
            "spec.serviceAccount",
        ),
        (
            "  serviceAccount: {name: deployer}\n",
            "spec.serviceAccount",
        ),
    ] {
        let e = parse_manifests(&pod_with(fields)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
        assert_eq!(e.path(), path, "{e}");
        assert!(e.message().contains("expected a string"), "{e}");
    }
}

#[test]
fn multi_document_manifests_and_lists() {
    let two = format!(
        "{}\n---\n{}",
        pod_spec_doc("Pod", ""),
        pod_spec_doc("Job", "spec.template")
    );
    assert_eq!(parse_manifests(&two).unwrap().len(), 2);
    let list = serde_json::json!({"kind": "List", "items": [
        crate::text::yaml::to_json_value(&pod_spec_doc("Pod", "")).unwrap()
    ]});
    assert_eq!(parse_manifests(&list.to_string()).unwrap().len(), 1);
}

/// A List whose `items` is not a list is an error, not a document that silently holds nothing
/// while the rest of the manifest is admitted.
#[test]
fn a_list_whose_items_is_not_a_list_is_an_error() {
    let pod = pod_spec_doc("Pod", "");
    for (items, what) in [
        ("items:\n  kind: Pod\n", "a mapping"),
        ("items: pods\n", "a string"),
        ("items: 3\n", "a number"),
        ("items: null\n", "null"),
        ("", "missing"),
    ] {
        let text = format!("{pod}---\napiVersion: v1\nkind: List\n{items}");
        let e = parse_manifests(&text).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
        assert_eq!(e.path(), "items", "{e}");
        assert_eq!(
            e.message(),
            format!("document 2 (List): `items` is {what}; expected a list of objects")
        );
    }
}

#[test]
fn an_empty_list_contributes_nothing() {
    let pod = pod_spec_doc("Pod", "");
    let text = format!("{pod}---\napiVersion: v1\nkind: List\nitems: []\n");
    assert_eq!(parse_manifests(&text).unwrap().len(), 1);
    let e = parse_manifests("apiVersion: v1\nkind: List\nitems: []\n").unwrap_err();
    assert!(e.message().contains("no objects"), "{e}");
}

#[test]
fn unknown_kinds_and_objects_without_pods_are_clear_errors() {
    let e = parse_manifests("kind: Service\nmetadata:\n  name: s\nspec: {}\n").unwrap_err();
    assert!(
        e.message().contains("kind `Service` has no pod spec"),
        "{e}"
    );
    assert!(e.message().contains("Service s"), "{e}");
    let e = parse_manifests("kind: Deployment\nmetadata:\n  name: d\nspec: {}\n").unwrap_err();
    assert_eq!(e.path(), "spec.template");
    let e = parse_manifests("kind: Pod\nspec:\n  containers: []\n").unwrap_err();
    assert!(e.message().contains("no containers"), "{e}");
    assert_eq!(parse_manifests("").unwrap_err().code(), ErrorCode::Invalid);
}

#[test]
fn admission_review_takes_namespace_from_the_request() {
    let pod = crate::text::yaml::to_json_value(&pod_spec_doc("Pod", "")).unwrap();
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "namespace": "prod", "object": pod}});
    let r = parse_admission_review(&review.to_string()).unwrap();
    assert_eq!(r.uid, "u-1");
    assert_eq!(r.workload.namespace.as_deref(), Some("prod"));
    let e = parse_admission_review(r#"{"kind": "AdmissionReview", "request": {"uid": "u"}}"#)
        .unwrap_err();
    assert_eq!(e.path(), "request.object");
}

#[test]
fn extract_gives_a_request_skeleton() {
    let x = extract_str(DEPLOYMENT).unwrap();
    let v = serde_json::to_value(&x).unwrap();
    assert_eq!(v["images"].as_array().unwrap().len(), 3);
    assert_eq!(v["context"]["namespace"], "payments");
    assert_eq!(v["containers"][0]["type"], "CONTAINER");
}

/// Issue 14, item 15: `image: {CONTAINER_PATH}` (a template nobody rendered) is a YAML flow
/// mapping. The error says what was found, not that the container has no image.
#[test]
fn an_image_that_yaml_read_as_a_mapping_is_named_as_one() {
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: {CONTAINER_PATH}\n";
    let e = parse_manifests(manifest).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
    assert_eq!(e.path(), "spec.template.spec.containers[0].image");
    assert_eq!(
        e.message(),
        "document 1 (Deployment web): `image` is a mapping (an unrendered template such as \
         `{CONTAINER_PATH}`?), expected a string"
    );
}

/// A Pod whose YAML is `text` with `{}` replaced by `value`: a field of each kind binauthz reads.
fn pod_where(text: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\n{}", text.replace("{}", value))
}

const POD_FIELDS: &str = "metadata:\n  name: p\n  namespace: prod\nspec:\n  containers:\n  - name: c\n    image: gcr.io/p/c:1\n";

/// Item 15: every field binauthz reads from an object, holding what Kubernetes would refuse to
/// decode, is an error at that field saying what it holds, never a guess or a silent default
/// (a namespace of another type once fell back to the context's namespace).
#[test]
fn every_field_binauthz_reads_says_what_was_found_instead() {
    let pod = |from: &str, to: &str| {
        assert!(POD_FIELDS.contains(from), "{from}");
        format!(
            "apiVersion: v1\nkind: Pod\n{}",
            POD_FIELDS.replace(from, to)
        )
    };
    for (text, path, message) in [
        (
            pod("name: p\n", "name: 7\n"),
            "metadata.name",
            "`name` is the number 7 (quote it: \"7\"), expected a string",
        ),
        (
            pod("namespace: prod", "namespace: 2024"),
            "metadata.namespace",
            "`namespace` is the number 2024 (quote it: \"2024\"), expected a string",
        ),
        (
            pod("namespace: prod", "namespace: [prod]"),
            "metadata.namespace",
            "`namespace` is a list, expected a string",
        ),
        (
            pod("spec:\n", "spec:\n  serviceAccountName: true\n"),
            "spec.serviceAccountName",
            "`serviceAccountName` is the boolean true (quote it: \"true\"), expected a string",
        ),
        (
            pod(
                "  name: p\n",
                "  name: p\n  labels:\n    image-policy.k8s.io/break-glass: true\n",
            ),
            "metadata.labels",
            "the value of label `image-policy.k8s.io/break-glass` is the boolean true (quote it: \"true\"), expected a string",
        ),
        (
            pod(
                "  name: p\n",
                "  name: p\n  annotations:\n    replicas: 3\n",
            ),
            "metadata.annotations",
            "the value of annotation `replicas` is the number 3 (quote it: \"3\"), expected a string",
        ),
        (
            pod("  name: p\n", "  name: p\n  labels: [app]\n"),
            "metadata.labels",
            "`labels` is a list, expected a mapping (of names to string values)",
        ),
        (
            pod("  - name: c\n", "  - name: {NAME}\n"),
            "spec.containers[0].name",
            "`name` is a mapping (an unrendered template such as `{NAME}`?), expected a string",
        ),
        (
            pod(
                "  - name: c\n    image: gcr.io/p/c:1\n",
                "    c: gcr.io/p/c:1\n",
            ),
            "spec.containers",
            "`containers` is a mapping, expected a list of containers",
        ),
        (
            pod(
                "  - name: c\n    image: gcr.io/p/c:1\n",
                "  - gcr.io/p/c:1\n",
            ),
            "spec.containers[0]",
            "`containers[0]` is a string, expected a mapping (a container)",
        ),
        (
            pod("metadata:\n  name: p\n  namespace: prod\n", "metadata: p\n"),
            "metadata",
            "`metadata` is a string, expected a mapping (the object's metadata)",
        ),
        (
            "apiVersion: v1\nkind: Pod\nspec: [containers]\n".to_owned(),
            "spec",
            "`spec` is a list, expected a mapping (the pod spec)",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template: pod\n".to_owned(),
            "spec.template",
            "`template` is a string, expected a mapping (the pod template)",
        ),
        (
            "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate: []\n".to_owned(),
            "spec.jobTemplate",
            "`jobTemplate` is a list, expected a mapping (on the way to the pod template at spec.jobTemplate.spec.template)",
        ),
        (
            "apiVersion: batch/v1\nkind: CronJob\nspec: {}\n".to_owned(),
            "spec.jobTemplate",
            "CronJob has no pod template here: `jobTemplate` is missing (a CronJob keeps it at spec.jobTemplate.spec.template)",
        ),
        (
            "apiVersion: v1\nkind: 1\n".to_owned(),
            "kind",
            "`kind` is the number 1 (quote it: \"1\"), expected a string",
        ),
    ] {
        let e = parse_manifests(&text).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid, "{text}");
        assert_eq!(e.path(), path, "{text}");
        // After the manifest's own prefix, `document 1 (Pod p): `.
        let (_, said) = e.message().split_once(": ").unwrap();
        assert_eq!(said, message, "{text}");
    }
}

/// The object's kind and name prefix every error about it, escaped: a name holding a line
/// break must not start a line of its own where a host shows the message.
#[test]
fn an_error_names_the_object_escaped() {
    let text =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"p\\nALLOWED\\e[2K\"\n  namespace: 7\n";
    let e = parse_manifests(text).unwrap_err();
    assert!(
        e.message()
            .starts_with("document 1 (Pod p\\u{a}ALLOWED\\u{1b}[2K): `namespace` is the number 7"),
        "{e}"
    );
}

/// Kubernetes decodes an absent or null `image` as "", as it does a label that is null: binauthz
/// reads them the same way, so two objects Kubernetes cannot tell apart decide alike.
#[test]
fn absent_and_null_read_as_kubernetes_decodes_them() {
    for image in ["", "    image: null\n", "    image: \"\"\n"] {
        let text = pod_where("spec:\n  containers:\n  - name: c\n{}", image);
        assert_eq!(parse_manifests(&text).unwrap()[0].images(), [""], "{text}");
    }
    let text = pod_where(
        "metadata:\n  name: null\n  labels:\n    image-policy.k8s.io/break-glass: null\n{}",
        "spec:\n  containers:\n  - image: gcr.io/p/c:1\n",
    );
    let w = &parse_manifests(&text).unwrap()[0];
    assert!(!w.breakglass);
    assert_eq!(
        (w.name.as_deref(), w.containers[0].name.as_str()),
        (None, "")
    );
}

/// Item 13 through an object: the reference a real AdmissionReview carried is read, not refused;
/// the engine decides it (spec §4).
#[test]
fn an_unrendered_template_reference_is_read_as_it_is() {
    let image = "gcr.io/{{ .Project }}/nginx@sha256:37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567";
    let text = pod_where(POD_FIELDS, "").replace("gcr.io/p/c:1", &format!("\"{image}\""));
    assert_eq!(parse_manifests(&text).unwrap()[0].images(), [image]);
}

#[test]
fn admission_review_fields_say_what_was_found_instead() {
    let pod = crate::text::yaml::to_json_value(&pod_spec_doc("Pod", "")).unwrap();
    for (request, path, message) in [
        (
            serde_json::json!({"uid": 5, "object": pod}),
            "request.uid",
            "`uid` is the number 5 (quote it: \"5\"), expected a string",
        ),
        (
            serde_json::json!({"uid": "u", "namespace": ["prod"], "object": pod}),
            "request.namespace",
            "`namespace` is a list, expected a string",
        ),
        (
            serde_json::json!({"uid": "u", "object": "pod"}),
            "request.object",
            "`object` is a string, expected a mapping (the object being admitted)",
        ),
        (
            serde_json::json!({"object": pod}),
            "request.uid",
            "`uid` is missing; the response must echo it",
        ),
    ] {
        let review = serde_json::json!({"kind": "AdmissionReview", "request": request});
        let e = parse_admission_review(&review.to_string()).unwrap_err();
        assert_eq!((e.path(), e.message()), (path, message), "{review}");
    }
    let e = parse_admission_review("kind: AdmissionReview\nrequest: [uid]\n").unwrap_err();
    assert_eq!(
        e.message(),
        "`request` is a list, expected a mapping (the admission request)"
    );
    let e = parse_admission_review("kind: Pod\n").unwrap_err();
    assert_eq!(e.message(), "kind is `Pod`, expected AdmissionReview");
}

/// Item 14: a review that cannot be evaluated is still answered, with its uid when it can be
/// read, and a refusal whose status says whose input was at fault.
#[test]
fn a_review_that_cannot_be_evaluated_is_refused_with_its_uid() {
    let review = r#"{"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
        "request": {"uid": "u-7", "object": {"kind": "Service"}}}"#;
    let e = parse_admission_review(review).unwrap_err();
    let echo = ReviewEcho::read(review);
    assert_eq!(echo.uid, "u-7");
    let response = refusal_response(
        &echo,
        Refusal::BadRequest,
        &format!("binauthz: {e}\nx\u{1b}[2K"),
    );
    assert_eq!(response["apiVersion"], "admission.k8s.io/v1beta1");
    assert_eq!(response["kind"], "AdmissionReview");
    assert_eq!(response["response"]["uid"], "u-7");
    assert_eq!(response["response"]["allowed"], false);
    assert_eq!(response["response"]["status"]["code"], 400);
    assert_eq!(response["response"]["status"]["reason"], "BadRequest");
    let message = response["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("binauthz: `request.object.kind`: kind `Service`"),
        "{message}"
    );
    assert!(message.ends_with("\\u{a}x\\u{1b}[2K"), "{message}");
    let internal = refusal_response(&echo, Refusal::InternalError, "policy.yaml: cannot open");
    assert_eq!(internal["response"]["status"]["code"], 500);
    assert_eq!(internal["response"]["status"]["reason"], "InternalError");
    for unreadable in ["{", "[1]", r#"{"apiVersion": "v1", "request": {"uid": 5}}"#] {
        let echo = ReviewEcho::read(unreadable);
        assert_eq!(
            (echo.uid.as_str(), echo.api_version.as_str()),
            ("", "admission.k8s.io/v1")
        );
    }
}
