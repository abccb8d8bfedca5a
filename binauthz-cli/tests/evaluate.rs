//! `binauthz evaluate` end to end: images, manifests, AdmissionReviews, audit log, exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use common::{Run, binauthz, binauthz_with_stdin, example, root, temp_dir};
use serde_json::Value;

const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const WORKER: &str = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff";

fn k8s(name: &str) -> String {
    root()
        .join("spec/kubernetes")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn evaluate(extra: &[&str]) -> Run {
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let attestations = example("attestations.json");
    let mut args = vec![
        "evaluate",
        "--policy",
        &policy,
        "--attestor",
        &attestors,
        "--attestations",
        &attestations,
    ];
    args.extend_from_slice(extra);
    binauthz(&args)
}

#[test]
fn attested_image_is_allowed_with_exit_0() {
    let r = evaluate(&["--image", API]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("ALLOWED "), "{}", r.stdout);
}

#[test]
fn missing_attestation_blocks_with_exit_1_and_gke_text() {
    let r = evaluate(&["--image", WORKER]);
    assert_eq!(r.status, 1);
    assert!(r.stdout.contains(&format!(
        "Image {WORKER} denied by Binary Authorization default admission rule."
    )));
}

#[test]
fn json_output_has_a_top_level_allowed() {
    let r = evaluate(&["--output", "json", "--image", API, "--image", WORKER]);
    assert_eq!(r.status, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["images"][0]["verdict"], "ALLOWED");
    assert_eq!(v["images"][1]["verdict"], "DENIED");
}

#[test]
fn manifest_evaluates_each_workload_with_its_namespace() {
    let r = evaluate(&["--manifest", &example("deployment.yaml")]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("Deployment payments (namespace payments, service account payments):")
    );
    assert_eq!(r.stdout.matches("ALLOWED ").count(), 2);
    assert_eq!(r.stdout.matches("DENIED ").count(), 1);
}

#[test]
fn manifest_with_every_kind_and_breakglass() {
    let r = evaluate(&["--output", "json", "--manifest", &k8s("workloads.yaml")]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let kinds: Vec<&str> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Pod",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "PodTemplate"
        ]
    );
    let cron = &v["objects"][6]["decision"];
    assert_eq!(cron["breakglass"], true);
    assert_eq!(cron["images"][0]["verdict"], "BREAKGLASS");
}

#[test]
fn manifest_from_stdin_and_namespace_flag_fallback() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: us-docker.pkg.dev/acme/payments/api:v1.4.2\n";
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let args = [
        "evaluate",
        "--policy",
        &policy,
        "--attestor",
        &attestors,
        "--namespace",
        "staging",
        "--manifest",
        "-",
    ];
    let r = binauthz_with_stdin(&args, pod);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("(namespace staging, service account default)")
    );
    assert!(r.stdout.contains("DRY_RUN_VIOLATION"));
}

#[test]
fn unknown_kind_is_a_clear_error() {
    let dir = temp_dir("unknown-kind");
    let path = dir.join("svc.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    )
    .unwrap();
    let r = evaluate(&["--manifest", path.to_str().unwrap()]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("svc.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("Service web"), "{}", r.stderr);
    assert!(r.stderr.contains("has no pod spec"), "{}", r.stderr);
}

#[test]
fn admission_review_response_echoes_uid_and_denies() {
    let r = evaluate(&["--admission-review", &k8s("admission-review.json")]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 403);
    let message = v["response"]["status"]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("Image {WORKER} denied by Binary Authorization")));
}

#[test]
fn admission_review_dry_run_violation_is_a_warning() {
    let r = evaluate(&["--admission-review", &k8s("admission-review-staging.json")]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["response"]["allowed"], true);
    assert!(v["response"].get("status").is_none());
    let warning = v["response"]["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("dry run: Image us-docker.pkg.dev/acme/payments/api:v1.4.2 denied")
    );
}

#[test]
fn audit_log_appends_one_line_per_decision() {
    let dir = temp_dir("audit-log");
    let log = dir.join("audit.jsonl");
    let log = log.to_str().unwrap();
    assert_eq!(evaluate(&["--audit-log", log, "--image", API]).status, 0);
    assert_eq!(
        evaluate(&[
            "--audit-log",
            log,
            "--manifest",
            &example("deployment.yaml")
        ])
        .status,
        1
    );
    let text = std::fs::read_to_string(log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["allowed"], true);
    assert_eq!(lines[1]["allowed"], false);
    assert_eq!(lines[1]["context"]["namespace"], "payments");
    let time = lines[0]["time"].as_str().unwrap();
    assert!(time.len() == 20 && time.ends_with('Z'), "{time}");
}

#[test]
fn bad_input_exits_2_naming_the_file() {
    let r = evaluate(&["--image", "gcr.io/a b"]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("--image `gcr.io/a b`"), "{}", r.stderr);
    let r = binauthz(&["evaluate", "--policy", "/nonexistent.yaml", "--image", API]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("/nonexistent.yaml: cannot open"));
    let r = evaluate(&["--image", API, "--manifest", &example("deployment.yaml")]);
    assert_eq!(
        r.status, 2,
        "images and manifest together are a usage error"
    );
}

#[test]
fn help_documents_exit_status_and_examples() {
    let r = binauthz(&["--help"]);
    assert_eq!(r.status, 0);
    assert!(r.stdout.contains("Exit status:"));
    let r = binauthz(&["evaluate", "--help"]);
    assert!(r.stdout.contains("Examples"));
    assert!(r.stdout.contains("--manifest"));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = binauthz(&["completions", shell]);
        assert_eq!(r.status, 0, "{shell}");
        assert!(r.stdout.contains("binauthz"), "{shell}");
    }
    assert_eq!(binauthz(&["completions", "tcsh"]).status, 2);
}

/// Issue 13, finding 10: an occurrence name and key id holding a line break and terminal
/// escapes printed a fake `ALLOWED` line while the request was blocked.
#[test]
fn untrusted_text_cannot_forge_a_line_or_a_colour() {
    let dir = temp_dir("forged-line");
    let digest = WORKER.rsplit_once('@').unwrap().1;
    let forged = "x\n\u{1b}[32mALLOWED\u{1b}[0m           us-docker.pkg.dev/acme/payments/worker";
    let occurrence = serde_json::json!([{
        "name": forged,
        "resourceUri": format!("https://us-docker.pkg.dev/acme/payments/worker@{digest}"),
        "noteName": "projects/acme/notes/security-scan",
        "attestation": {
            "serializedPayload": "e30=",
            "signatures": [{"publicKeyId": forged, "signature": "AA=="}]
        }
    }]);
    let file = dir.join("forged.json");
    std::fs::write(&file, occurrence.to_string()).unwrap();
    let with_forged = |extra: &[&str]| {
        let policy = example("policy.yaml");
        let attestors = example("attestors.yaml");
        let attestations = file.to_string_lossy();
        let mut args = vec![
            "evaluate",
            "--policy",
            &policy,
            "--attestor",
            &attestors,
            "--attestations",
            &attestations,
            "--image",
            WORKER,
        ];
        args.extend_from_slice(extra);
        binauthz(&args)
    };
    let r = with_forged(&[]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(
        r.stdout.lines().all(|l| !l.starts_with("ALLOWED")),
        "{}",
        r.stdout
    );
    // The name is still there for a person to read, escaped.
    assert!(
        r.stdout.contains("x\\u{a}\\u{1b}[32mALLOWED"),
        "{}",
        r.stdout
    );
    // The JSON output keeps the raw values (JSON escapes them itself).
    let json = with_forged(&["--output", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let reasons = v["images"][0]["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| r["occurrence"] == forged),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .all(|r| !r["message"].as_str().unwrap().contains('\u{1b}')),
        "{reasons:?}"
    );
}

/// Finding 10 through a manifest: `metadata.name` is printed in the per-object header.
#[test]
fn an_object_name_cannot_forge_a_line() {
    let dir = temp_dir("forged-name");
    let manifest = dir.join("pod.json");
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p\nALLOWED fake\u{1b}[2K", "namespace": "payments"},
        "spec": {"containers": [{"name": "w", "image": WORKER}]}
    });
    std::fs::write(&manifest, pod.to_string()).unwrap();
    let r = evaluate(&["--manifest", &manifest.to_string_lossy()]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(
        r.stdout.lines().all(|l| !l.starts_with("ALLOWED")),
        "{}",
        r.stdout
    );
}

/// Writes `review` to a file and runs `evaluate --admission-review` on it with `policy`.
fn review_with(dir: &str, review: &Value, policy: &str) -> Run {
    let dir = temp_dir(dir);
    let path = dir.join("review.json");
    std::fs::write(&path, review.to_string()).unwrap();
    let attestors = example("attestors.yaml");
    binauthz(&[
        "evaluate",
        "--policy",
        policy,
        "--attestor",
        &attestors,
        "--admission-review",
        &path.to_string_lossy(),
    ])
}

fn review_of(object: Value) -> Value {
    serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-9", "namespace": "payments", "object": object}})
}

fn response_of(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr))
}

/// Issue 14, item 14: a webhook must always answer. A review binauthz cannot evaluate gets a
/// refusal echoing its uid, with the error as the message (status 400 `BadRequest`: the
/// review can never succeed), and the command still exits 2.
#[test]
fn a_review_that_cannot_be_evaluated_is_refused_with_its_uid() {
    let service = review_of(serde_json::json!({"kind": "Service\n\u{1b}[2K", "spec": {}}));
    let r = review_with("refused-review", &service, &example("policy.yaml"));
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    let v = response_of(&r);
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["response"]["uid"], "u-9");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 400);
    assert_eq!(v["response"]["status"]["reason"], "BadRequest");
    let message = v["response"]["status"]["message"].as_str().unwrap();
    assert!(message.starts_with("binauthz: "), "{message}");
    assert!(
        message.contains("has no pod spec binauthz can read"),
        "{message}"
    );
    // The kind came from the review: escaped, as everything kubectl prints.
    assert!(message.contains("Service\\u{a}\\u{1b}[2K"), "{message}");
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(r.stderr.contains("has no pod spec"), "{}", r.stderr);
}

/// The policy is binauthz's own input, not the review's: still a refusal with the uid, status 500
/// `InternalError`.
#[test]
fn a_broken_policy_refuses_the_review_as_an_internal_error() {
    let review: Value =
        serde_json::from_str(&std::fs::read_to_string(k8s("admission-review.json")).unwrap())
            .unwrap();
    let r = review_with("refused-policy", &review, "/nonexistent/policy.yaml");
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    let v = response_of(&r);
    assert_eq!(v["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 500);
    assert_eq!(v["response"]["status"]["reason"], "InternalError");
    let message = v["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("/nonexistent/policy.yaml: cannot open"),
        "{message}"
    );
}

/// A review that cannot even be read is answered too, with an empty uid (the API server then
/// applies the webhook's failurePolicy).
#[test]
fn an_unreadable_review_is_refused_without_a_uid() {
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let dir = temp_dir("unreadable-review");
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        "{\"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"u\"",
    )
    .unwrap();
    for path in [
        broken.to_string_lossy().into_owned(),
        "/nonexistent/review.json".to_owned(),
    ] {
        let r = binauthz(&[
            "evaluate",
            "--policy",
            &policy,
            "--attestor",
            &attestors,
            "--admission-review",
            &path,
        ]);
        assert_eq!(r.status, 2, "{path}: {}{}", r.stdout, r.stderr);
        let v = response_of(&r);
        assert_eq!(v["response"]["uid"], "", "{path}");
        assert_eq!(v["response"]["allowed"], false, "{path}");
        assert_eq!(v["response"]["status"]["code"], 400, "{path}");
        let message = v["response"]["status"]["message"].as_str().unwrap();
        assert!(message.contains(&path), "{message}");
    }
}

/// Item 13: the AdmissionReview that carried an unrendered template is decided per image, not
/// refused: the template is denied with its reason, and the response says so.
#[test]
fn an_unrendered_template_image_is_denied_not_refused() {
    let template = "us-docker.pkg.dev/{{ .Project }}/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api"},
        "spec": {"containers": [{"name": "api", "image": template}]}});
    let r = review_with("template-review", &review_of(pod), &example("policy.yaml"));
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    let v = response_of(&r);
    assert_eq!(v["response"]["uid"], "u-9");
    assert_eq!(v["response"]["status"]["code"], 403);
    assert_eq!(v["response"]["status"]["reason"], "VIOLATES_POLICY");
    let message = v["response"]["status"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!(
            "Image `{template}` denied by Binary Authorization default admission rule. Invalid \
             image reference: it contains a space (an unrendered template?)"
        )
    );
}

/// Item 15: `image: {CONTAINER_PATH}` in a manifest says what YAML made of it.
#[test]
fn an_image_read_as_a_mapping_says_what_was_found() {
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: {CONTAINER_PATH}\n";
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let r = binauthz_with_stdin(
        &[
            "evaluate",
            "--policy",
            &policy,
            "--attestor",
            &attestors,
            "--manifest",
            "-",
        ],
        manifest,
    );
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "`spec.template.spec.containers[0].image`: document 1 (Deployment web): `image` is a \
             mapping (an unrendered template such as `{CONTAINER_PATH}`?), expected a string"
        ),
        "{}",
        r.stderr
    );
}

fn cloud_run_service_without_binauthz() -> String {
    std::fs::read_to_string(example("cloud-run-service.yaml"))
        .unwrap()
        .replace("    run.googleapis.com/binary-authorization: default\n", "")
}

#[test]
fn a_cloud_run_service_is_evaluated_under_the_default_rule_only() {
    let r = evaluate(&[
        "--manifest",
        &example("cloud-run-service.yaml"),
        "--output",
        "json",
    ]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let object = &doc["objects"][0];
    assert_eq!(object["platform"], "cloudRun");
    assert_eq!(object["location"], "us-central1");
    let decision = &object["decision"];
    assert_eq!(decision["platform"], "cloudRun");
    assert_eq!(decision["audit"]["platform"], "cloudRun");
    assert_eq!(decision["images"][0]["rule"]["kind"], "default");
    assert_eq!(decision["images"][1]["stage"], "allowlist");
    assert_eq!(
        decision["audit"]["context"]["cloudRun"]["revision"],
        "payments-api-00042-abc"
    );
}

#[test]
fn a_gke_decision_has_no_platform_field() {
    let r = evaluate(&["--image", API, "--output", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(doc.get("platform").is_none(), "{}", r.stdout);
    assert!(doc["audit"].get("platform").is_none());
}

#[test]
fn a_cloud_run_service_without_binauthz_is_admitted_unchecked_unless_assumed() {
    let text = cloud_run_service_without_binauthz();
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let args = [
        "evaluate",
        "--policy",
        &policy,
        "--attestor",
        &attestors,
        "--manifest",
        "-",
    ];
    let r = binauthz_with_stdin(&args, &text);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("[not enabled]"), "{}", r.stdout);
    assert!(r.stdout.contains("--assume-enabled"), "{}", r.stdout);
    let mut assumed = args.to_vec();
    assumed.push("--assume-enabled");
    let r = binauthz_with_stdin(&assumed, &text);
    assert_eq!(r.status, 1, "no attestations were given: {}", r.stdout);
}

#[test]
fn assume_enabled_needs_a_cloud_run_object() {
    let r = evaluate(&[
        "--manifest",
        &example("deployment.yaml"),
        "--assume-enabled",
    ]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("no Cloud Run service or job"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_breakglass_justification_is_shown_escaped() {
    let text = std::fs::read_to_string(example("cloud-run-service.yaml"))
        .unwrap()
        .replace(
            "    run.googleapis.com/ingress: all\n",
            "    run.googleapis.com/binary-authorization-breakglass: \"INC-1\\u001b[2J outage\"\n",
        )
        .replace(API, WORKER);
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let attestations = example("attestations.json");
    let args = [
        "evaluate",
        "--policy",
        &policy,
        "--attestor",
        &attestors,
        "--attestations",
        &attestations,
        "--manifest",
        "-",
    ];
    let r = binauthz_with_stdin(&args, &text);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("BREAKGLASS"), "{}", r.stdout);
    assert!(
        r.stdout.contains("justification `INC-1\\u{1b}[2J outage`"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn verify_threads_change_nothing_in_the_decision() {
    let args = [
        "--output",
        "json",
        "--manifest",
        &example("deployment.yaml"),
    ];
    let one = evaluate(&args);
    let mut threaded = args.to_vec();
    threaded.extend(["--verify-threads", "4"]);
    let four = evaluate(&threaded);
    assert_eq!(one.status, 1, "{}{}", one.stdout, one.stderr);
    assert_eq!((four.status, four.stdout), (one.status, one.stdout));
    let bad = evaluate(&["--verify-threads", "-1", "--image", API]);
    assert_eq!(bad.status, 2, "{}", bad.stderr);
}
